"""End to end: rows go into Postgres, the real service (a subprocess) reacts to the
notification, and the test checks the file it serves over HTTP, sample by sample."""
from __future__ import annotations

import asyncio
import io
import time
import wave

import aiohttp
import asyncpg
import numpy as np
import pytest

from listener.signature import render_signature
from tests.service.harness import ServiceProcess, post_state, wait_for

CLASSIC = "t*(t>>5|t>>8)"


def classic_bytes(n: int) -> bytes:
    t = np.arange(n, dtype=np.int64).astype(np.int32)
    return ((t * ((t >> 5) | (t >> 8))) & 255).astype(np.uint8).tobytes()


async def fetch_wav(url: str) -> tuple[wave._wave_params, bytes]:
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            assert r.status == 200, f"GET {url} -> {r.status}"
            assert r.headers["Content-Type"].startswith("audio/")
            data = await r.read()
    with wave.open(io.BytesIO(data)) as w:
        return w.getparams(), w.readframes(w.getnframes())


async def rendered(db, post_id, signature=None, timeout=30.0):
    async def check():
        p = await post_state(db, post_id)
        if p["pre_rendered"] and (signature is None or p["prerender_signature"] == signature):
            return p
        return None
    return await wait_for(check, timeout)


async def job_rows(db, post_id):
    return await db.fetch("SELECT * FROM render_jobs WHERE post_id = $1 ORDER BY id", post_id)


@pytest.fixture(params=["listen", "poll"])
async def service(request, database, tmp_path):
    """The service in both wake-up modes: LISTEN/NOTIFY, and polling for
    deployments behind a transaction-pooling PgBouncer."""
    svc = ServiceProcess(database, tmp_path, "w1", RENDER_DURATION="5",
                         LISTEN_MODE=request.param, POLL_INTERVAL_MS="100")
    svc.mode = request.param
    await svc.start()
    yield svc
    svc.close()


async def test_insert_renders_file_with_formula_samples(service, db):
    t0 = time.monotonic()
    post_id = await db.fetchval("INSERT INTO posts (title, expression) VALUES ('x', $1) RETURNING id", CLASSIC)
    post = await rendered(db, post_id)
    elapsed = time.monotonic() - t0
    assert post["prerender_signature"] == render_signature(CLASSIC, "uint8", 8000, 5)
    assert post["prerender_duration"] == 5 and post["render_error"] is None
    params, frames = await fetch_wav(post["sample_url"])
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 1, 8000)
    assert frames == classic_bytes(40000), "sample bytes are exactly the formula's bytes"
    [job] = await job_rows(db, post_id)
    assert job["state"] == "done" and job["attempts"] == 1 and job["progress"] == 100
    assert job["result"] is not None
    latency = (job["started_at"] - job["created_at"]).total_seconds()
    print(f"insert->claim {latency * 1000:.1f} ms, insert->rendered {elapsed * 1000:.0f} ms")
    assert latency < 1.0, "claimed on the notification, not by a sweep"


async def test_int8_and_float_modes(service, db):
    ids = {}
    for mode, code in [("int8", CLASSIC), ("float", "(t%100)/50-1")]:
        ids[mode] = await db.fetchval(
            "INSERT INTO posts (expression, mode, sample_rate, prerender_duration)"
            " VALUES ($1, $2, 11025, 1) RETURNING id", code, mode)
    post = await rendered(db, ids["int8"])
    params, frames = await fetch_wav(post["sample_url"])
    t = np.arange(11025, dtype=np.int64).astype(np.int32)
    expected = (((t * ((t >> 5) | (t >> 8))) + 128) & 255).astype(np.uint8).tobytes()
    assert (params.sampwidth, params.framerate) == (1, 11025) and frames == expected

    post = await rendered(db, ids["float"])
    async with aiohttp.ClientSession() as http:
        async with http.get(post["sample_url"]) as r:
            data = await r.read()
    import soundfile
    samples, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    info = soundfile.info(io.BytesIO(data))
    assert (rate, info.subtype) == (11025, "FLOAT")
    expected = ((np.arange(11025) % 100) / 50 - 1).astype(np.float32)
    assert np.array_equal(samples, expected)


async def test_edit_expression_rerenders_with_new_signature(service, db):
    post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
    first = await rendered(db, post_id)
    await db.execute("UPDATE posts SET expression = 't>>2' WHERE id = $1", post_id)
    new_sig = render_signature("t>>2", "uint8", 8000, 5)
    second = await rendered(db, post_id, new_sig)
    assert second["sample_url"] != first["sample_url"]
    _, frames = await fetch_wav(second["sample_url"])
    assert frames == (np.arange(40000) >> 2 & 255).astype(np.uint8).tobytes()
    # The replaced object is deleted once the new one is committed.
    async with aiohttp.ClientSession() as http:
        async with http.get(first["sample_url"]) as r:
            assert r.status == 404


async def test_title_edit_renders_nothing(service, db):
    post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
    await rendered(db, post_id)
    await db.execute("UPDATE posts SET title = 'renamed' WHERE id = $1", post_id)
    await asyncio.sleep(0.5)
    assert len(await job_rows(db, post_id)) == 1


async def test_draft_renders_only_when_published(service, db):
    post_id = await db.fetchval("INSERT INTO posts (expression, is_draft) VALUES ('t', true) RETURNING id")
    await asyncio.sleep(0.5)
    assert (await post_state(db, post_id))["pre_rendered"] is False
    assert await job_rows(db, post_id) == []
    await db.execute("UPDATE posts SET is_draft = false WHERE id = $1", post_id)
    await rendered(db, post_id)


async def test_manual_rerender(service, db):
    post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
    await rendered(db, post_id)
    await db.execute("UPDATE posts SET pre_rendered = false WHERE id = $1", post_id)
    await rendered(db, post_id)
    assert [j["state"] for j in await job_rows(db, post_id)] == ["done", "done"]


async def test_parse_error_fails_with_position_and_blocks_nothing(service, db):
    bad = await db.fetchval("INSERT INTO posts (expression) VALUES ('t*(t>>5|') RETURNING id")
    bad_mode = await db.fetchval("INSERT INTO posts (expression, mode) VALUES ('t', 'stereo8') RETURNING id")
    good = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
    await rendered(db, good)

    async def failed(post_id):
        async def check():
            jobs = await job_rows(db, post_id)
            return jobs[0] if jobs and jobs[0]["state"] == "failed" else None
        return await wait_for(check)

    job = await failed(bad)
    assert "1:9" in job["error"] and job["attempts"] == 1, job["error"]
    assert (await post_state(db, bad))["render_error"] == job["error"]
    job = await failed(bad_mode)
    assert "invalid mode 'stereo8'" in job["error"]
    assert (await post_state(db, bad_mode))["pre_rendered"] is False


async def test_bare_notify_triggers_a_sweep(database, db, tmp_path):
    # Jobs inserted while NOTIFY is suppressed (the trigger disabled) are only
    # found by a sweep; a bare NOTIFY from psql must start one.
    svc = await ServiceProcess(database, tmp_path, "w1", RENDER_DURATION="1",
                               SAFETY_SWEEP_SECONDS="3600").start()
    try:
        await db.execute("ALTER TABLE render_jobs DISABLE TRIGGER render_jobs_notify_insert")
        post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
        await asyncio.sleep(0.5)
        assert (await post_state(db, post_id))["pre_rendered"] is False
        await db.execute("NOTIFY render_jobs")
        await rendered(db, post_id, timeout=10)
    finally:
        svc.close()


async def test_delayed_job_runs_on_time_without_polling(database, db, tmp_path):
    svc = await ServiceProcess(database, tmp_path, "w1", RENDER_DURATION="1",
                               SAFETY_SWEEP_SECONDS="3600").start()
    try:
        post_id = await db.fetchval("INSERT INTO posts (expression, is_draft) VALUES ('t', true) RETURNING id")
        sig = render_signature("t", "uint8", 8000, 1)
        await db.execute("INSERT INTO render_jobs (post_id, signature, run_after)"
                         " VALUES ($1, $2, now() + interval '1.5 seconds')", post_id, sig)
        job = await wait_for(lambda: db.fetchrow(
            "SELECT * FROM render_jobs WHERE post_id = $1 AND state = 'done'", post_id), timeout=10)
        late = (job["started_at"] - job["run_after"]).total_seconds()
        assert 0 <= late < 0.5, f"started {late:.3f} s after run_after"
    finally:
        svc.close()


async def test_listen_connection_terminated(service, db):
    if service.mode == "poll":
        pytest.skip("no LISTEN connection in poll mode")
    post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
    await rendered(db, post_id)
    killed = await db.fetchval(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE application_name = 'bytebeat-listen:w1'")
    assert killed == 1
    # Work inserted while the listener is gone is still rendered.
    ids = [await db.fetchval("INSERT INTO posts (expression) VALUES ($1) RETURNING id", f"t*{i}")
           for i in range(1, 6)]
    for i in ids:
        await rendered(db, i, timeout=20)
    async with aiohttp.ClientSession() as http:
        async with http.get(service.base_url + "/health") as r:
            health = await r.json()
    assert health["listen_connects"] >= 2


async def test_two_workers_fifty_posts_each_rendered_once(database, db, tmp_path):
    a = await ServiceProcess(database, tmp_path, "wa", RENDER_DURATION="1").start()
    b = await ServiceProcess(database, tmp_path, "wb", RENDER_DURATION="1").start()
    try:
        await db.execute("INSERT INTO posts (expression) SELECT 't*' || g || '&t>>' || (g % 7)"
                         " FROM generate_series(1, 50) g")
        await wait_for(lambda: db.fetchval(
            "SELECT count(*) = 50 FROM posts WHERE pre_rendered"), timeout=60)
        rows = await db.fetch("SELECT post_id, count(*) AS n, array_agg(DISTINCT result->>'worker') AS w"
                              " FROM render_jobs WHERE state = 'done' GROUP BY post_id")
        assert len(rows) == 50 and all(r["n"] == 1 for r in rows)
        assert await db.fetchval("SELECT sum(attempts) FROM render_jobs") == 50
        workers = {w for r in rows for w in r["w"]}
        assert workers == {"wa", "wb"}, "both workers took a share"
    finally:
        a.close()
        b.close()


async def test_the_next_job_starts_while_an_outcome_write_waits(database, db, tmp_path):
    """With one job at a time, a job whose outcome write waits (here on an app's
    lock on its post, the one an UPDATE of it takes) no longer holds the slot: the
    next post is claimed and rendered meanwhile, and both end rendered once the
    lock goes."""
    svc = await ServiceProcess(database, tmp_path, "w1", RENDER_DURATION="1",
                               MAX_CONCURRENT_JOBS="1").start()
    app = await asyncpg.connect(database)
    try:
        first = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
        tx = app.transaction()
        await tx.start()
        # FOR NO KEY UPDATE, as an app's UPDATE of the post: it holds back the outcome
        # write (which locks the post FOR UPDATE) but not the claim (its new job row's
        # foreign key only needs FOR KEY SHARE), whichever comes first.
        await app.execute("SELECT 1 FROM posts WHERE id = $1 FOR NO KEY UPDATE", first)
        await wait_for(lambda: db.fetchval(
            "SELECT stage = 'finishing' FROM render_jobs WHERE post_id = $1", first), timeout=30)
        second = await db.fetchval("INSERT INTO posts (expression) VALUES ('t*2') RETURNING id")
        await wait_for(lambda: db.fetchval(
            "SELECT stage = 'finishing' FROM render_jobs WHERE post_id = $1", second), timeout=30)
        assert not await db.fetchval("SELECT pre_rendered FROM posts WHERE id = $1", first)
        await tx.rollback()
        for post_id in (first, second):
            await rendered(db, post_id)
            [job] = await job_rows(db, post_id)
            assert job["state"] == "done" and job["attempts"] == 1
    finally:
        await app.close()
        svc.close()


async def test_gc_removes_only_unreferenced_objects(database, db, tmp_path):
    import subprocess
    import sys
    from tests.service.harness import ROOT

    svc = await ServiceProcess(database, tmp_path, "w1", RENDER_DURATION="1",
                               DELETE_REPLACED_OBJECTS="false").start()
    try:
        post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
        first = await rendered(db, post_id)
        await db.execute("UPDATE posts SET expression = 't>>3' WHERE id = $1", post_id)
        second = await rendered(db, post_id, render_signature("t>>3", "uint8", 8000, 1))
    finally:
        svc.close()
    stray = svc.storage_dir / "posts" / "999" / "abc.wav"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"RIFF")
    env = {**svc.env}
    dry = subprocess.run([sys.executable, "-m", "listener", "gc", "--grace-seconds", "0", "--dry-run"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0, dry.stderr
    assert "would delete posts/999/abc.wav" in dry.stdout and stray.exists()
    done = subprocess.run([sys.executable, "-m", "listener", "gc", "--grace-seconds", "0"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    old_key = first["sample_url"].split("/files/", 1)[1]
    new_key = second["sample_url"].split("/files/", 1)[1]
    assert f"deleted {old_key}" in done.stdout and "deleted posts/999/abc.wav" in done.stdout
    assert not stray.exists() and not (svc.storage_dir / old_key).exists()
    assert (svc.storage_dir / new_key).exists(), "the object a post points to is kept"
    kept = subprocess.run([sys.executable, "-m", "listener", "gc"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert "0 deleted" in kept.stdout


async def test_enqueue_that_did_not_notify_is_still_claimed_promptly(database, db, tmp_path):
    """A transaction that enqueued while the wake-up was disarmed (workers busy)
    sends no NOTIFY; if it commits after the worker went idle, the worker must
    still find its job: it waits for such transactions before its last sweep."""
    svc = await ServiceProcess(database, tmp_path, "w1", RENDER_DURATION="1",
                               SAFETY_SWEEP_SECONDS="3600").start()
    app = await asyncpg.connect(database)
    try:
        await db.execute("NOTIFY render_jobs")  # let the worker finish a sweep and go idle (armed)
        await asyncio.sleep(0.5)
        await db.execute("UPDATE render_wakeup SET armed = false")  # as if a busy moment disarmed it
        listener = await asyncpg.connect(database)
        heard = []
        await listener.add_listener("render_jobs", lambda *a: heard.append(a))
        tx = app.transaction()
        await tx.start()
        post_id = await app.fetchval("INSERT INTO posts (expression) VALUES ('t>>2') RETURNING id")
        await db.execute("NOTIFY render_jobs")  # some other wake-up: the worker sweeps, goes idle, arms
        await asyncio.sleep(0.8)
        assert (await post_state(db, post_id)) is None, "not committed yet"
        assert await db.fetchval("SELECT armed FROM render_wakeup"), "the idle worker armed the wake-up"
        await tx.commit()
        started = time.monotonic()
        await rendered(db, post_id, timeout=10)
        assert time.monotonic() - started < 3
        senders = [pid for _conn, pid, _channel, _payload in heard]
        assert app.get_server_pid() not in senders, "the app's transaction itself sent no notification"
        await listener.close()
    finally:
        await app.close()
        svc.close()


async def test_busy_enqueues_send_one_notification(database, db):
    """While the wake-up is disarmed, enqueuing transactions send nothing; the
    first one after a worker armed it sends one."""
    listener = await asyncpg.connect(database)
    heard = []
    await listener.add_listener("render_jobs", lambda *a: heard.append(a))
    for i in range(20):
        await db.execute("INSERT INTO posts (expression) VALUES ($1)", f"t*{i}")
    await asyncio.sleep(0.3)
    assert len(heard) == 1
    await db.execute("SELECT arm_render_wakeup()")
    for i in range(5):
        await db.execute("INSERT INTO posts (expression) VALUES ($1)", f"t>>{i}")
    await asyncio.sleep(0.3)
    assert len(heard) == 2
    await listener.close()
