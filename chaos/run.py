"""`make chaos`: posts through crashes, disconnects, a Postgres restart and a
flaky store; then an independent audit. Exits non-zero on any lost, stale or
stuck post.

Environment (all optional): CHAOS_POSTS (10000), CHAOS_SECONDS (1, seconds of
audio per post at 8 kHz), CHAOS_WORKERS (3), CHAOS_KILL_EVERY (5 s),
CHAOS_TERMINATE_EVERY (3 s), CHAOS_STORE_FAULTS (0.3), CHAOS_SEED (1),
CHAOS_TIMEOUT (1800 s), CHAOS_SAMPLE (200 objects re-rendered by the auditor).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from chaos.audit import audit, gc_command
from chaos.cluster import Postgres, S3Server
from chaos.faultproxy import FaultProxy
from chaos.service import ROOT, ServiceProcess

log = logging.getLogger("chaos")
WARM_UP = "from listener.jobs.registry import warm_up_in_process; warm_up_in_process(None, print)"

FORMULAS = [
    "t*(t>>5|t>>8)", "t*(t>>11&t>>8&123&t>>3)", "(t*5&t>>7)|(t*3&t>>10)", "t>>6&1?t>>5:-t>>4",
    "t*((t>>12|t>>8)&63&t>>4)", "(t>>7|t|t>>6)*10+4*(t&t>>13|t>>6)", "t*(42&t>>10)",
    "(t&t>>8)*(t>>4|t>>8)", "t*(t^t+(t>>15|1)^(t-1280^t)>>10)", "((t>>1%128)+20)*3*t>>14*t>>18",
]


@dataclass(frozen=True)
class ChaosConfig:
    posts: int = 10_000
    seconds: int = 1
    workers: int = 3
    kill_every: float = 5.0
    terminate_every: float = 3.0
    store_faults: float = 0.3
    edit_fraction: float = 0.10
    rerender_fraction: float = 0.05
    seed: int = 1
    timeout: float = 1800.0
    sample: int = 200

    @classmethod
    def from_env(cls, env=os.environ) -> "ChaosConfig":
        def num(name, default, kind):
            return kind(env[name]) if env.get(name) else default
        return cls(posts=num("CHAOS_POSTS", 10_000, int), seconds=num("CHAOS_SECONDS", 1, int),
                   workers=num("CHAOS_WORKERS", 3, int), kill_every=num("CHAOS_KILL_EVERY", 5.0, float),
                   terminate_every=num("CHAOS_TERMINATE_EVERY", 3.0, float),
                   store_faults=num("CHAOS_STORE_FAULTS", 0.3, float), seed=num("CHAOS_SEED", 1, int),
                   timeout=num("CHAOS_TIMEOUT", 1800.0, float), sample=num("CHAOS_SAMPLE", 200, int))


class FaultRun:
    def __init__(self, config: ChaosConfig, workdir: Path):
        self.config = config
        self.workdir = workdir
        self.rng = random.Random(config.seed)
        self.counts = {"kills": 0, "listen_terminations": 0, "postgres_restarts": 0, "edits": 0,
                       "rerender_requests": 0}
        self.workers: list[ServiceProcess] = []
        self._next_worker = 0
        self.done = asyncio.Event()

    # -- set-up --------------------------------------------------------------------
    async def start(self) -> None:
        self.pg = Postgres(self.workdir / "pg")
        admin = await asyncpg.connect(self.pg.url)
        await admin.execute("CREATE DATABASE chaos")
        await admin.close()
        self.database_url = self.pg.database_url("chaos")
        self.s3 = S3Server(self.workdir / "moto.log")
        self.proxy = await FaultProxy("127.0.0.1", self.s3.port, seed=self.config.seed).start()
        self.bucket = "chaos-renders"
        self.endpoint = f"http://127.0.0.1:{self.proxy.port}"
        self.env = {
            "STORAGE_BACKEND": "s3", "S3_ENDPOINT": self.endpoint, "S3_BUCKET": self.bucket,
            "AWS_ACCESS_KEY_ID": "chaos", "AWS_SECRET_ACCESS_KEY": "chaos-secret",
            "AWS_REGION": "us-east-1", "STORAGE_PUBLIC": "true", "STORAGE_TIMEOUT_SECONDS": "1",
            "RENDER_DURATION": str(self.config.seconds), "FADE_IN_SECONDS": "0", "FADE_OUT_SECONDS": "0",
            "JOB_LEASE_SECONDS": "3", "MAX_CONCURRENT_JOBS": "4", "RENDER_PROCESSES": "1",
            "RETRY_DELAY_MS": "200", "MAX_RETRIES": "20", "SAFETY_SWEEP_SECONDS": "30",
            "LOG_LEVEL": "WARNING",
        }
        # The engine's machine-code caches (numba's, on disk) are filled once here, as a
        # deployment's first start does: in a fresh checkout a render process would
        # otherwise compile them while workers are SIGKILLed every few seconds.
        await asyncio.to_thread(subprocess.run, [sys.executable, "-c", WARM_UP], cwd=ROOT, check=True,
                                timeout=900)
        await asyncio.gather(*(self._spawn_worker() for _ in range(self.config.workers)))

    async def _spawn_worker(self) -> None:
        self._next_worker += 1
        worker = ServiceProcess(self.database_url, self.workdir, f"w{self._next_worker}", **self.env)
        self.workers.append(worker)
        try:
            await worker.start(timeout=120)
        except (RuntimeError, TimeoutError) as exc:  # a start-up probe can meet a faulty store too
            log.warning("worker %s did not start (%s); starting another", worker.worker_id, str(exc)[:200])
            self.workers.remove(worker)
            worker.close()
            await self._spawn_worker()

    # -- load ----------------------------------------------------------------------
    async def insert_posts(self) -> list[int]:
        conn = await asyncpg.connect(self.database_url)
        ids: list[int] = []
        try:
            batch = max(1, min(500, self.config.posts // 20))
            while len(ids) < self.config.posts:
                n = min(batch, self.config.posts - len(ids))
                rows = await conn.fetch(
                    "INSERT INTO posts (title, expression) SELECT 'chaos', e FROM unnest($1::text[]) e RETURNING id",
                    [f"{self.rng.choice(FORMULAS)}+{len(ids) + i}" for i in range(n)])
                new = [r["id"] for r in rows]
                ids += new
                # Edit some of the fresh posts while their jobs are queued or running.
                for post_id in self.rng.sample(new, int(len(new) * self.config.edit_fraction)):
                    for _ in range(self.rng.randint(1, 3)):
                        await asyncio.sleep(self.rng.uniform(0, 0.02))
                        await conn.execute("UPDATE posts SET expression = $2 WHERE id = $1", post_id,
                                           f"{self.rng.choice(FORMULAS)}+{self.rng.randint(0, 10**6)}")
                        self.counts["edits"] += 1
                await asyncio.sleep(0.2)
            return ids
        finally:
            await conn.close()

    async def request_rerenders(self, ids: list[int]) -> None:
        """Set pre_rendered = false on some posts once they have been rendered
        (retrying through the Postgres restart)."""
        chosen = self.rng.sample(ids, int(len(ids) * self.config.rerender_fraction))
        while chosen:
            try:
                conn = await asyncpg.connect(self.database_url, timeout=5)
                try:
                    while chosen:
                        post_id = chosen[-1]
                        if await conn.fetchval("SELECT pre_rendered FROM posts WHERE id = $1", post_id):
                            await conn.execute("UPDATE posts SET pre_rendered = false WHERE id = $1", post_id)
                            self.counts["rerender_requests"] += 1
                            chosen.pop()
                        else:
                            await asyncio.sleep(0.2)
                finally:
                    await conn.close()
            except Exception as exc:  # noqa: BLE001 - the restart breaks connections in many ways
                # (a short fault run once ended with no request: an exception outside the
                # list caught here then ended the task, which counted as done)
                log.info("re-render requests: %s: %s; retrying", type(exc).__name__, exc)
                await asyncio.sleep(0.5)

    # -- faults --------------------------------------------------------------------
    async def killer(self) -> None:
        while not self.done.is_set():
            await asyncio.sleep(self.config.kill_every)
            if self.done.is_set() or not self.workers:
                return
            victim = self.rng.choice(self.workers)
            victim.kill()
            self.workers.remove(victim)
            self.counts["kills"] += 1
            await self._spawn_worker()

    async def terminator(self) -> None:
        while not self.done.is_set():
            await asyncio.sleep(self.config.terminate_every)
            try:
                conn = await asyncpg.connect(self.database_url, timeout=5)
                try:
                    n = await conn.fetchval(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE application_name LIKE 'bytebeat-listen:%'")
                finally:
                    await conn.close()
                self.counts["listen_terminations"] += n
            except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
                pass  # Postgres is restarting

    async def restart_postgres_midway(self, ids_ready: asyncio.Future) -> None:
        ids = await ids_ready
        conn = await asyncpg.connect(self.database_url)
        try:
            while await conn.fetchval("SELECT count(*) FROM posts WHERE pre_rendered") < len(ids) // 2:
                await asyncio.sleep(0.2)
        finally:
            await conn.close()
        await asyncio.to_thread(self.pg.restart)
        self.counts["postgres_restarts"] += 1
        log.warning("Postgres restarted")

    async def wait_until_settled(self) -> None:
        deadline = time.monotonic() + self.config.timeout
        while time.monotonic() < deadline:
            try:
                conn = await asyncpg.connect(self.database_url, timeout=5)
                try:
                    pending = await conn.fetchval(
                        "SELECT (SELECT count(*) FROM posts WHERE NOT pre_rendered AND NOT is_draft)"
                        " + (SELECT count(*) FROM render_jobs WHERE state IN ('queued', 'running'))")
                finally:
                    await conn.close()
                if pending == 0 and self.rerenders_done.done():
                    self.rerenders_done.result()      # its error, if it had one, ends the run
                    return
            except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.5)
        raise TimeoutError(f"work not finished within {self.config.timeout:.0f} s")

    # -- the run -------------------------------------------------------------------
    async def run(self) -> int:
        started = time.monotonic()
        await self.start()
        self.proxy.fault_rate(self.config.store_faults, kinds=("503", "stall", "drop-mid-upload"))
        ids_ready: asyncio.Future = asyncio.get_running_loop().create_future()
        faults = [asyncio.create_task(self.killer()), asyncio.create_task(self.terminator()),
                  asyncio.create_task(self.restart_postgres_midway(ids_ready))]
        log.info("%d workers up in %.0f s; inserting %d posts", len(self.workers),
                 time.monotonic() - started, self.config.posts)
        ids = await self.insert_posts()
        ids_ready.set_result(ids)
        log.info("posts inserted (%.0f s); waiting for the work to settle", time.monotonic() - started)
        self.rerenders_done = asyncio.create_task(self.request_rerenders(ids))
        failure = None
        try:
            await self.wait_until_settled()
        except TimeoutError as exc:
            failure = str(exc)
        log.info("settled (%.0f s)%s; stopping faults and workers", time.monotonic() - started,
                 f": {failure}" if failure else "")
        self.done.set()
        self.proxy.heal()
        # After a timeout the re-render requests may still wait for posts that will
        # not be rendered now: they stop with the faults, so the audit still runs.
        for task in (*faults, self.rerenders_done):
            task.cancel()
        await asyncio.gather(*faults, self.rerenders_done, return_exceptions=True)
        elapsed = time.monotonic() - started
        await asyncio.gather(*(w.terminate(timeout=60) for w in self.workers), return_exceptions=True)
        log.info("workers stopped (%.0f s); auditing", time.monotonic() - started)
        report = await audit(
            self.database_url, self.s3.client(), self.bucket, f"{self.endpoint}/{self.bucket}/",
            default_duration=self.config.seconds, sample_size=self.config.sample, seed=self.config.seed,
            gc_command=gc_command(), gc_env={**os.environ, **self.env, "DATABASE_URL": self.database_url,
                                             "DATA_DIR": str(self.workdir / "gc")})
        if failure:
            report.problems.insert(0, failure)
        print(f"fault run: {self.config.posts} posts of {self.config.seconds} s, {self.config.workers} workers,"
              f" {elapsed:.0f} s")
        print(f"faults: {self.counts['kills']} workers SIGKILLed, {self.counts['listen_terminations']}"
              f" LISTEN connections terminated, {self.counts['postgres_restarts']} Postgres restart(s),"
              f" store faults injected {dict(self.proxy.injected)} of {self.proxy.requests} requests,"
              f" {self.counts['edits']} edits, {self.counts['rerender_requests']} re-render requests")
        for line in report.lines():
            print(line)
        print(f"  (renders beyond one include the {self.counts['rerender_requests']} deliberate re-render requests)")
        print(f"gc: {report.gc_output}")
        print("RESULT: " + ("PASS" if report.ok else "FAIL"))
        return 0 if report.ok else 1

    async def close(self) -> None:
        for w in self.workers:
            w.close()
        if hasattr(self, "proxy"):
            await self.proxy.stop()
        if hasattr(self, "s3"):
            self.s3.stop()
        if hasattr(self, "pg"):
            self.pg.stop()


async def main_async(config: ChaosConfig, keep: bool) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="chaos-"))
    run = FaultRun(config, workdir)
    try:
        return await run.run()
    finally:
        await run.close()
        if keep:
            print(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, data)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s chaos: %(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO)  # the run's phases, for a run that takes too long

    def stop(signum, _frame):  # clean up workers, servers and files on SIGTERM too
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    return asyncio.run(main_async(ChaosConfig.from_env(), args.keep))
