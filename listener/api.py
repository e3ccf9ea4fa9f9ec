"""The operations routes: Prometheus metrics, the job event stream (SSE), the
dashboard's JSON API, and the admin actions retry and cancel.

Reads are open (the server binds 127.0.0.1 by default); actions that change a
job need `Authorization: Bearer <ADMIN_TOKEN>` and are off when no token is set.
"""
from __future__ import annotations

import asyncio
import hmac
import time
from typing import TYPE_CHECKING

import asyncpg
import orjson
from aiohttp import web

from listener.db.queries import QUERIES
from listener.events import EventHub, job_json
from listener.metrics import CONTENT_TYPE, Exposition

if TYPE_CHECKING:
    from listener.config import Settings
    from listener.worker import Worker

WORKER = web.AppKey("worker", object)
SETTINGS = web.AppKey("settings", object)
EVENTS = web.AppKey("events", EventHub)

STATES = ("queued", "running", "done", "failed", "cancelled")
DEFAULT_LIMIT, MAX_LIMIT = 50, 500
HEARTBEAT_SECONDS = 15.0
CANCEL_REASON = "cancelled by an operator"
DB_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/events", events)
    app.router.add_get("/api/jobs", list_jobs)
    app.router.add_get("/api/summary", summary)
    app.router.add_post(r"/api/jobs/{id:\d+}/retry", retry_job)
    app.router.add_post(r"/api/jobs/{id:\d+}/cancel", cancel_job)


def _error(status: int, message: str, **headers: str) -> web.HTTPException:
    cls = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden,
           404: web.HTTPNotFound, 409: web.HTTPConflict, 503: web.HTTPServiceUnavailable}[status]
    return cls(text=orjson.dumps({"error": message}).decode(), content_type="application/json",
               headers=headers or None)


async def _counts(worker: "Worker") -> tuple[dict[str, int], int]:
    """Jobs by state (every state, zero when none) and the due queued jobs."""
    try:
        rows = await worker.db.fetch(QUERIES["queue_counts"])
    except DB_ERRORS as exc:
        raise _error(503, f"database unavailable: {exc}") from None
    counts = dict.fromkeys(STATES, 0)
    depth = 0
    for row in rows:
        counts[row["state"]] = row["n"]
        if row["state"] == "queued":
            depth = row["due"]
    return counts, depth


# -- /metrics --------------------------------------------------------------------

async def metrics(request: web.Request) -> web.Response:
    worker: Worker = request.app[WORKER]
    hub: EventHub = request.app[EVENTS]
    out = Exposition()
    try:
        counts, depth = await _counts(worker)
        database_up = 1
    except web.HTTPServiceUnavailable:
        counts, depth, database_up = None, None, 0
    out.gauge("render_database_up", "Whether the last query for these metrics reached the database.",
              [({}, database_up)])
    if counts is not None:
        out.gauge("render_jobs", "Jobs in the database by state (all workers).",
                  [({"state": state}, n) for state, n in counts.items()])
        out.gauge("render_queue_depth", "Queued jobs due to run now (all workers).", [({}, depth)])
    m, s = worker.metrics, worker.stats
    out.gauge("render_active_jobs", "Jobs this worker is running.", [({}, len(worker.running))])
    out.counter("render_jobs_processed_total", "Jobs this worker finished (any outcome).", s.processed)
    out.counter("render_jobs_succeeded_total", "Jobs this worker finished as done.", s.succeeded)
    out.counter("render_jobs_failed_total", "Jobs this worker failed for good.", s.failed)
    out.counter("render_jobs_retried_total", "Transient failures this worker scheduled again.", s.retried)
    out.counter("render_jobs_cancelled_total", "Running jobs this worker stopped on a cancel.", s.cancelled)
    out.histogram("render_duration_seconds", "Time a job spent in the render pool.", m.render_seconds)
    out.histogram("render_upload_duration_seconds", "Time to store one output file.", m.upload_seconds)
    out.histogram("render_notify_to_claim_seconds",
                  "From a wake-up notification to the claim of the jobs it announced.",
                  m.notify_to_claim_seconds)
    out.gauge("render_listen_connected", "Whether the worker's LISTEN connection is up.",
              [({}, int(worker.listener.connected))])
    out.counter("render_listen_reconnects_total", "Times the worker's LISTEN connection was re-established.",
                max(0, worker.listener.connects - 1))
    out.counter("render_pool_restarts_total", "Render processes killed and replaced (timeouts, cancels, crashes).",
                worker.pool.restarts)
    out.gauge("render_event_clients", "Clients connected to /events.", [({}, len(hub.subscribers))])
    out.counter("render_event_clients_dropped_total", "/events clients dropped for not keeping up.",
                hub.dropped)
    out.gauge("render_uptime_seconds", "Seconds since this service started.",
              [({}, round(time.time() - s.started_at, 3))])
    return web.Response(text=out.text(), headers={"Content-Type": CONTENT_TYPE})


# -- /events ---------------------------------------------------------------------

def _last_event_id(request: web.Request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise _error(400, f"Last-Event-ID: must be an event id (an integer), got {raw!r}") from None


async def events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: `event: job` with the job's JSON and an `id:`; after a
    reconnect with Last-Event-ID, the missed events still in the ring first;
    a comment line every HEARTBEAT_SECONDS so proxies keep the stream open."""
    hub: EventHub = request.app[EVENTS]
    last = _last_event_id(request)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    await response.prepare(request)
    sub, backlog = hub.subscribe(last)
    try:
        await response.write(b"retry: 2000\n\n")
        for item in backlog:
            await response.write(_frame(item))
        while not sub.ended:
            try:
                item = await asyncio.wait_for(sub.queue.get(), HEARTBEAT_SECONDS)
            except asyncio.TimeoutError:
                await response.write(b": heartbeat\n\n")
                continue
            if item is None or sub.ended:
                break
            await response.write(_frame(item))
    except ConnectionResetError:
        pass  # the client went away
    finally:
        hub.unsubscribe(sub)
    return response


def _frame(item: tuple[int, bytes]) -> bytes:
    event_id, data = item
    return b"id: %d\nevent: job\ndata: %s\n\n" % (event_id, data)


# -- the dashboard's JSON API ----------------------------------------------------

async def list_jobs(request: web.Request) -> web.Response:
    worker: Worker = request.app[WORKER]
    state = request.query.get("state") or None
    if state is not None and state not in STATES:
        raise _error(400, f"state: must be one of {', '.join(STATES)}; got {state!r}")
    raw_limit = request.query.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit:
        try:
            limit = int(raw_limit)
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            raise _error(400, f"limit: must be an integer from 1 to {MAX_LIMIT}; got {raw_limit!r}")
    try:
        rows = await worker.db.fetch(QUERIES["list_jobs"], state, limit)
    except DB_ERRORS as exc:
        raise _error(503, f"database unavailable: {exc}") from None
    return web.json_response({"jobs": [job_json(r) for r in rows]})


async def summary(request: web.Request) -> web.Response:
    worker: Worker = request.app[WORKER]
    counts, depth = await _counts(worker)
    return web.json_response({"counts": counts, "total": sum(counts.values()), "queue_depth": depth,
                              "active_jobs": len(worker.running)})


# -- admin actions ----------------------------------------------------------------

def _authorize(request: web.Request) -> None:
    """401 without the right bearer token (compared in constant time); 403 when
    no ADMIN_TOKEN is configured: the actions are disabled."""
    settings: Settings = request.app[SETTINGS]
    token = settings.admin_token
    if not token:
        raise _error(403, "admin actions are disabled: set ADMIN_TOKEN to enable retry and cancel")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise _error(401, "missing or wrong admin token: send 'Authorization: Bearer <ADMIN_TOKEN>'",
                     **{"WWW-Authenticate": 'Bearer realm="render admin"'})


async def _job_answer(worker: "Worker", job_id: int) -> web.Response:
    row = await worker.db.fetchrow(QUERIES["job_by_id"], job_id)
    return web.json_response({"job": job_json(row)})


async def cancel_job(request: web.Request) -> web.Response:
    _authorize(request)
    worker: Worker = request.app[WORKER]
    job_id = int(request.match_info["id"])
    try:
        state = await worker.db.fetchval(QUERIES["cancel_job"], job_id, CANCEL_REASON)
        if state is None:
            raise _error(404, f"job {job_id} does not exist")
        if state != "cancelled":
            raise _error(409, f"job {job_id} is {state}: only queued or running jobs can be cancelled")
        return await _job_answer(worker, job_id)
    except DB_ERRORS as exc:
        raise _error(503, f"database unavailable: {exc}") from None


async def retry_job(request: web.Request) -> web.Response:
    _authorize(request)
    worker: Worker = request.app[WORKER]
    job_id = int(request.match_info["id"])
    try:
        state = await worker.db.fetchval(QUERIES["requeue_job"], job_id)
        if state is None:
            raise _error(404, f"job {job_id} does not exist")
        if state.startswith("busy:"):
            other = state.partition(":")[2]
            raise _error(409, f"job {job_id} cannot run again: its post already has job {other} "
                              "queued or running")
        if state != "queued":
            raise _error(409, f"job {job_id} is {state}: only failed or cancelled jobs can be retried")
        return await _job_answer(worker, job_id)
    except DB_ERRORS as exc:
        raise _error(503, f"database unavailable: {exc}") from None
