"""End to end under failure: killed workers, edits during a render, timeouts,
graceful shutdown, storage errors. Slow renders come from a song that only the
embedded-V8 tier runs (a generator function keeps it out of the compiled tier),
with a busy loop per sample."""
from __future__ import annotations

import asyncio
import shutil

import pytest

from listener.signature import render_signature
from tests.service.harness import ServiceProcess, post_state, wait_for
from tests.service.test_render_loop import fetch_wav, job_rows, rendered

# About 0.1-0.2 s of work per second of audio at 8 kHz on this machine's V8.
SLOW_CODE = "(function*(){})(), (()=>{let s=0;for(let i=0;i<4000;i++)s+=i;return t&s})()"


async def insert_slow(db, seconds: int) -> int:
    return await db.fetchval(
        "INSERT INTO posts (expression, prerender_duration) VALUES ($1, $2) RETURNING id",
        SLOW_CODE, seconds)


async def running_job(db, post_id, owner=None):
    async def check():
        jobs = await job_rows(db, post_id)
        for j in jobs:
            if j["state"] == "running" and j["stage"] == "rendering" and (owner is None or j["lease_owner"] == owner):
                return j
        return None
    return await wait_for(check, timeout=30)


async def test_worker_killed_mid_render_job_completes_on_another(database, db, tmp_path):
    a = await ServiceProcess(database, tmp_path, "wa", JOB_LEASE_SECONDS="2").start()
    b = None
    try:
        post_id = await insert_slow(db, 20)
        await running_job(db, post_id, "wa")
        a.kill()
        b = await ServiceProcess(database, tmp_path, "wb", JOB_LEASE_SECONDS="2").start()
        post = await rendered(db, post_id, timeout=90)
        [job] = await job_rows(db, post_id)
        assert job["state"] == "done" and job["attempts"] == 2
        assert job["result"] is not None and '"worker": "wb"' in job["result"]
        params, frames = await fetch_wav(post["sample_url"])
        assert params.nframes == 20 * 8000
    finally:
        a.close()
        if b:
            b.close()


async def test_edit_during_render_discards_stale_result(database, db, tmp_path):
    svc = await ServiceProcess(database, tmp_path, "w1").start()
    try:
        post_id = await insert_slow(db, 10)
        first = await running_job(db, post_id)
        await db.execute("UPDATE posts SET expression = 't>>1', prerender_duration = 2 WHERE id = $1", post_id)
        new_sig = render_signature("t>>1", "uint8", 8000, 2)
        post = await rendered(db, post_id, new_sig, timeout=60)
        _, frames = await fetch_wav(post["sample_url"])
        assert frames == bytes((t >> 1) & 255 for t in range(16000))

        async def first_finished():
            row = await db.fetchrow("SELECT * FROM render_jobs WHERE id = $1", first["id"])
            return row if row["state"] != "running" else None
        old = await wait_for(first_finished, timeout=60)
        assert old["state"] == "cancelled" and "superseded" in old["error"]
        await asyncio.sleep(0.3)
        post = await post_state(db, post_id)
        assert post["prerender_signature"] == new_sig, "the stale render never overwrote the new one"
        # The discarded render left no object behind.
        files = sorted(p.name for p in (svc.storage_dir / "posts" / str(post_id)).iterdir())
        assert files == [f"{new_sig}.wav"]
    finally:
        svc.close()


async def test_render_timeout_kills_render_and_pool_keeps_serving(database, db, tmp_path):
    svc = await ServiceProcess(database, tmp_path, "w1", RENDER_TIMEOUT_MS="1000").start()
    try:
        slow = await insert_slow(db, 600)

        async def failed():
            jobs = await job_rows(db, slow)
            return jobs[0] if jobs and jobs[0]["state"] == "failed" else None
        job = await wait_for(failed, timeout=30)
        assert "timed out" in job["error"] and "RENDER_TIMEOUT_MS=1000" in job["error"]
        assert job["attempts"] == 1
        fast = await db.fetchval("INSERT INTO posts (expression, prerender_duration) VALUES ('t', 1) RETURNING id")
        await rendered(db, fast, timeout=30)
    finally:
        svc.close()


async def test_sigterm_lets_running_render_finish_and_exits_zero(database, db, tmp_path):
    svc = await ServiceProcess(database, tmp_path, "w1").start()
    try:
        post_id = await insert_slow(db, 8)
        await running_job(db, post_id)
        assert await svc.terminate() == 0
        [job] = await job_rows(db, post_id)
        assert job["state"] == "done"
        assert (await post_state(db, post_id))["pre_rendered"]
    finally:
        svc.close()


async def test_sigterm_after_grace_releases_job_to_other_workers(database, db, tmp_path):
    a = await ServiceProcess(database, tmp_path, "wa", SHUTDOWN_GRACE_SECONDS="0.2").start()
    b = None
    try:
        post_id = await insert_slow(db, 30)
        await running_job(db, post_id, "wa")
        assert await a.terminate() == 0
        [job] = await job_rows(db, post_id)
        assert job["state"] == "queued" and job["attempts"] == 0 and job["stage"] == "released"
        b = await ServiceProcess(database, tmp_path, "wb").start()
        await rendered(db, post_id, timeout=90)
    finally:
        a.close()
        if b:
            b.close()


async def test_storage_failure_is_retried(database, db, tmp_path):
    svc = ServiceProcess(database, tmp_path, "w1", RETRY_DELAY_MS="300", RENDER_DURATION="1")
    blocker = svc.storage_dir / "posts"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a directory")  # every store fails until it is removed
    await svc.start()
    try:
        post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")

        async def retried():
            jobs = await job_rows(db, post_id)
            return jobs and jobs[0]["attempts"] >= 1 and jobs[0]["state"] == "queued" and jobs[0]["error"]
        await wait_for(retried, timeout=30)
        [job] = await job_rows(db, post_id)
        assert "could not store" in job["error"]
        blocker.unlink()
        await rendered(db, post_id, timeout=30)
        [job] = await job_rows(db, post_id)
        assert job["state"] == "done" and job["attempts"] >= 2
    finally:
        svc.close()


async def test_progress_moves_forward_while_rendering(database, db, tmp_path):
    svc = await ServiceProcess(database, tmp_path, "w1").start()
    try:
        post_id = await insert_slow(db, 40)  # several render blocks
        seen = []

        async def finished():
            rows = await job_rows(db, post_id)
            if not rows:
                return False  # the insert's inbox row becomes a job when a worker claims it
            [job] = rows
            if job["state"] == "running":
                seen.append((job["stage"], job["progress"]))
            return job["state"] == "done"
        await wait_for(finished, timeout=60, interval=0.05)
        progress = [p for stage, p in seen if stage == "rendering"]
        assert len(set(progress)) >= 3, seen
        assert progress == sorted(progress)
    finally:
        svc.close()


async def test_database_restart_mid_render(tmp_path):
    """Postgres restarts (fast shutdown) while a render runs: the LISTEN
    connection comes back, the result is still written, work inserted after
    the restart is picked up."""
    import warnings
    import asyncpg
    import pgserver
    from pgserver._commands import pg_ctl

    warnings.filterwarnings("ignore", module="platformdirs")
    server = pgserver.get_server(tmp_path / "pg", cleanup_mode="stop")
    url = server.get_uri()
    admin = await asyncpg.connect(url)
    await admin.execute("CREATE DATABASE app")
    await admin.close()
    from tests.conftest import with_database
    database = with_database(url, "app")
    from listener.service import apply_migrations
    await apply_migrations(database)
    svc = await ServiceProcess(database, tmp_path, "w1", RETRY_DELAY_MS="200").start()
    try:
        db = await asyncpg.connect(database)
        post_id = await insert_slow(db, 30)
        await running_job(db, post_id)
        await db.close()
        await asyncio.to_thread(pg_ctl, ["-w", "-m", "fast", "restart"], pgdata=server.pgdata,
                                user=server.system_user)
        db = await asyncpg.connect(database)
        await rendered(db, post_id, timeout=90)
        later = await db.fetchval("INSERT INTO posts (expression, prerender_duration) VALUES ('t', 1) RETURNING id")
        await rendered(db, later, timeout=30)
        await wait_for(lambda: _health_listening(svc), timeout=30)
        await db.close()
    finally:
        svc.close()
        server.cleanup()


async def _health_listening(svc):
    import aiohttp
    async with aiohttp.ClientSession() as http:
        async with http.get(svc.base_url + "/health") as r:
            body = await r.json()
            return r.status == 200 and body["listen_connects"] >= 2
