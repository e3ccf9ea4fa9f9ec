// The dashboard: jobs by state from /api/jobs, kept live by the /events stream.
//
// Everything shown comes from the database (titles, errors, URLs written by
// apps), so the page never parses data as HTML: every node is made with
// createElement and filled with textContent or a property.
"use strict";

const STATES = ["running", "queued", "failed", "done", "cancelled"];
const LIMIT = 50;                  // jobs listed per state
const TOKEN_KEY = "bytebeat-render.admin-token";
const jobs = new Map();            // id -> the latest job object we know
const cards = new Map();           // id -> its <li>

// ---- small DOM helpers -----------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function showMessage(text, kind = "info") {
  const box = document.getElementById("message");
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = !text;
}

function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString();
}

// ---- the admin token (asked once per tab, kept in sessionStorage) ------------

function adminToken(ask) {
  let token = sessionStorage.getItem(TOKEN_KEY);
  if (!token && ask) {
    token = (window.prompt("Admin token (ADMIN_TOKEN of the service):") || "").trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
  }
  updateTokenButton();
  return token || "";
}

function updateTokenButton() {
  const button = document.getElementById("token-button");
  button.textContent = sessionStorage.getItem(TOKEN_KEY) ? "Forget admin token" : "Set admin token";
}

function toggleToken() {
  if (sessionStorage.getItem(TOKEN_KEY)) {
    sessionStorage.removeItem(TOKEN_KEY);
    updateTokenButton();
    showMessage("Admin token forgotten.");
  } else {
    adminToken(true);
  }
}

async function jobAction(job, action) {
  const token = adminToken(true);
  if (!token) {
    showMessage(`Not sent: ${action} needs the admin token.`, "error");
    return;
  }
  let response;
  try {
    response = await fetch(`/api/jobs/${encodeURIComponent(job.id)}/${action}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
  } catch (err) {
    showMessage(`${action} of job ${job.id} failed: the service is unreachable.`, "error");
    return;
  }
  const detail = await responseDetail(response);
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    updateTokenButton();
    showMessage(`401 Unauthorized: the admin token is wrong or missing (${detail}). It was forgotten; try again.`, "error");
  } else if (response.status === 403) {
    showMessage(`403 Forbidden: ${detail || "the service has no ADMIN_TOKEN configured"}.`, "error");
  } else if (!response.ok) {
    showMessage(`${action} of job ${job.id}: ${response.status} ${detail}`, "error");
  } else {
    // the card moves when the stream reports the new state: the answer's copy
    // of the job may already be older than the stream's (the worker is quick)
    showMessage(`Job ${job.id}: ${action} accepted.`);
  }
}

async function responseDetail(response) {
  const text = await response.clone().text().catch(() => "");
  try {
    const body = JSON.parse(text);
    return String(body.error || body.message || text);
  } catch (_) {
    return text.slice(0, 300);
  }
}

// ---- one job card ------------------------------------------------------------

function renderCard(job) {
  const li = el("li", { class: "job", "data-job-id": String(job.id), "data-state": job.state });
  const title = job.title || (job.post_id != null ? `post ${job.post_id}` : job.kind);
  li.append(
    el("div", { class: "job-head" },
      el("span", { class: "job-title", text: title }),
      el("span", { class: "job-id", text: `#${job.id}` }),
      el("span", { class: "badge", "data-state": job.state, text: job.state })),
    el("div", { class: "job-meta" }, ...metaParts(job)),
  );
  if (job.state === "running" || job.state === "queued") {
    const bar = el("progress", { class: "job-progress", max: 100, value: Number(job.progress) || 0 });
    bar.setAttribute("aria-label", `progress of job ${job.id}`);
    li.append(el("div", { class: "progress-row" }, bar,
      el("span", { class: "progress-text", text: progressText(job) })));
  }
  if (job.error && (job.state === "failed" || job.state === "cancelled" || job.state === "queued")) {
    li.append(el("pre", { class: "job-error", text: job.error }));
  }
  if (job.state === "done" && job.audio_url) li.append(renderResult(job));
  const actions = el("div", { class: "job-actions" });
  if (job.state === "failed" || job.state === "cancelled") {
    actions.append(el("button", { type: "button", class: "retry", text: "Retry", onclick: () => jobAction(job, "retry") }));
  }
  if (job.state === "queued" || job.state === "running") {
    actions.append(el("button", { type: "button", class: "cancel", text: "Cancel", onclick: () => jobAction(job, "cancel") }));
  }
  if (actions.childElementCount) li.append(actions);
  return li;
}

// kind · post · attempt · times, the times as <time> elements (exact value in datetime=)
function metaParts(job) {
  const parts = [document.createTextNode(job.kind || "job")];
  if (job.post_id != null) parts.push(document.createTextNode(`post ${job.post_id}`));
  if (job.attempts) parts.push(el("span", { class: "attempts", text: `attempt ${job.attempts}` }));
  for (const [key, label] of [["created_at", "created"], ["started_at", "started"], ["finished_at", "finished"]]) {
    if (!job[key] || (key === "started_at" && job.finished_at)) continue;
    const time = el("time", { class: label, text: `${label} ${when(job[key])}` });
    time.setAttribute("datetime", job[key]);
    parts.push(time);
  }
  return parts.flatMap((node, i) => (i ? [document.createTextNode(" · "), node] : [node]));
}

function progressText(job) {
  const pct = `${Math.round(Number(job.progress) || 0)} %`;
  return job.stage ? `${job.stage} ${pct}` : pct;
}

function renderResult(job) {
  const box = el("div", { class: "job-result" });
  const thumb = el("div", { class: "waveform" });
  if (job.waveform_url) {
    thumb.append(el("img", { src: job.waveform_url, alt: `waveform of job ${job.id}`, loading: "lazy" }));
  } else {
    const canvas = el("canvas", { width: 600, height: 64 });
    canvas.setAttribute("aria-label", `waveform of job ${job.id}`);
    thumb.append(canvas);
    waveforms.request(canvas, job.audio_url);
  }
  const audio = el("audio", { controls: true, preload: "metadata", src: job.audio_url });
  box.append(thumb, audio);
  return box;
}

// A card that only moved forward in progress is updated in place, so the
// <progress> element (and any audio playing) survives; anything else re-renders.
function updateInPlace(li, old, job) {
  if (old.state !== job.state || old.error !== job.error || old.audio_url !== job.audio_url
      || old.title !== job.title || old.attempts !== job.attempts) return false;
  const bar = li.querySelector("progress");
  if (bar) bar.value = Number(job.progress) || 0;
  const text = li.querySelector(".progress-text");
  if (text) text.textContent = progressText(job);
  li.querySelector(".job-meta").replaceChildren(...metaParts(job));
  return true;
}

// ---- the lists -------------------------------------------------------------

function upsert(partial) {
  if (!partial || partial.id == null) return;
  const old = jobs.get(partial.id);
  const job = Object.assign({}, old || {}, partial);
  jobs.set(job.id, job);
  const existing = cards.get(job.id);
  if (existing && old && updateInPlace(existing, old, job)) return;
  const card = renderCard(job);
  if (existing) existing.remove();
  cards.set(job.id, card);
  const list = document.getElementById(`jobs-${job.state}`);
  if (!list) return;
  // newest first: insert before the first card with a smaller id
  let before = null;
  for (const other of list.children) {
    if (Number(other.dataset.jobId) < Number(job.id)) { before = other; break; }
  }
  list.insertBefore(card, before);
  while (list.childElementCount > LIMIT) forget(list.lastElementChild);
  if (!old || old.state !== job.state) refreshSummary();
}

function forget(card) {
  const id = Number(card.dataset.jobId);
  jobs.delete(id);
  cards.delete(id);
  card.remove();
}

// `listWins`: the list is newer than what the page knows (a reload after the
// stream was down); otherwise a job the stream already told us about keeps the
// stream's fields and takes only the ones events lack (the title).
async function loadState(state, listWins = false) {
  const response = await fetch(`/api/jobs?state=${state}&limit=${LIMIT}`);
  if (!response.ok) throw new Error(`/api/jobs?state=${state}: ${response.status} ${await responseDetail(response)}`);
  const body = await response.json();
  for (const job of body.jobs.slice().reverse()) {
    upsert(listWins ? job : Object.assign({}, job, jobs.get(job.id)));
  }
}

let summaryTimer = null;
function refreshSummary() {
  clearTimeout(summaryTimer);
  summaryTimer = setTimeout(async () => {
    try {
      const response = await fetch("/api/summary");
      if (response.ok) showSummary(await response.json());
    } catch (_) { /* the connection indicator already says so */ }
  }, 250);
}

function showSummary(body) {
  const counts = body.counts || body;
  const dl = document.getElementById("summary");
  dl.replaceChildren();
  for (const state of STATES) {
    dl.append(el("div", { class: "count", "data-state": state },
      el("dt", { text: state }), el("dd", { text: String(counts[state] ?? 0) })));
  }
}

// ---- live updates ----------------------------------------------------------

// Progress events carry the job's fields but not the post's title: a job the
// page has not listed yet is completed from its state's list (one fetch per
// state, however many events arrive meanwhile).
const fillIns = new Map();           // state -> {listWins} of the fetch about to run
function fillIn(state, listWins = false) {
  const pending = fillIns.get(state);
  if (pending) { pending.listWins ||= listWins; return; }
  const request = { listWins };
  fillIns.set(state, request);
  setTimeout(() => {
    fillIns.delete(state);
    loadState(state, request.listWins).catch(() => {});
  }, 100);
}

function connect() {
  const indicator = document.getElementById("connection");
  const source = new EventSource("/events");
  let opened = false;
  source.addEventListener("open", () => {
    indicator.dataset.state = "live";
    indicator.textContent = "live";
    // after a reconnect, reload: events sent while the service was unreachable are gone
    if (opened) for (const state of STATES) fillIn(state, true);
    opened = true;
  });
  source.addEventListener("error", () => {
    indicator.dataset.state = "reconnecting";
    indicator.textContent = "reconnecting…";  // EventSource retries itself, with Last-Event-ID
  });
  source.addEventListener("job", (event) => {
    try {
      const job = JSON.parse(event.data);
      if (!("title" in job) && !(jobs.get(job.id) || {}).title && STATES.includes(job.state)) fillIn(job.state);
      upsert(job);
    } catch (err) {
      console.error("bad job event", err);
    }
  });
  return source;
}

// ---- waveforms drawn from the decoded audio, a few at a time, when visible ----

const waveforms = {
  queue: [],
  running: 0,
  max: 2,
  observer: null,
  request(canvas, url) {
    canvas.dataset.src = url;
    if (!this.observer) {
      this.observer = new IntersectionObserver((entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          this.observer.unobserve(entry.target);
          this.queue.push(entry.target);
          this.pump();
        }
      });
    }
    this.observer.observe(canvas);
  },
  pump() {
    while (this.running < this.max && this.queue.length) {
      const canvas = this.queue.shift();
      if (!canvas.isConnected) continue;
      this.running += 1;
      drawWaveform(canvas, canvas.dataset.src)
        .catch((err) => { canvas.title = `no waveform: ${err.message || err}`; canvas.dataset.failed = "1"; })
        .finally(() => { this.running -= 1; this.pump(); });
    }
  },
};

async function drawWaveform(canvas, url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${response.status} from the audio URL`);
  const data = await response.arrayBuffer();
  // An offline context needs no audio device and no user gesture; 22050 Hz is
  // plenty for a 600-pixel thumbnail and halves the memory of a long song.
  const context = new OfflineAudioContext(1, 1, 22050);
  const buffer = await context.decodeAudioData(data);
  const samples = buffer.getChannelData(0);
  const g = canvas.getContext("2d");
  const { width, height } = canvas;
  const mid = height / 2;
  const step = Math.max(1, Math.floor(samples.length / width));
  g.clearRect(0, 0, width, height);
  g.fillStyle = getComputedStyle(canvas).color;
  for (let x = 0; x < width; x++) {
    let lo = 1, hi = -1;
    const end = Math.min(samples.length, (x + 1) * step);
    for (let i = x * step; i < end; i++) {
      const v = samples[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi < lo) continue;
    g.fillRect(x, mid - hi * mid, 1, Math.max(1, (hi - lo) * mid));
  }
  canvas.dataset.drawn = "1";
}

// ---- start -----------------------------------------------------------------

async function start() {
  document.getElementById("token-button").addEventListener("click", toggleToken);
  updateTokenButton();
  connect();  // first, so no update between the lists' load and the stream is lost
  try {
    await Promise.all(STATES.map(loadState));
    refreshSummary();
    document.body.dataset.loaded = "1";
  } catch (err) {
    showMessage(`Could not load the jobs: ${err.message}`, "error");
  }
}

document.addEventListener("DOMContentLoaded", start);
