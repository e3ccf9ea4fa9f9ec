"""The worker: wakes on notifications, claims jobs, runs them, writes outcomes.

No polling: it sleeps until a NOTIFY arrives, a timer reaches the earliest
delayed job or expiring lease, or the slow safety sweep is due. A wake claims
first, up to the free capacity; once the due work runs out it also requeues
expired leases, sets the timer and arms the wake-up (see render_wakeup in the
schema) before it sleeps.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import asyncpg

from listener.config import Settings
from listener.db.queries import QUERIES
from listener.errors import PermanentJobError, TransientError
from listener.jobs.base import JobContext
from listener.jobs.progress import ProgressReporter
from listener.jobs.registry import job_kinds
from listener.metrics import WorkerMetrics
from listener.notifications import IntervalWaker, NotificationListener
from listener.outcomes import OutcomeWriter
from listener.render_pool import RenderPool, RenderProcessDied, RenderTimeout, TaskFailed
from listener.storage import Storage

log = logging.getLogger(__name__)

JOBS_CHANNEL = "render_jobs"
CANCEL_CHANNEL = "render_cancel"

# Errors that mean "the database is not reachable right now".
DB_UNAVAILABLE = (OSError, asyncio.TimeoutError, asyncpg.PostgresConnectionError,
                  asyncpg.InterfaceError, asyncpg.CannotConnectNowError,
                  asyncpg.AdminShutdownError, asyncpg.TooManyConnectionsError)


@dataclass
class Stats:
    started_at: float = field(default_factory=time.time)
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    stale: int = 0
    cancelled: int = 0
    busy_seconds: float = 0.0


class Worker:
    def __init__(self, settings: Settings, dsn: str, db: asyncpg.Pool, pool: RenderPool,
                 storage: Storage, staging_dir: Path):
        self.settings = settings
        self.dsn = dsn
        self.worker_id = settings.worker_id
        self.kinds = job_kinds()
        self.kind_names = sorted(self.kinds)
        self.db = db
        self.pool = pool
        self.storage = storage
        self.staging_dir = staging_dir
        self.stats = Stats()
        self.metrics = WorkerMetrics()
        self._notified_at: float | None = None
        if settings.listen_mode == "poll":
            self.listener = IntervalWaker(settings.poll_interval_ms / 1000.0, self.wake)
        else:
            self.listener = NotificationListener(
                dsn, [JOBS_CHANNEL, CANCEL_CHANNEL], self._on_notify, self.wake,
                application_name=f"bytebeat-listen:{self.worker_id}"[:63])
        self.running: dict[int, asyncio.Task] = {}
        self.outcomes = OutcomeWriter(self.worker_id, self._db_call_rows,
                                      max_in_flight=settings.max_concurrent_jobs)
        self._wake = asyncio.Event()
        self._stopping = False
        self._next_due: float | None = None
        self._last_sweep = 0.0
        self._backoff = 0.0
        self._full_sweep = True
        self._enqueuers: set[int] = set()
        self._enqueuer_wait: asyncio.Task | None = None

    # -- waking -----------------------------------------------------------------
    def wake(self) -> None:
        """A full sweep soon: on start, on every (re)connect, in poll mode."""
        self._full_sweep = True
        self._wake.set()

    def _on_notify(self, channel: str, payload: str) -> None:
        if channel == CANCEL_CHANNEL:
            self._cancel_running(payload)
            return
        if self._notified_at is None and self.capacity > 0:  # busy: the claim waits for a slot
            self._notified_at = time.monotonic()
        self._wake.set()

    def _cancel_running(self, payload: str) -> None:
        """An operator cancelled a job: if it runs here, stop it now (the pool
        kills its render process). A job already writing its outcome is left
        alone: the outcome functions refuse to overwrite the cancelled state."""
        try:
            job_id = int(payload)
        except ValueError:
            log.warning("ignoring %s payload %r: not a job id", CANCEL_CHANNEL, payload)
            return
        task = self.running.get(job_id)
        if task is None or task.done() or getattr(task, "finishing", False) or \
                getattr(task, "cancel_requested", False):
            return
        log.info("job %s cancelled by an operator; stopping it", job_id)
        task.cancel_requested = True  # type: ignore[attr-defined]
        task.cancel()

    def stop(self) -> None:
        """Stop claiming; `run` then drains the running jobs and returns."""
        if not self._stopping:
            log.info("stopping: no new claims; %d job(s) running", len(self.running))
        self._stopping = True
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def capacity(self) -> int:
        """How many jobs to claim now. A job writing its outcome no longer holds
        a slot, so the next claim does not wait for that write; such jobs may add
        up to MAX_CONCURRENT_JOBS more running at once."""
        limit = self.settings.max_concurrent_jobs
        finishing = sum(1 for task in self.running.values() if getattr(task, "finishing", False))
        working = len(self.running) - finishing
        return max(0, min(limit - working, 2 * limit - len(self.running)))

    def _slot_freed(self) -> None:
        """A job moved on to writing its outcome: claim into its slot now."""
        if not self._stopping:
            self._wake.set()

    def _sleep_seconds(self) -> float:
        now = time.monotonic()
        due = self._last_sweep + self.settings.safety_sweep_seconds
        if self._next_due is not None:
            due = min(due, self._next_due)
        return max(0.0, due - now)

    # -- main loop ----------------------------------------------------------------
    async def run(self) -> None:
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        listen_task = asyncio.create_task(self.listener.run(), name="listen")
        heartbeat_task = asyncio.create_task(self._heartbeat(), name="heartbeat")
        try:
            while not self._stopping:
                try:
                    await asyncio.wait_for(self._wake.wait(), self._sleep_seconds())
                except asyncio.TimeoutError:
                    self._full_sweep = True  # a timer: delayed job, expiring lease, safety sweep
                self._wake.clear()
                if self._stopping:
                    break
                full, self._full_sweep = self._full_sweep, False
                try:
                    await self._sweep(full)
                    self._backoff = 0.0
                except DB_UNAVAILABLE as exc:
                    self._backoff = min(max(self._backoff * 2, 0.1), 5.0)
                    self._next_due = time.monotonic() + self._backoff * random.uniform(0.5, 1.5)
                    log.warning("sweep failed, database unavailable (%s); again in %.1f s",
                                exc, self._backoff)
            await self._drain()
        finally:
            heartbeat_task.cancel()
            if self._enqueuer_wait is not None:
                self._enqueuer_wait.cancel()
            await self.listener.close()
            listen_task.cancel()
            await asyncio.gather(listen_task, heartbeat_task, return_exceptions=True)

    async def _sweep(self, full: bool) -> None:
        """Claim first: a notification means work is waiting. Once the due work
        runs out (or on a full sweep: start, reconnect, timer) also requeue
        expired leases; before going idle, arm the wake-up and look once more
        (claims and the timer), so nothing committed before the arm is missed;
        then set the timer to the next delayed job or lease."""
        if full:
            self._last_sweep = time.monotonic()
        armed = self.settings.listen_mode != "listen"  # poll mode: nothing to arm
        async with self.db.acquire() as conn:
            while True:
                drained = await self._claim_up_to_capacity(conn)
                if not (drained or full):
                    return  # at capacity: finishing jobs wake us; the timer stays as it is
                requeued = await conn.fetchval(QUERIES["requeue_expired"], self.settings.max_attempts)
                if requeued and self.capacity > 0 and not self._stopping:
                    full = False
                    continue
                if drained and not armed:
                    await self._arm_wakeup(conn)
                    armed = True
                    continue
                seconds = await conn.fetchval(QUERIES["next_wakeup"], self.kind_names, self.worker_id)
                self._next_due = None if seconds is None else time.monotonic() + max(0.0, seconds) + 0.005
                return

    async def _arm_wakeup(self, conn) -> None:
        """Going idle: ask the next enqueue to notify (see render_wakeup in the
        schema), then make sure no transaction that enqueued without notifying
        is still open: wait for each in the background, then sweep again."""
        await conn.execute(QUERIES["arm_wakeup"])
        pids = {r["pid"] for r in await conn.fetch(QUERIES["unnotified_enqueuers"])}
        if pids:
            self._enqueuers.update(pids)
            if self._enqueuer_wait is None or self._enqueuer_wait.done():
                self._enqueuer_wait = asyncio.create_task(self._await_enqueuers())

    async def _await_enqueuers(self) -> None:
        try:
            async with self.db.acquire() as conn:
                while self._enqueuers:
                    pid = self._enqueuers.pop()
                    async with conn.transaction():
                        await conn.execute(QUERIES["wait_for_enqueuer"], pid)
        except DB_UNAVAILABLE as exc:
            log.warning("waiting for open enqueuing transactions failed: %s", exc)
            self._enqueuers.clear()
            self._full_sweep = True
        self._wake.set()  # what they enqueued is committed (or rolled back) now

    async def _claim_up_to_capacity(self, conn) -> bool:
        """Claim until capacity is full; True when the due work ran out first."""
        while self.capacity > 0 and not self._stopping:
            want = self.capacity
            rows = await conn.fetch(QUERIES["claim_jobs"], self.worker_id, want,
                                    self.settings.job_lease_seconds, self.kind_names)
            if rows and self._notified_at is not None:
                self.metrics.notify_to_claim_seconds.observe(time.monotonic() - self._notified_at)
            self._notified_at = None
            for row in rows:
                self._start(row)
            if len(rows) < want:
                return True
        return False

    def _start(self, row) -> None:
        job_id = row["job_id"]
        log.info("claimed job %s (post %s, attempt %s)", job_id, row["post_id"], row["attempts"])
        task = asyncio.create_task(self._run_job(row), name=f"job-{job_id}")
        self.running[job_id] = task

    # -- one job -----------------------------------------------------------------
    async def _run_job(self, row) -> None:
        job_id = row["job_id"]
        started = time.perf_counter()
        try:
            await self._execute(row)
        except asyncio.CancelledError:
            task = self.running.get(job_id)
            if getattr(task, "cancel_requested", False):
                self.stats.processed += 1
                self.stats.cancelled += 1
                log.info("job %s stopped: cancelled (nothing stored)", job_id)
                return  # the job is cancelled already; the task ends normally
            if not getattr(task, "lease_lost", False):
                await self._db_call("release_job", job_id, self.worker_id)
                log.info("job %s released", job_id)
            raise
        except TaskFailed as exc:
            if exc.kind == "RenderTimeoutError":  # the engine's own deadline check
                await self._fail(job_id, self._timeout_message(row, exc.message))
            elif exc.permanent:
                await self._fail(job_id, exc.message)
            else:
                await self._retry(row, f"internal error in the renderer: {exc.kind}: {exc.message}")
        except RenderTimeout as exc:  # the pool killed the process
            await self._fail(job_id, self._timeout_message(row, str(exc)))
        except PermanentJobError as exc:
            await self._fail(job_id, str(exc))
        except (TransientError, RenderProcessDied, *DB_UNAVAILABLE) as exc:
            await self._retry(row, str(exc) or type(exc).__name__)
        except Exception as exc:
            log.exception("job %s: unexpected error", job_id)
            await self._retry(row, f"internal error: {type(exc).__name__}: {exc}")
        finally:
            self.stats.busy_seconds += time.perf_counter() - started
            self.running.pop(job_id, None)
            self._wake.set()

    def _timeout_message(self, row, detail: str) -> str:
        """Names the setting that stopped the render, so the operator knows which to raise."""
        detail = detail.removeprefix("render timed out: ")
        kind = self.kinds[row["kind"]]
        return (f"render timed out: exceeded {kind.timeout_setting}="
                f"{kind.render_timeout_ms(self.settings)} ms and was stopped ({detail})")

    async def _execute(self, row) -> None:
        kind = self.kinds.get(row["kind"])
        if kind is None:  # only registered kinds are claimed; a row edited meanwhile
            raise PermanentJobError(f"unknown job kind {row['kind']!r}: this worker runs "
                                    f"{', '.join(self.kind_names)}")
        progress = ProgressReporter(kind.stages, self._progress_writer(row["job_id"]))
        ctx = JobContext(settings=self.settings, worker_id=self.worker_id, pool=self.pool,
                         storage=self.storage, staging_dir=self.staging_dir, metrics=self.metrics,
                         progress=progress, db_value=self._db_call,
                         outcomes=self.outcomes, slot_freed=self._slot_freed,
                         sample_url=self.sample_url,
                         render_timeout_s=kind.render_timeout_ms(self.settings) / 1000.0)
        try:
            outcome = await kind.run(row, ctx)
        finally:
            progress.cancel()
        self.stats.processed += 1
        if outcome == "done":
            self.stats.succeeded += 1
        elif outcome == "stale":
            self.stats.stale += 1

    def sample_url(self, key: str) -> str:
        """What goes into posts.sample_url: the object's public URL, or for a
        private bucket the service's /samples/ route, which redirects to a
        freshly signed URL each time it is opened."""
        return self.storage.public_url(key) or self.settings.samples_base_url + quote(key)

    # -- outcomes ------------------------------------------------------------------
    async def _fail(self, job_id: int, message: str) -> None:
        log.warning("job %s failed: %s", job_id, message)
        self.stats.processed += 1
        self.stats.failed += 1
        await self._db_call("fail_job", job_id, self.worker_id, message)

    async def _retry(self, row, message: str) -> None:
        attempt = row["attempts"]
        base = self.settings.retry_delay_ms / 1000.0
        delay = min(base * 2 ** (attempt - 1), 600.0) * random.uniform(0.5, 1.5)
        state = await self._db_call("retry_job", row["job_id"], self.worker_id, message, delay,
                                    self.settings.max_attempts)
        if state == "failed":  # it used its attempts
            self.stats.processed += 1
            self.stats.failed += 1
        else:
            self.stats.retried += 1
        log.warning("job %s: %s; %s", row["job_id"], message,
                    f"retry in {delay:.2f} s" if state == "queued" else state)

    def _progress_writer(self, job_id: int):
        async def write(stage: str, percent: int) -> None:
            try:
                await self.db.execute(QUERIES["set_progress"], job_id, self.worker_id, stage, percent)
            except DB_UNAVAILABLE as exc:
                log.debug("progress update skipped: %s", exc)
        return write

    async def _db_call(self, name: str, *args):
        """A named query's single value, retried while the database is unreachable."""
        return await self._retrying_db(self.db.fetchval, name, *args)

    async def _db_call_rows(self, name: str, *args) -> list:
        """A named query's rows, retried while the database is unreachable."""
        return await self._retrying_db(self.db.fetch, name, *args)

    async def _retrying_db(self, method, name: str, *args):
        """Retry for up to ~30 s with backoff; after that the lease expires and
        another worker takes the job over."""
        delay = 0.1
        for attempt in range(12):
            try:
                return await method(QUERIES[name], *args)
            except DB_UNAVAILABLE as exc:
                if attempt == 11:
                    raise TransientError(f"database unavailable: {exc}") from exc
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 5.0)

    # -- leases ------------------------------------------------------------------
    async def _heartbeat(self) -> None:
        interval = self.settings.job_lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            ids = list(self.running)
            if not ids:
                continue
            try:
                owned = {r["id"] for r in await self.db.fetch(
                    QUERIES["renew_leases"], self.worker_id, ids, self.settings.job_lease_seconds)}
            except DB_UNAVAILABLE as exc:
                log.warning("lease renewal failed: %s", exc)
                continue
            for job_id in ids:
                task = self.running.get(job_id)
                if job_id not in owned and task is not None and not task.done() and \
                        not getattr(task, "cancel_requested", False):   # being stopped already
                    log.warning("job %s: lease lost; stopping its render", job_id)
                    task.lease_lost = True  # type: ignore[attr-defined]
                    task.cancel()

    # -- shutdown ------------------------------------------------------------------
    async def _drain(self) -> None:
        if not self.running:
            return
        tasks = list(self.running.values())
        grace = self.settings.shutdown_grace_seconds
        log.info("waiting up to %.0f s for %d running job(s)", grace, len(tasks))
        done, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
            log.info("released %d job(s) for other workers", len(pending))
