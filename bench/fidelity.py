"""Fidelity of the engine over the shared corpus, as the service renders (tier "auto").

    python -m bench.fidelity [--seconds 10|60] [--tier auto|compiled|v8] [--jobs 2]
                             [--sample N] [--limit N] [--ids id,id] [--timeout S]
                             [--fractional render|skip] [--optimized] [--out results.jsonl]

For every corpus song without a `reference_error`:

* which tier renders it (`auto`: the compiled tier when it takes the song, else V8) and,
  for V8 songs, the construct that kept it out of the compiled tier (`engine.check`);
* whether it renders at all: any engine error (syntax error in V8, render timeout at
  `--timeout` s, the service's default render deadline, memory limit, ...) is "refused";
* whether its bytes are exact: the render loop's samples (u8 for byte modes, little-endian
  float32 for float/func, interleaved L,R when stereo: the WAV's data bytes) are hashed
  with sha256 and compared with `ref_sha256_10s` (`--seconds 10`, the default) or with a
  fresh run of `node reference.mjs --format json-stats` over the same sample count
  (any other `--seconds`, e.g. 60). For a differing song the reference's samples are
  fetched once more to say where the first difference is.

Songs that call `random()` are compared with the reference's seed-42 render (both tiers
use V8's xorshift128+ seeded with 42) and counted in their own line as well; songs whose
reference is not deterministic (`ref_deterministic == false`, they read the clock) are
reported apart and left out of the exact/differing totals.

Fractional sample rates (23 songs): the service's schema and `BytebeatRequest` accept
integer rates only. With `--fractional render` (default) those songs are rendered through
the engine's own `load_runner` + render loop with a request whose rate was not validated
(`_UncheckedRequest`), and reported in their own row; `--fractional skip` reports them as
"skipped: fractional rate".

The compiled tier renders a new song with quick code while its optimized code compiles,
so a 10 s render may end before the optimized (vectorised) code takes over. `--optimized`
compiles every kernel optimized before its first samples, so that code renders every
sample.

Songs run in worker processes (`--jobs`, default 2), one song at a time each; a worker
that crashes or hangs past the timeout is killed (by its PID) and replaced, the song is
reported refused with that reason. `--tier compiled` gives the old compiled-only view:
songs the compiled tier refuses are "not taken" (with the construct), not errors.
Exit status 1 if any song (deterministic reference) differs or is refused.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared" / "bytebeat").resolve()
CORPUS = SHARED / "corpus.json"
REFERENCE = SHARED / "reference.mjs"
SERVICE_TIMEOUT = 120.0   # listener's RENDER_TIMEOUT_MS default
RECYCLE_AFTER = 150       # songs per worker process before it is replaced (bounded memory)


# ------------------------------------------------------------------ constructs

_BUILTINS = {"Array", "Math", "String", "Number", "Object", "JSON", "eval", "unescape", "escape",
             "parseInt", "parseFloat", "Date", "Symbol", "Reflect", "Function", "Boolean", "RegExp",
             "isNaN", "isFinite", "BigInt", "Float32Array", "Float64Array", "Int8Array", "Uint8Array",
             "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Uint8ClampedArray", "value"}
_MATH = {n for n in ("abs acos acosh asin asinh atan atanh atan2 cbrt ceil clz32 cos cosh exp expm1 "
                     "floor fround hypot imul log log1p log10 log2 max min pow random round sign sin "
                     "sinh sqrt tan tanh trunc int").split()}


def _var(name: str) -> str:
    return name if name in _BUILTINS else "<var>"


def construct_family(status: str, construct: str | None, message: str) -> str:
    """engine.check's refusal, with the song's own variable names replaced by <var> so that
    songs refused for the same reason count together."""
    if status == "syntax error":
        return "syntax error (compiled tier's parser): " + (construct or message)
    if status == "limit":
        return "limit: " + message.split(":")[0]
    c = construct or message
    if c in ("null", "this", "undefined", "arguments", "super"):
        return f"'{c}'"
    m = re.fullmatch(r"call of (\w+)\.(\w+)", c)
    if m:
        return f"call of {_var(m.group(1))}.{m.group(2)}"
    m = re.fullmatch(r"call of (\w+)", c)
    if m:
        return f"call of {_var(m.group(1))}"
    rules = [
        (r"(\w+) assigned several functions", "<var> assigned several functions"),
        (r"function value (\w+) used as a value",
         lambda m: "Math function used as a value" if m.group(1) in _MATH else "function value <var> used as a value"),
        (r"Math\.(\w+) used as a value", "Math.<fn> used as a value"),
        (r"function (\w+) used as a value", "function <var> used as a value"),
        (r"indexing (\w+)", "indexing <var> (not an array/string)"),
        (r"assignment to (\w+), which a function reads, after the function is created",
         lambda m: ("assignment to t" if m.group(1) == "t" else "assignment to <var>")
         + ", which a function reads, after the function is created"),
        (r"assignment to (\w+)\.length", "assignment to <var>.length"),
        (r"assignment of a value to (\w+), which holds a function", "assignment of a value to <var>, which holds a function"),
        (r"(\w+) assigned a function and a value", "<var> assigned a function and a value"),
        (r"write to (\w+)\[i\] where i is not provably an integer from 0 to \d+",
         "write to <var>[i] where i is not provably in range"),
        (r"array (\w+) used other than as \1\[i\] or \1\.length", "array <var> used other than as <var>[i] or <var>.length"),
        (r"(\w+)\.push\(v\) other than right after a sure \1\.shift\(\) in the same comma sequence",
         "<var>.push(v) other than right after a sure <var>.shift()"),
        (r"shift\(\)/push\(\) of (\w+), an array that writes grow", "shift()/push() of <var>, an array that writes grow"),
        (r"array stored in (\w+), which is also a function or built-in",
         "array stored in <var>, which is also a function or built-in"),
        (r"Funcbeat body declaring (\w+) \(a name the compiled tier reserves\)",
         "Funcbeat body declaring a name the compiled tier reserves"),
    ]
    for pat, rep in rules:
        m = re.fullmatch(pat, c)
        if m:
            return rep(m) if callable(rep) else rep
    return c


# ------------------------------------------------------------------ worker side

def _unchecked_request(code: str, mode: str, rate: float, seconds: float):
    """A BytebeatRequest whose sample rate skipped validation (fractional rates): the
    render loop and both tiers only read code/mode/sample_rate/seconds/fades from it."""
    from engine.request import BytebeatRequest
    req = BytebeatRequest.__new__(BytebeatRequest)
    for k, v in dict(code=code, mode=mode, sample_rate=rate, seconds=float(seconds),
                     fade_in=0.0, fade_out=0.0).items():
        object.__setattr__(req, k, v)
    return req


def _render(req, tier: str, deadline: float):
    """What render_samples does (load_runner + the render loop), keeping the tier used."""
    import numpy as np
    from engine import modes
    from engine.render import _Renderer, close_runner, load_runner
    runner = load_runner(req, tier, deadline)
    try:
        used = getattr(runner, "tier", tier)
        r = _Renderer(req, runner)
        out = np.empty((r.n, 2), dtype=modes.sample_dtype(req.mode))
        for start, ls, rs in r.blocks(deadline, None):
            out[start:start + len(ls), 0] = ls
            out[start:start + len(ls), 1] = rs
        a = out if r.stereo else out[:, 0].copy()
    finally:
        close_runner(runner)
    if a.dtype == np.float32:
        a = a.astype("<f4")
    return used, a


def _node_reference(code: str, mode: str, rate: float, samples: int, timeout: float,
                    out_file: str | None = None) -> dict:
    cmd = [shutil.which("node") or "node", str(REFERENCE), "--mode", mode, "--rate", repr(rate),
           "--samples", str(samples), "--stdin", "--format", "json-stats", "--timeout", str(int(timeout))]
    if out_file:
        cmd += ["--out", out_file]
    p = subprocess.run(cmd, input=code.encode(), capture_output=True, timeout=timeout + 30)
    lines = p.stdout.decode(errors="replace").strip().splitlines()
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"reference.mjs exit {p.returncode}: {p.stderr.decode(errors='replace')[-300:]}")
    return json.loads(lines[-1])


def _where_differs(ours, song: dict, rate: float, samples: int, timeout: float) -> str:
    """Where our samples and the reference's first part."""
    import numpy as np
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ref.bin")
        try:
            st = _node_reference(song["code"], song["mode"], rate, samples, timeout, path)
        except Exception as e:  # noqa: BLE001
            return f"(reference re-run failed: {e})"
        dtype = np.uint8 if song["mode"] in ("uint8", "int8") else np.dtype("<f4")
        ref = np.fromfile(path, dtype=dtype)
    ch_ref = st.get("channels", 1)
    ch_ours = 2 if ours.ndim == 2 else 1
    if ch_ref != ch_ours:
        return f"channels: ours {ch_ours}, reference {ch_ref}"
    ref = ref.reshape(-1, 2) if ch_ref == 2 else ref
    if ref.shape != ours.shape:
        return f"sample count: ours {ours.shape}, reference {ref.shape}"
    a = ours.view(np.uint32) if ours.dtype.kind == "f" else ours
    b = ref.view(np.uint32) if ref.dtype.kind == "f" else ref
    bad = (a != b) if a.ndim == 1 else (a != b).any(axis=1)
    idx = np.flatnonzero(bad)
    if len(idx) == 0:
        return ("the corpus hash differs, but the samples equal a fresh reference.mjs run "
                "(the reference's output changes from run to run)")
    first = int(idx[0])
    msg = f"{len(idx)} of {len(bad)} samples differ, first at t={first} ({first / rate:.3f} s)"
    if ours.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            d = np.abs(ours.astype(np.float64) - ref.astype(np.float64))
        msg += f", max |diff| {np.nanmax(d):.3g}"
        msg += f", ours {ours[first].tolist()} ref {ref[first].tolist()}"
    else:
        msg += f", ours {ours[first].tolist()} ref {ref[first].tolist()}"
    return msg


def run_song(song: dict, opts: dict) -> dict:
    import engine
    from engine.errors import EngineError
    seconds, tier = opts["seconds"], opts["tier"]
    rate = song["sample_rate"]
    fractional = rate != int(rate)
    rec = {"id": song["id"], "name": song["name"], "mode": song["mode"], "rate": rate,
           "fractional": fractional, "random": bool(song.get("uses_random")),
           "deterministic": song.get("ref_deterministic") is not False}
    t_start = time.monotonic()
    chk = engine.check(song["code"], song["mode"])
    rec["check"] = chk.status
    if not chk.compiled:
        rec["construct_raw"] = chk.construct or chk.message
        rec["construct"] = construct_family(chk.status, chk.construct, chk.message)
    rec["expected_tier"] = "compiled" if chk.compiled else "v8"
    if fractional and opts["fractional"] == "skip":
        rec.update(status="skipped", reason="skipped: fractional rate", tier=None)
        return rec
    if fractional:
        req = _unchecked_request(song["code"], song["mode"], rate, seconds)
    else:
        req = engine.BytebeatRequest(song["code"], song["mode"], int(rate), seconds)
    samples = req.sample_count
    deadline = time.monotonic() + opts["timeout"]
    try:
        used, a = _render(req, tier, deadline)
    except (engine.NotCompiledError, engine.SongSyntaxError, engine.SongLimitError) as e:
        if tier == "compiled":
            rec.update(status="not taken", tier=None, reason=str(e))
            return rec
        rec.update(status="refused", tier=None, reason=f"{type(e).__name__}: {e}")
        return rec
    except EngineError as e:
        rec.update(status="refused", tier=None, reason=f"{type(e).__name__}: {e}")
        return rec
    except Exception as e:  # noqa: BLE001 - an engine bug is a refusal too, with its type
        rec.update(status="refused", tier=None, reason=f"unexpected {type(e).__name__}: {e}")
        return rec
    rec["tier"] = used
    rec["render_s"] = round(time.monotonic() - t_start, 3)
    sha = hashlib.sha256(a.tobytes()).hexdigest()
    rec["channels"] = 2 if a.ndim == 2 else 1
    if seconds == 10:
        ref_sha = song["ref_sha256_10s"]
    else:
        t = time.monotonic()
        try:
            st = _node_reference(song["code"], song["mode"], rate, samples, opts["ref_timeout"])
        except Exception as e:  # noqa: BLE001
            rec.update(status="no reference", reason=f"reference failed: {e}"[:400])
            return rec
        rec["ref_s"] = round(time.monotonic() - t, 3)
        ref_sha = st["sha256"]
    if sha == ref_sha:
        rec.update(status="exact")
    else:
        rec.update(status="differ", reason=_where_differs(a, song, rate, samples, opts["ref_timeout"]))
    return rec


def worker_main(opts: dict) -> int:
    """Reads song indices (one a line) on stdin, answers one JSON line each."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything the engine or V8 prints goes to stderr, not into the protocol
    songs = json.loads(Path(opts["corpus"]).read_text())["songs"]
    if opts.get("optimized"):
        from engine.compiled import jit  # noqa: PLC0415
        jit.QUICK_START = False
    for line in sys.stdin:
        i = int(line)
        try:
            rec = run_song(songs[i], opts)
        except Exception as e:  # noqa: BLE001
            rec = {"id": songs[i]["id"], "status": "refused", "reason": f"bench error {type(e).__name__}: {e}"}
        rec["index"] = i
        proto.write(json.dumps(rec) + "\n")
    return 0


# ------------------------------------------------------------------ parent side

class Worker:
    def __init__(self, opts: dict):
        cmd = [sys.executable, "-m", "bench.fidelity", "--worker", json.dumps(opts)]
        self.proc = subprocess.Popen(cmd, cwd=str(ROOT), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.done = 0

    def ask(self, index: int, timeout: float) -> dict | None:
        self.proc.stdin.write(f"{index}\n")
        self.proc.stdin.flush()
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            return None
        line = self.proc.stdout.readline()
        if not line:
            return {}
        self.done += 1
        return json.loads(line)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # our own child, by its PID
        self.proc.wait()

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except Exception:  # noqa: BLE001
            self.kill()


def run_pool(songs: list[dict], indices: list[int], opts: dict, jobs: int, out, progress) -> list[dict]:
    todo = collections.deque(sorted(indices, key=lambda i: -(songs[i].get("ref_render_s_10s") or 0)))
    results: list[dict] = []
    lock = threading.Lock()
    hard = opts["timeout"] + (opts["ref_timeout"] * 2 if opts["seconds"] != 10 else 0) + 120

    def loop():
        w = None
        while True:
            with lock:
                if not todo:
                    break
                i = todo.popleft()
            if w is None or w.done >= RECYCLE_AFTER:
                if w is not None:
                    w.close()
                w = Worker(opts)
            rec = w.ask(i, hard)
            if not rec:
                s = songs[i]
                why = (f"worker process died (exit {w.proc.poll()})" if rec == {}
                       else f"no answer within {hard:g} s; worker killed")
                w.kill()
                w = None
                rec = {"index": i, "id": s["id"], "name": s["name"], "mode": s["mode"], "rate": s["sample_rate"],
                       "fractional": s["sample_rate"] != int(s["sample_rate"]),
                       "random": bool(s.get("uses_random")),
                       "deterministic": s.get("ref_deterministic") is not False,
                       "status": "refused", "tier": None, "reason": why}
            with lock:
                results.append(rec)
                if out is not None:
                    out.write(json.dumps(rec) + "\n")
                    out.flush()
                progress(len(results), rec)
        if w is not None:
            w.close()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(max(1, jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results, key=lambda r: r["index"])


def choose_sample(songs: list[dict], indices: list[int], n: int) -> list[int]:
    """A deterministic sample spread over modes: songs ordered by sha256 of their id,
    each mode getting its share of n (at least 5)."""
    by_mode = collections.defaultdict(list)
    for i in indices:
        by_mode[songs[i]["mode"]].append(i)
    for m in by_mode:
        by_mode[m].sort(key=lambda i: hashlib.sha256(songs[i]["id"].encode()).hexdigest())
    total = len(indices)
    chosen = []
    for m, lst in sorted(by_mode.items()):
        k = max(5, round(n * len(lst) / total))
        chosen += lst[:k]
    return sorted(chosen)


# ------------------------------------------------------------------ report

def report(results: list[dict], opts: dict, elapsed: float, total_songs: int, skipped_ref_error: int) -> int:
    P = print
    tier_view = opts["tier"]
    secs = opts["seconds"]
    P(f"\nfidelity: tier {tier_view!r}, first {secs:g} s of each song, compared with "
      + ("the corpus' ref_sha256_10s" if secs == 10 else "a fresh run of reference.mjs (json-stats sha256)"))
    P(f"corpus songs: {total_songs}; with a reference_error (left out): {skipped_ref_error}; run here: {len(results)}")
    det = [r for r in results if r.get("deterministic", True)]
    nondet = [r for r in results if not r.get("deterministic", True)]
    modes_ = ["uint8", "int8", "float", "func"]

    def row(label, rs):
        cnt = collections.Counter(r["status"] for r in rs)
        tiers = collections.Counter(r.get("tier") for r in rs if r["status"] in ("exact", "differ", "no reference"))
        exact_c = sum(1 for r in rs if r["status"] == "exact" and r.get("tier") == "compiled")
        exact_v = sum(1 for r in rs if r["status"] == "exact" and r.get("tier") == "v8")
        P(f"  {label:<22} {len(rs):>5} {tiers.get('compiled', 0):>9} {tiers.get('v8', 0):>5} "
          f"{cnt['exact']:>6} {exact_c:>6}/{exact_v:<5} {cnt['differ']:>6} {cnt['refused']:>7} "
          f"{cnt['not taken']:>9} {cnt['skipped']:>7} {cnt['no reference']:>6}")

    P(f"\n  {'':<22} {'songs':>5} {'compiled':>9} {'v8':>5} {'exact':>6} {'(c/v8)':>12} {'differ':>6} "
      f"{'refused':>7} {'not taken':>9} {'skipped':>7} {'no ref':>6}")
    for m in modes_:
        rs = [r for r in det if r["mode"] == m]
        if rs:
            row(m, rs)
    row("total", det)
    rnd = [r for r in det if r.get("random")]
    row("  of which random()", rnd)
    frac = [r for r in det if r.get("fractional")]
    row("  of which fract. rate", frac)
    if nondet:
        row("not deterministic", nondet)
        P("    (reference not deterministic: reads the clock; not in the totals above)")
        for r in nondet:
            P(f"    {r['id']} {r['mode']} {r.get('tier')} {r['status']} {r.get('reason', '')}")
    P("  compiled/v8 = songs rendered by that tier; exact (c/v8) = exact songs per tier")
    if frac and opts["fractional"] == "render":
        P("  fractional rates are outside the service's schema (integer rates); rendered through "
          "engine.render.load_runner + the render loop with an unvalidated request")

    if tier_view != "compiled":
        unexpected = [r for r in results if r.get("tier") and r.get("expected_tier") and r["tier"] != r["expected_tier"]]
        if unexpected:
            P(f"\n  songs whose tier differs from engine.check's verdict: {len(unexpected)}")
            for r in unexpected:
                P(f"    {r['id']} check={r.get('check')} rendered by {r['tier']}")

    reasons = collections.Counter(r["construct"] for r in results if r.get("construct"))
    n_out = sum(reasons.values())
    P(f"\nconstructs that keep songs out of the compiled tier ({n_out} songs, most frequent first; "
      "<var> = the song's own name):")
    for construct, count in reasons.most_common():
        P(f"  {count:5d}  {construct}")

    bad = [r for r in results if r["status"] in ("differ", "refused", "no reference")]
    if bad:
        P(f"\ndiffering, refused or without reference ({len(bad)}):")
        for r in bad:
            extra = " random()" if r.get("random") else ""
            extra += " not-deterministic" if not r.get("deterministic", True) else ""
            extra += " fractional-rate" if r.get("fractional") else ""
            P(f"  {r['status']:<9} {r['id']} {r['mode']:<5} {r.get('rate')!s:>9} "
              f"tier={r.get('tier') or r.get('expected_tier')}{extra}  {r.get('name', '')!r}")
            P(f"            {r.get('reason', '')}")
    if tier_view == "compiled":
        P(f"\ncompiled-tier view: {sum(1 for r in results if r['status'] != 'not taken')} taken, "
          f"{sum(1 for r in results if r['status'] == 'not taken')} not taken")
    P(f"\nelapsed {elapsed:.1f} s")
    failing = [r for r in det if r["status"] in ("differ", "refused")]
    return 1 if failing else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.fidelity")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--tier", choices=("auto", "compiled", "v8"), default="auto")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--sample", type=int, default=0, help="a deterministic sample of about N songs spread over modes")
    ap.add_argument("--limit", type=int, default=0, help="only the first N songs")
    ap.add_argument("--ids", default="", help="only these song ids (comma-separated)")
    ap.add_argument("--timeout", type=float, default=SERVICE_TIMEOUT,
                    help="render deadline per song in seconds (default: the service's 120)")
    ap.add_argument("--fractional", choices=("render", "skip"), default="render")
    ap.add_argument("--out", default="", help="also write one JSON line per song here")
    ap.add_argument("--optimized", action="store_true",
                    help="compiled tier: optimized code from the first sample (no quick code)")
    args = ap.parse_args(argv)
    if args.worker:
        return worker_main(json.loads(args.worker))
    if args.seconds != 10 and not (shutil.which("node") and REFERENCE.exists()):
        print("--seconds other than 10 needs node and reference.mjs", file=sys.stderr)
        return 2
    songs = json.loads(Path(args.corpus).read_text())["songs"]
    indices = [i for i, s in enumerate(songs) if not s.get("reference_error")]
    skipped_ref_error = len(songs) - len(indices)
    if args.ids:
        want = set(args.ids.split(","))
        indices = [i for i in indices if songs[i]["id"] in want]
    if args.sample:
        indices = choose_sample(songs, indices, args.sample)
    if args.limit:
        indices = indices[:args.limit]
    opts = {"corpus": args.corpus, "seconds": args.seconds, "tier": args.tier, "timeout": args.timeout,
            "ref_timeout": max(60.0, 5 * args.seconds), "fractional": args.fractional,
            "optimized": args.optimized}
    out = open(args.out, "w") if args.out else None
    started = time.monotonic()
    n = len(indices)

    def progress(done: int, rec: dict) -> None:
        if done % 50 == 0 or done == n or rec["status"] in ("differ", "refused"):
            print(f"[{done}/{n} {time.monotonic() - started:.0f}s] {rec['id']} {rec['status']} "
                  f"{rec.get('reason', '')[:120]}", file=sys.stderr, flush=True)

    results = run_pool(songs, indices, opts, args.jobs, out, progress)
    if out is not None:
        out.close()
    return report(results, opts, time.monotonic() - started, len(songs), skipped_ref_error)


if __name__ == "__main__":
    sys.exit(main())
