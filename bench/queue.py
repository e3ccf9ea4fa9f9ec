"""Queue benchmark: this project's render_jobs queue vs pgqueuer vs a 2 s polling loop.

    python -m bench.queue [--jobs 20000] [--rounds 3] [--latency-samples 500] [--workers 1,2,4]
                          [--variants] [--poll-latency-samples 40]

Benchmark-only dependency: pgqueuer, measured with pgqueuer 1.6.0
(requirement line for a `bench` extra: "pgqueuer>=1.6,<2").

The workers run in ONE asyncio process (default event loop, not uvloop): every
worker is a coroutine with its own asyncpg connection(s); live mode's producer is
a second process. The same holds for every system, so the Python-side cost per
round trip is the same for all of them; on a 2-core machine the client processes
compete with the PostgreSQL backends for the CPUs.

Durability: by default every bench database gets synchronous_commit = off
(--synchronous-commit on|server to change it). On the VM this was written on a
commit's WAL flush costs ~3.5 ms (SELECT 1: 0.07 ms), so with flushes on, every
system measures the disk: jobs/s ~ commits/s x jobs per commit. With it off the
numbers show the queues' own cost (round trips, CPU, locks); the number of
commits per job still shows in the "on" run, which is worth running too.

One embedded PostgreSQL (pgserver, in a temp dir; or BENCH_DATABASE_URL) serves
all systems; every measurement (system x workers x mode) gets a fresh database
(CREATE DATABASE), so no run sees another run's dead tuples. Systems are run back
to back for each worker count, so their ratios are taken side by side.

Systems
  render_jobs        this project's queue as the service drives it (listener/worker.py
                     with MAX_CONCURRENT_JOBS = 10, the batch): a
                     listener.notifications.NotificationListener per worker (LISTEN
                     render_jobs, wake on every NOTIFY and on connect); a sweep
                     connection claiming up to the free capacity with claim_jobs
                     (claim_render_jobs), and once the due work runs out
                     requeue_expired, the wake-up arm and next_wakeup; every claimed
                     job a task of its own which, being a no-op, goes straight to
                     writing its outcome. Outcomes go through the service's
                     listener.outcomes.OutcomeWriter on a second connection: the jobs
                     that finish while a write is in flight are written together by
                     one complete_jobs (complete_render_jobs) call. A job writing its
                     outcome holds no slot (Worker.capacity), so the next claim runs
                     on the sweep connection while the outcomes are written.
  pgqueuer           QueueManager(AsyncpgDriver(conn)) with an `async def` entrypoint
                     doing nothing, qm.run(batch_size=10); its own LISTEN/NOTIFY
                     (enqueue trigger) and its buffered status log.
  poll-2s            SELECT ... FOR UPDATE SKIP LOCKED (as UPDATE ... WHERE id IN
                     (...)) of 10 every 2 s on render_jobs, draining while batches
                     come back full, one UPDATE per finished job.
  Variants of render_jobs (proposal evidence; same LISTEN wake-up):
    rj:subscribed    the service's sweep while a session subscribes to render_progress
                     (as every running service's event hub does): what publishing
                     every claim and completion costs the queue.
    rj:lean          claim_jobs + complete_job per job, no requeue_expired /
                     next_wakeup on every batch (sweep extras only on a wake).
    rj:lean+batch    claim_jobs + ONE complete_render_jobs(worker, ids[], results[])
                     per batch (a set-based plpgsql function created in the bench
                     database).
    rj:lean+batch+noposts  as rj:lean+batch, claiming with claim_render_jobs_noposts
                     (claim_render_jobs minus its posts lookups; only valid for jobs
                     without a post): the ceiling once the claim is cheaper too.
  Table 4 times each queue statement alone on one connection (variants of
  complete_render_job / claim_render_jobs are created in that bench database only).

Modes: "pre" = all jobs inserted (one statement) before the workers start, timed
from worker start to the last completion; "live" = workers running first, a
producer process of its own (as an app is; connected before the clock starts)
inserts the jobs 10 per statement (one transaction each) as fast as it can,
timed from the first insert to the last completion.

Rounds: every throughput row is measured --rounds times (default 3), the systems
alternating within each round and the first of them rotating; the tables give the
median round, and the ratio to pgqueuer is taken per round (same moment, same load on
a shared machine) and reported as median [lowest-highest].

Latency: one worker (per --workers value for the LISTEN systems), idle queue; one
job inserted (one autocommit statement), time from just before the INSERT is sent
to the moment the worker has the claimed row (perf_counter, same process; for
pgqueuer when its entrypoint runs), then a random 0.5-3 ms gap. poll-2s gets fewer
samples (they take ~1 s each), inserted 50-150 ms apart without waiting.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from listener.db.migrate import migrate
from listener.db.queries import QUERIES
from listener.notifications import NotificationListener
from listener.outcomes import OutcomeWriter

BATCH = 10
LEASE_SECONDS = 300.0
KINDS = ["noop"]
MAX_ATTEMPTS = 3
RESULT = "{}"

# Proposal under test: one set-based statement finishes a worker's batch. plpgsql
# (RETURN QUERY) so its plan is cached per session; the same body as LANGUAGE sql
# is re-planned on every call (see the statement-cost table).
BATCH_COMPLETE_SQL = """
-- complete_render_jobs itself is in the schema; this is the same body as LANGUAGE sql,
-- to show what plpgsql saves.
CREATE OR REPLACE FUNCTION complete_render_jobs_sql(p_worker text, p_job_ids bigint[], p_results jsonb[])
RETURNS TABLE (job_id bigint, outcome text) LANGUAGE sql AS $$
    WITH input AS (
        SELECT t.id, t.result FROM unnest(p_job_ids, p_results) AS t(id, result)
    ), finished AS (
        UPDATE render_jobs j
           SET state = 'done', stage = 'done', progress = 100, lease_owner = NULL,
               lease_expires_at = NULL, error = NULL, result = i.result,
               finished_at = now(), updated_at = now()
          FROM input i
         WHERE j.id = i.id AND j.state = 'running' AND j.lease_owner = p_worker
        RETURNING j.id
    )
    SELECT i.id, CASE WHEN f.id IS NULL THEN 'lost' ELSE 'done' END
      FROM input i LEFT JOIN finished f ON f.id = i.id
$$;

-- claim_render_jobs without the posts lookups (signature subquery, LEFT JOIN posts,
-- effective_duration): what they cost per claim, for jobs that have no post.
CREATE OR REPLACE FUNCTION claim_render_jobs_noposts(
    p_worker text, p_limit integer, p_lease_seconds double precision, p_kinds text[]
) RETURNS TABLE (job_id bigint, kind text, attempts integer, max_attempts integer, spec jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY
    WITH picked AS (
        SELECT j.id FROM render_jobs j
         WHERE j.state = 'queued' AND j.run_after <= now() AND j.kind = ANY (p_kinds)
         ORDER BY j.priority DESC, j.run_after, j.id
         LIMIT p_limit FOR UPDATE SKIP LOCKED
    )
    UPDATE render_jobs j
       SET state = 'running', attempts = j.attempts + 1, lease_owner = p_worker,
           lease_expires_at = now() + make_interval(secs => p_lease_seconds),
           started_at = now(), updated_at = now(), stage = 'claimed', progress = 0
      FROM picked WHERE j.id = picked.id
    RETURNING j.id, j.kind, j.attempts, j.max_attempts, j.spec;
END $$;

CREATE OR REPLACE FUNCTION complete_render_job_pl(p_job_id bigint, p_worker text, p_result jsonb)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    UPDATE render_jobs
       SET state = 'done', stage = 'done', progress = 100, lease_owner = NULL,
           lease_expires_at = NULL, error = NULL, result = p_result,
           finished_at = now(), updated_at = now()
     WHERE id = p_job_id AND state = 'running' AND lease_owner = p_worker;
    RETURN CASE WHEN FOUND THEN 'done' ELSE 'lost' END;
END $$;
"""
CLAIM_NOPOSTS = "SELECT * FROM claim_render_jobs_noposts($1, $2, $3, $4)"
BATCH_COMPLETE = "SELECT job_id, outcome FROM complete_render_jobs($1, $2, $3)"

POLL_CLAIM = """
UPDATE render_jobs j
   SET state = 'running', attempts = j.attempts + 1, lease_owner = $1,
       lease_expires_at = now() + interval '5 minutes', started_at = now(), updated_at = now()
 WHERE j.id IN (SELECT id FROM render_jobs
                 WHERE state = 'queued' AND kind = 'noop' AND run_after <= now()
                 ORDER BY priority DESC, run_after, id
                 LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING j.id
"""
POLL_COMPLETE = """
UPDATE render_jobs SET state = 'done', result = $3, finished_at = now(), updated_at = now(),
       lease_owner = NULL, lease_expires_at = NULL
 WHERE id = $1 AND lease_owner = $2 AND state = 'running'
"""
POLL_INTERVAL = 2.0

COMPLETE_PLAIN = """
UPDATE render_jobs SET state = 'done', stage = 'done', progress = 100, lease_owner = NULL,
       lease_expires_at = NULL, error = NULL, result = $3, finished_at = now(), updated_at = now()
 WHERE id = $1 AND state = 'running' AND lease_owner = $2
"""


# --------------------------------------------------------------------------- server
class Server:
    def __init__(self, synchronous_commit: str | None = None) -> None:
        self.synchronous_commit = synchronous_commit
        self.base = os.environ.get("BENCH_DATABASE_URL")
        self._server = None
        self._n = 0
        self._tmp = None

    def start(self) -> None:
        if self.base:
            return
        warnings.filterwarnings("ignore")
        logging.getLogger("pgserver").setLevel(logging.WARNING)
        import pgserver

        self._tmp = tempfile.TemporaryDirectory(prefix="bench-queue-")
        self._server = pgserver.get_server(self._tmp.name, cleanup_mode="stop")
        self.base = self._server.get_uri()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
        if self._tmp is not None:
            self._tmp.cleanup()

    def dsn_for(self, db: str) -> str:
        parts = urlsplit(self.base)
        return urlunsplit(parts._replace(path="/" + db))

    async def fresh(self, tag: str) -> str:
        self._n += 1
        name = f"bench_{tag.replace(':', '_').replace('+', '_').replace('-', '_')}_{self._n}"
        admin = await asyncpg.connect(self.base)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await admin.execute(f'CREATE DATABASE "{name}"')
            # Every run starts right after a checkpoint, so none pays for the WAL of
            # the runs before it (a checkpoint mid-run, then a full-page image for
            # every page it touches first). Needs a superuser; skipped otherwise.
            try:
                await admin.execute("CHECKPOINT")
            except asyncpg.InsufficientPrivilegeError:
                pass
            if self.synchronous_commit:
                await admin.execute(
                    f'ALTER DATABASE "{name}" SET synchronous_commit = {self.synchronous_commit}')
        finally:
            await admin.close()
        return self.dsn_for(name)

    async def drop(self, dsn: str) -> None:
        name = urlsplit(dsn).path.lstrip("/")
        admin = await asyncpg.connect(self.base)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


# --------------------------------------------------------------------------- callbacks
@dataclass
class Sink:
    """Counts completions and hands claim times to the latency probe."""
    target: int = 0
    done: int = 0
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    t_last: float = 0.0
    claim_waiter: asyncio.Future | None = None
    claim_times: list[float] = field(default_factory=list)  # async (poll) latency mode

    def claimed(self, n: int) -> None:
        if n <= 0:
            return
        now = time.perf_counter()
        if self.claim_waiter is not None and not self.claim_waiter.done():
            self.claim_waiter.set_result(now)
        self.claim_times.extend([now] * n)

    def completed(self, n: int) -> None:
        self.done += n
        if self.target and self.done >= self.target and not self.finished.is_set():
            self.t_last = time.perf_counter()
            self.finished.set()


# --------------------------------------------------------------------------- systems
class RenderJobsWorker:
    """The project's queue, woken like listener/worker.py: NotificationListener + sweep."""

    def __init__(self, dsn: str, name: str, sink: Sink, variant: str):
        self.dsn, self.name, self.sink, self.variant = dsn, name, sink, variant
        self.wake = asyncio.Event()
        self.stopping = False

    async def start(self) -> None:
        self.conn = await asyncpg.connect(self.dsn)
        if self.variant.startswith("service"):
            # Outcome writes on their own connection, grouped as the service groups
            # them (listener/outcomes.py; the service runs up to MAX_CONCURRENT_JOBS
            # of them at once on its pool, here one is in flight at a time).
            self.out_conn = await asyncpg.connect(self.dsn)
            self.outcomes = OutcomeWriter(
                self.name, lambda q, *a: self.out_conn.fetch(QUERIES[q], *a), max_in_flight=1)
        self.running = 0    # claimed jobs whose outcome is not written yet
        self.finishing = 0  # ... of which writing their outcome (no render slot held)
        self.jobs: set[asyncio.Task] = set()
        self.listener = NotificationListener(
            self.dsn, ["render_jobs"], lambda _c, _p: self.wake.set(), self.wake.set,
            application_name=f"bench-listen:{self.name}")
        self.ltask = asyncio.create_task(self.listener.run())
        self.task = asyncio.create_task(self.loop())

    async def ready(self) -> None:
        while not self.listener.connected:
            await asyncio.sleep(0.005)

    async def loop(self) -> None:
        while not self.stopping:
            await self.wake.wait()
            self.wake.clear()
            if self.stopping:
                break
            if self.variant.startswith("service"):
                await self.sweep_service()
            else:
                await self.sweep_lean()

    @property
    def capacity(self) -> int:
        """listener/worker.py Worker.capacity with MAX_CONCURRENT_JOBS = one batch."""
        working = self.running - self.finishing
        return max(0, min(BATCH - working, 2 * BATCH - self.running))

    async def sweep_service(self) -> None:
        # listener/worker.py Worker._sweep: claim up to capacity first; once the due
        # work ran out, requeue expired leases, arm the wake-up and look once more,
        # then compute the timer.
        c = self.conn
        armed = False
        while True:
            drained = False
            while self.capacity > 0 and not self.stopping:
                want = self.capacity
                rows = await c.fetch(QUERIES["claim_jobs"], self.name, want, LEASE_SECONDS, KINDS)
                self.sink.claimed(len(rows))
                for row in rows:
                    self.running += 1
                    task = asyncio.create_task(self.job(row["job_id"]))
                    self.jobs.add(task)
                    task.add_done_callback(self.jobs.discard)
                if len(rows) < want:
                    drained = True
                    break
            if not drained:
                return  # at capacity: finishing jobs wake the loop
            await c.fetchval(QUERIES["requeue_expired"], MAX_ATTEMPTS)
            if not armed:
                await self.arm()
                armed = True
                continue
            await c.fetchval(QUERIES["next_wakeup"], KINDS, self.name)
            return

    async def job(self, job_id: int) -> None:
        """A no-op job: done at once, so it goes straight to writing its outcome
        (JobContext.finish frees its slot and wakes the sweep)."""
        self.finishing += 1
        self.wake.set()
        try:
            await self.outcomes.complete_job(job_id, RESULT)
            self.sink.completed(1)
        finally:
            self.running -= 1
            self.finishing -= 1
            self.wake.set()

    async def arm(self) -> None:
        """Going idle, as the service's worker does: arm the wake-up (the next
        enqueue notifies), wait for enqueuers that may not have notified, and
        sweep again if any were waited for."""
        c = self.conn
        await c.execute(QUERIES["arm_wakeup"])
        pids = [r["pid"] for r in await c.fetch(QUERIES["unnotified_enqueuers"])]
        for pid in pids:
            async with c.transaction():
                await c.execute(QUERIES["wait_for_enqueuer"], pid)
        if pids:
            self.wake.set()

    async def sweep_lean(self) -> None:
        c = self.conn
        armed = False
        while not self.stopping:
            if self.variant == "lean+batch+noposts":
                rows = await c.fetch(CLAIM_NOPOSTS, self.name, BATCH, LEASE_SECONDS, KINDS)
            else:
                rows = await c.fetch(QUERIES["claim_jobs"], self.name, BATCH, LEASE_SECONDS, KINDS)
            self.sink.claimed(len(rows))
            if rows:
                ids = [r["job_id"] for r in rows]
                if self.variant.startswith("lean+batch"):
                    await c.fetch(BATCH_COMPLETE, self.name, ids, [RESULT] * len(ids))
                else:
                    for job_id in ids:
                        await c.fetchval("SELECT complete_render_job_pl($1, $2, $3)", job_id, self.name, RESULT)
                self.sink.completed(len(rows))
            if len(rows) < BATCH:
                if armed:
                    break
                await self.arm()  # then look once more: a job committed before the arm
                armed = True      # did not notify

    async def stop(self) -> None:
        self.stopping = True
        self.wake.set()
        await self.task
        await self.listener.close()
        self.ltask.cancel()
        await asyncio.gather(self.ltask, *self.jobs, return_exceptions=True)
        await self.conn.close()
        if hasattr(self, "out_conn"):
            await self.out_conn.close()


class PollWorker:
    def __init__(self, dsn: str, name: str, sink: Sink, variant: str = ""):
        self.dsn, self.name, self.sink = dsn, name, sink
        self.stop_event = asyncio.Event()

    async def start(self) -> None:
        self.conn = await asyncpg.connect(self.dsn)
        self.task = asyncio.create_task(self.loop())

    async def ready(self) -> None:
        pass

    async def loop(self) -> None:
        c = self.conn
        while not self.stop_event.is_set():
            while not self.stop_event.is_set():
                rows = await c.fetch(POLL_CLAIM, self.name, BATCH)
                self.sink.claimed(len(rows))
                for r in rows:
                    await c.execute(POLL_COMPLETE, r["id"], self.name, RESULT)
                self.sink.completed(len(rows))
                if len(rows) < BATCH:
                    break
            try:
                await asyncio.wait_for(self.stop_event.wait(), POLL_INTERVAL)
            except asyncio.TimeoutError:
                pass

    async def stop(self) -> None:
        self.stop_event.set()
        await self.task
        await self.conn.close()


class PgqWorker:
    def __init__(self, dsn: str, name: str, sink: Sink, variant: str = ""):
        self.dsn, self.name, self.sink = dsn, name, sink

    async def start(self) -> None:
        from pgqueuer import Queries, QueueManager
        from pgqueuer.db import AsyncpgDriver

        self.conn = await asyncpg.connect(self.dsn)
        self.qm = QueueManager(Queries(AsyncpgDriver(self.conn)))
        sink = self.sink

        @self.qm.entrypoint("noop")
        async def noop(job) -> None:
            sink.claimed(1)
            sink.completed(1)

        self.task = asyncio.create_task(self.qm.run(batch_size=BATCH))

    async def ready(self) -> None:
        # run() installs its LISTEN before the first dequeue; give it that moment.
        await asyncio.sleep(0.05)

    async def stop(self) -> None:
        self.qm.shutdown.set()
        await self.task
        await self.conn.close()


_PGQ: dict = {}


@dataclass
class System:
    name: str
    kind: str        # render_jobs | pgqueuer | poll
    variant: str = ""

    @property
    def listen(self) -> bool:
        return self.kind != "poll"

    async def setup(self, conn: asyncpg.Connection) -> None:
        if self.kind == "pgqueuer":
            from pgqueuer import Queries
            from pgqueuer.db import AsyncpgDriver

            await Queries(AsyncpgDriver(conn)).install()
        else:
            await migrate(conn)
            await conn.execute(BATCH_COMPLETE_SQL)
            if self.variant == "service-subscribed":
                # this connection stays open for the whole measurement: a subscriber
                await conn.execute("LISTEN render_progress; SELECT render_progress_subscribe()")

    async def insert(self, conn: asyncpg.Connection, n: int) -> None:
        """n jobs in ONE statement (one transaction, one NOTIFY)."""
        if self.kind == "pgqueuer":
            from pgqueuer import Queries
            from pgqueuer.db import AsyncpgDriver

            q = _PGQ.get(id(conn))
            if q is None or q.driver._connection is not conn:
                q = _PGQ[id(conn)] = Queries(AsyncpgDriver(conn))
            if n == 1:
                await q.enqueue("noop", None)
            else:
                await q.enqueue(["noop"] * n, [None] * n, [0] * n)
        elif n == 1:
            await conn.execute("INSERT INTO render_jobs (kind) VALUES ('noop')")
        else:
            await conn.execute(
                "INSERT INTO render_jobs (kind) SELECT 'noop' FROM generate_series(1, $1)", n)

    def worker(self, dsn: str, name: str, sink: Sink):
        cls = {"render_jobs": RenderJobsWorker, "pgqueuer": PgqWorker, "poll": PollWorker}[self.kind]
        return cls(dsn, name, sink, self.variant)


# --------------------------------------------------------------------------- producer
class Producer:
    """Live mode's producer: a process of its own (as an app is), connected and
    waiting before the clock starts, then inserting the jobs 10 per statement (one
    transaction each) as fast as it can. In the workers' process it would share
    their event loop, and the live figures would measure that loop's load."""

    def __init__(self, dsn: str, system: System, n_jobs: int) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self._pipe, child = ctx.Pipe()
        self._process = ctx.Process(target=_produce, args=(dsn, system.kind, n_jobs, child),
                                    daemon=True)
        self._process.start()

    async def _recv(self):
        return await asyncio.get_running_loop().run_in_executor(None, self._pipe.recv)

    async def ready(self) -> None:
        assert await self._recv() == "ready"

    def go(self) -> None:
        self._pipe.send("go")

    async def seconds(self) -> float:
        """How long the inserts took, once they are all committed."""
        elapsed = await self._recv()
        self._process.join(10)
        return elapsed


def _produce(dsn: str, kind: str, n_jobs: int, pipe) -> None:
    async def run() -> float:
        conn = await asyncpg.connect(dsn)
        system = System("producer", kind)
        pipe.send("ready")
        pipe.recv()  # blocks: nothing else runs in this process
        started = time.perf_counter()
        left = n_jobs
        while left > 0:
            k = min(BATCH, left)
            await system.insert(conn, k)
            left -= k
        elapsed = time.perf_counter() - started
        await conn.close()
        return elapsed
    pipe.send(asyncio.run(run()))


# --------------------------------------------------------------------------- measurements
async def start_workers(system: System, dsn: str, n: int, sink: Sink) -> list:
    workers = [system.worker(dsn, f"{system.name}-w{i}", sink) for i in range(n)]
    for w in workers:
        await w.start()
    for w in workers:
        await w.ready()
    return workers


async def throughput(server: Server, system: System, n_workers: int, n_jobs: int,
                     live: bool) -> dict:
    dsn = await server.fresh(system.name)
    conn = await asyncpg.connect(dsn)
    try:
        await system.setup(conn)
        sink = Sink(target=n_jobs)
        inserted_s = None
        if not live:
            await system.insert(conn, n_jobs)
            await conn.execute("ANALYZE")
            t0 = time.perf_counter()
            workers = await start_workers(system, dsn, n_workers, sink)
        else:
            await conn.execute("ANALYZE")
            producer = Producer(dsn, system, n_jobs)
            await producer.ready()
            workers = await start_workers(system, dsn, n_workers, sink)
            await asyncio.sleep(0.1)
            t0 = time.perf_counter()
            producer.go()
        await wait_or_fail(sink.finished, workers, timeout=max(120, n_jobs / 100))
        if live:
            inserted_s = await producer.seconds()
        t_end = sink.t_last
        await asyncio.gather(*(w.stop() for w in workers))
        if system.kind == "pgqueuer":
            t_end = time.perf_counter()  # include the final flush of its status-log buffer
            left = await conn.fetchval("SELECT count(*) FROM pgqueuer")
            ok = left == 0
        else:
            left = await conn.fetchval("SELECT count(*) FROM render_jobs WHERE state <> 'done'")
            ok = left == 0 and await conn.fetchval(
                "SELECT count(*) FROM render_jobs WHERE attempts <> 1") == 0
        if not ok or sink.done != n_jobs:
            print(f"WARNING {system.name}: {left} job(s) not done or claimed twice; "
                  f"{sink.done} completions counted for {n_jobs} jobs", file=sys.stderr)
        elapsed = t_end - t0
        return {"jobs_s": n_jobs / elapsed, "elapsed": elapsed,
                "insert_s": (n_jobs / inserted_s) if inserted_s else None}
    finally:
        await conn.close()
        await server.drop(dsn)


async def wait_or_fail(what, workers: list, timeout: float) -> None:
    """Wait for an Event or Future; raise at once if a worker task died."""
    waiter = asyncio.ensure_future(what.wait() if isinstance(what, asyncio.Event) else what)
    tasks = {w.task for w in workers}
    done, _ = await asyncio.wait({waiter, *tasks}, timeout=timeout,
                                 return_when=asyncio.FIRST_COMPLETED)
    if waiter in done:
        return
    waiter.cancel()
    for t in done:
        t.result()  # re-raises the worker's exception
        raise RuntimeError("a worker stopped early")
    raise TimeoutError(f"timed out after {timeout} s")


async def latency(server: Server, system: System, n_workers: int, samples: int) -> dict:
    dsn = await server.fresh(system.name)
    conn = await asyncpg.connect(dsn)
    try:
        await system.setup(conn)
        sink = Sink()
        workers = await start_workers(system, dsn, n_workers, sink)
        await asyncio.sleep(0.2)
        lat, rtt = [], []
        loop = asyncio.get_running_loop()
        if system.listen:
            for _ in range(samples):
                await asyncio.sleep(random.uniform(0.0005, 0.003))
                sink.claim_waiter = loop.create_future()
                t0 = time.perf_counter()
                await system.insert(conn, 1)
                rtt.append(time.perf_counter() - t0)
                await wait_or_fail(sink.claim_waiter, workers, timeout=10)
                t_claim = sink.claim_waiter.result()
                lat.append(t_claim - t0)
        else:
            sink.claim_times.clear()
            starts = []
            for _ in range(samples):
                await asyncio.sleep(random.uniform(0.05, 0.15))
                t0 = time.perf_counter()
                await system.insert(conn, 1)
                rtt.append(time.perf_counter() - t0)
                starts.append(t0)
            deadline = time.perf_counter() + POLL_INTERVAL * 2 + 1
            while len(sink.claim_times) < samples and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
            # jobs are claimed in id order = insert order (one producer)
            lat = [c - s for s, c in zip(starts, sink.claim_times)]
        await asyncio.gather(*(w.stop() for w in workers))
        return {"p50": pct(lat, 50) * 1000, "p99": pct(lat, 99) * 1000,
                "rtt50": pct(rtt, 50) * 1000, "n": len(lat)}
    finally:
        await conn.close()
        await server.drop(dsn)


async def statement_costs(server: Server, rounds: int = 2) -> list[list]:
    """Median server round trip of each queue statement on one connection (no concurrency)."""
    out: dict[str, list[tuple[float, int]]] = {}
    for _ in range(rounds):
        dsn = await server.fresh("stmt")
        c = await asyncpg.connect(dsn)
        try:
            await System("rj", "render_jobs").setup(c)
            await c.execute("INSERT INTO render_jobs (kind) SELECT 'noop' FROM generate_series(1, 24000)")
            await c.execute("ANALYZE")
            w = "stmt"

            async def claim10() -> list[int]:
                return [r["id"] for r in await c.fetch(POLL_CLAIM, w, BATCH)]

            async def run(label: str, per: int, batches: int, fn) -> None:
                """fn(ids) timed once per call; a fresh batch of 10 is claimed (untimed)
                before each group, so only ~10 jobs are 'running' at a time, as in a worker."""
                ts = []
                for _ in range(batches):
                    ids = await claim10()
                    calls = [ids[i:i + per] for i in range(0, len(ids), per)]
                    for chunk in calls:
                        t = time.perf_counter()
                        await fn(chunk)
                        ts.append(time.perf_counter() - t)
                    await c.execute("UPDATE render_jobs SET state = 'done' "
                                    "WHERE lease_owner = $1 AND state = 'running'", w)
                out.setdefault(label, []).append((statistics.median(ts) * 1000, per))

            async def claim_fn(_ids):
                await c.fetch(QUERIES["claim_jobs"], w, BATCH, LEASE_SECONDS, KINDS)

            async def claim_min(_ids):
                await c.fetch(POLL_CLAIM, w, BATCH)

            await run("claim 10: claim_jobs = claim_render_jobs() (plpgsql)", 10, 150, claim_fn)
            await run("claim 10: same function without the posts lookups", 10, 150,
                      lambda ids: c.fetch("SELECT * FROM claim_render_jobs_noposts($1, $2, $3, $4)",
                                          w, BATCH, LEASE_SECONDS, KINDS))
            await run("claim 10: minimal UPDATE ... IN (SELECT ... SKIP LOCKED)", 10, 150, claim_min)
            await run("complete 1: complete_jobs with one id", 1, 100,
                      lambda ids: c.fetch(QUERIES["complete_jobs"], w, ids[:1], [RESULT]))
            await run("complete 1: same UPDATE in a plpgsql function", 1, 100,
                      lambda ids: c.fetchval("SELECT complete_render_job_pl($1, $2, $3)",
                                             ids[0], w, RESULT))
            await run("complete 1: same UPDATE as a plain prepared statement", 1, 100,
                      lambda ids: c.execute(COMPLETE_PLAIN, ids[0], w, RESULT))
            await run("complete 10: complete_render_jobs(ids[]) set-based, plpgsql", 10, 150,
                      lambda ids: c.fetch(BATCH_COMPLETE, w, ids, [RESULT] * len(ids)))
            await run("complete 10: same set-based body as LANGUAGE sql", 10, 150,
                      lambda ids: c.fetch("SELECT * FROM complete_render_jobs_sql($1, $2, $3)",
                                          w, ids, [RESULT] * len(ids)))
            await run("requeue_expired (once per service sweep)", 10, 100,
                      lambda ids: c.fetchval(QUERIES["requeue_expired"], MAX_ATTEMPTS))
            await run("next_wakeup (once per service sweep)", 10, 100,
                      lambda ids: c.fetchval(QUERIES["next_wakeup"], KINDS, w))
            await run("SELECT 1 (round-trip floor)", 1, 50, lambda ids: c.fetchval("SELECT 1"))
        finally:
            await c.close()
            await server.drop(dsn)
    rows = []
    for label, v in out.items():
        ms = statistics.median(x[0] for x in v)
        rows.append([label, ms, ms / v[0][1]])
    return rows


def paired_ratio(rounds: dict, name: str, n: int, live: bool) -> str:
    """The system's jobs/s over pgqueuer's, round by round (same round = same moment
    of the machine's load): median and range."""
    ratios = sorted(a["jobs_s"] / b["jobs_s"] for a, b in
                    zip(rounds[(name, n, live)], rounds[("pgqueuer", n, live)]))
    if len(ratios) == 1:
        return f"{ratios[0]:.2f}x"
    return f"{statistics.median(ratios):.2f}x [{ratios[0]:.2f}-{ratios[-1]:.2f}]"


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


# --------------------------------------------------------------------------- output
def table(title: str, headers: list[str], rows: list[list]) -> None:
    cells = [[("" if v is None else (f"{v:,.0f}" if isinstance(v, float) and abs(v) >= 100
               else f"{v:.2f}" if isinstance(v, float) else str(v))) for v in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
    sys.stdout.flush()


async def main(args) -> None:
    import pgqueuer

    systems = [System("render_jobs", "render_jobs", "service"),
               System("pgqueuer", "pgqueuer"),
               System("poll-2s", "poll")]
    if args.variants:
        systems += [System("rj:subscribed", "render_jobs", "service-subscribed"),
                    System("rj:lean", "render_jobs", "lean"),
                    System("rj:lean+batch", "render_jobs", "lean+batch"),
                    System("rj:lean+batch+noposts", "render_jobs", "lean+batch+noposts")]
    workers = [int(x) for x in args.workers.split(",")]
    server = Server(None if args.synchronous_commit == "server" else args.synchronous_commit)
    server.start()
    print(f"pgqueuer {pgqueuer.__version__}, asyncpg {asyncpg.__version__}, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load avg {os.getloadavg()[0]:.2f}; {args.jobs} jobs per throughput run, "
          f"batch {BATCH}; workers in one asyncio process, live producer in another")
    t_start = time.perf_counter()
    try:
        admin = await asyncpg.connect(server.base)
        print("server:", await admin.fetchval("SELECT version()"))
        print("server synchronous_commit =", await admin.fetchval("SHOW synchronous_commit"),
              "fsync =", await admin.fetchval("SHOW fsync"),
              "; bench databases: synchronous_commit =", args.synchronous_commit)
        await admin.close()
        tp: dict = {}
        lt: dict = {}
        rounds: dict = {}
        for n in workers:
            for live in (False, True):
                # Rounds alternate the systems (rotating who goes first), so a burst of
                # load elsewhere on a shared machine hits all of them alike; each row
                # reports its median round and the ratio is taken round by round.
                for k in range(args.rounds):
                    order = systems[k % len(systems):] + systems[:k % len(systems)]
                    for s in order:
                        rounds.setdefault((s.name, n, live), []).append(
                            await throughput(server, s, n, args.jobs, live))
                for s in systems:
                    runs = rounds[(s.name, n, live)]
                    tp[(s.name, n, live)] = sorted(runs, key=lambda r: r["jobs_s"])[len(runs) // 2]
            for s in systems:
                if s.listen:
                    lt[(s.name, n)] = await latency(server, s, n, args.latency_samples)
                elif n == workers[0]:
                    lt[(s.name, n)] = await latency(server, s, n, args.poll_latency_samples)
            print(f"  ... {n} worker(s) measured ({time.perf_counter() - t_start:.0f} s)",
                  file=sys.stderr)

        rows = []
        for s in systems:
            for n in workers:
                for live in (False, True):
                    r = tp[(s.name, n, live)]
                    rows.append([s.name, n, "live" if live else "pre", r["jobs_s"], r["elapsed"],
                                 r["insert_s"]])
        table(f"1. Throughput (no-op jobs, batch 10; median of {args.rounds} rounds)",
              ["system", "workers", "mode", "jobs/s", "seconds", "inserted/s (live)"], rows)
        rows = []
        for s in systems:
            for n in workers:
                if (s.name, n) in lt:
                    r = lt[(s.name, n)]
                    rows.append([s.name, n, r["n"], r["p50"], r["p99"], r["rtt50"]])
        table("2. Latency insert->claim, idle queue (ms)",
              ["system", "workers", "samples", "p50 ms", "p99 ms", "insert round trip p50 ms"], rows)
        rows = []
        for s in systems:
            for n in workers:
                pre = tp[(s.name, n, False)]["jobs_s"]
                live = tp[(s.name, n, True)]["jobs_s"]
                lat = lt.get((s.name, n)) or lt.get((s.name, workers[0]))
                rows.append([s.name, n, pre, live, lat["p50"], lat["p99"],
                             f"{paired_ratio(rounds, s.name, n, False)} / "
                             f"{paired_ratio(rounds, s.name, n, True)}"])
        table("3. Summary (latency of poll-2s measured with "
              f"{workers[0]} worker; jobs/s: median of {args.rounds} rounds)",
              ["system", "workers", "jobs/s pre", "jobs/s live", "p50 ms", "p99 ms",
               "ratio vs pgqueuer (pre / live): median [lowest-highest] of rounds"], rows)
        if args.variants:
            table("4. Statement cost, one connection, no concurrency (median ms per call)",
                  ["statement", "ms/call", "ms/job"], await statement_costs(server))
        print(f"\ntotal {time.perf_counter() - t_start:.0f} s")
    finally:
        server.stop()


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.queue", description=__doc__.split("\n")[0])
    p.add_argument("--jobs", type=int, default=20000)
    p.add_argument("--latency-samples", type=int, default=500)
    p.add_argument("--poll-latency-samples", type=int, default=40)
    p.add_argument("--workers", default="1,2,4")
    p.add_argument("--rounds", type=int, default=3,
                   help="throughput runs per system and row, alternating systems (median reported)")
    p.add_argument("--synchronous-commit", default="off", choices=["off", "on", "server"],
                   help="set on every bench database (default off: measure the queues, not "
                        "the disk's fsync; 'on'/'server' to include commit flushes)")
    p.add_argument("--variants", action="store_true",
                   help="also run the variants that motivated the current queue functions")
    return p.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("listener.notifications").setLevel(logging.WARNING)
    asyncio.run(main(parse_args()))
