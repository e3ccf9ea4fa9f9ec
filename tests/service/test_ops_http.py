"""The operations surface of the real service: /health, /stats, /metrics, the
dashboard's JSON API and the admin actions' authorisation, against real jobs."""
from __future__ import annotations

import json

import aiohttp
import pytest

from tests.service.harness import ServiceProcess, wait_for
from tests.service.ops_client import histogram, parse_prometheus

TOKEN = "ops-test-admin-token-0123456789"


@pytest.fixture
async def service(database, tmp_path):
    svc = ServiceProcess(database, tmp_path, "ops1", RENDER_DURATION="1", ADMIN_TOKEN=TOKEN)
    await svc.start()
    yield svc
    svc.close()


async def get(url: str, **kw) -> tuple[int, dict, str]:
    async with aiohttp.ClientSession() as http:
        async with http.get(url, **kw) as r:
            body = await r.read()
            return r.status, dict(r.headers), body.decode(errors="replace")


async def get_json(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            return r.status, await r.json()


async def post(url: str, token: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, headers=headers) as r:
            return r.status, await r.json()


async def all_done(db, n: int) -> bool:
    return await db.fetchval("SELECT count(*) FROM render_jobs WHERE state = 'done'") == n


async def test_health_stats_and_json_api_describe_real_jobs(service, db):
    ids = [await db.fetchval("INSERT INTO posts (title, expression) VALUES ($1, 't>>4') RETURNING id",
                             f"song {i}") for i in range(3)]
    bad = await db.fetchval("INSERT INTO posts (title, expression) VALUES ('broken', 't>>') RETURNING id")
    await wait_for(lambda: db.fetchval(
        "SELECT count(*) = 4 FROM render_jobs WHERE state IN ('done', 'failed')"), 30)

    status, health = await get_json(service.base_url + "/health")
    assert status == 200 and health["status"] == "ok" and health["listen_connected"] is True
    assert health["active_jobs"] == 0 and health["uptime_s"] > 0

    status, stats = await get_json(service.base_url + "/stats")
    assert status == 200
    assert (stats["total_processed"], stats["succeeded"], stats["failed"]) == (4, 3, 1)
    assert stats["currently_processing"] == 0 and stats["average_processing_s"] > 0

    status, summary = await get_json(service.base_url + "/api/summary")
    assert status == 200
    assert summary["counts"] == {"queued": 0, "running": 0, "done": 3, "failed": 1, "cancelled": 0}
    assert summary["total"] == 4

    status, body = await get_json(service.base_url + "/api/jobs")
    assert status == 200
    jobs = body["jobs"]
    assert [j["post_id"] for j in jobs] == [bad, *reversed(ids)], "newest first"
    keys = {"id", "kind", "post_id", "title", "state", "stage", "progress", "attempts", "error",
            "created_at", "started_at", "finished_at", "audio_url", "waveform_url", "result"}
    assert all(set(j) == keys for j in jobs)
    failed, newest_done = jobs[0], jobs[1]
    assert failed["state"] == "failed" and "syntax error" in failed["error"] and failed["title"] == "broken"
    assert failed["audio_url"] is None
    post = await db.fetchrow("SELECT * FROM posts WHERE id = $1", ids[-1])
    assert newest_done["audio_url"] == post["sample_url"] and newest_done["title"] == "song 2"
    assert newest_done["progress"] == 100 and newest_done["finished_at"].startswith("20")
    assert newest_done["result"]["tier"] in ("compiled", "v8")
    status, _, _ = await get(newest_done["audio_url"])
    assert status == 200

    status, body = await get_json(service.base_url + "/api/jobs?state=failed&limit=5")
    assert [j["post_id"] for j in body["jobs"]] == [bad]
    status, body = await get_json(service.base_url + "/api/jobs?state=done&limit=2")
    assert [j["post_id"] for j in body["jobs"]] == [ids[2], ids[1]]

    status, body = await get_json(service.base_url + "/api/jobs?state=finished")
    assert status == 400 and "state" in body["error"] and "'finished'" in body["error"]
    assert "queued, running, done, failed, cancelled" in body["error"]
    status, body = await get_json(service.base_url + "/api/jobs?limit=0")
    assert status == 400 and body["error"].startswith("limit: must be an integer from 1 to 500")


async def test_metrics_are_prometheus_text(service, db):
    for i in range(3):
        await db.fetchval("INSERT INTO posts (expression) VALUES ('t*3') RETURNING id")
    await wait_for(lambda: all_done(db, 3), 30)
    await db.execute("INSERT INTO posts (expression, is_draft) VALUES ('t', true)")
    draft = await db.fetchval("SELECT id FROM posts WHERE is_draft")
    await db.execute("INSERT INTO render_jobs (kind, post_id, run_after)"
                     " VALUES ('bytebeat', $1, now() + interval '1 hour')", draft)

    status, headers, text = await get(service.base_url + "/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    types, samples = parse_prometheus(text)

    def value(name, **labels):
        return samples[(name, frozenset(labels.items()))]

    assert types["render_jobs"] == "gauge"
    assert value("render_jobs", state="done") == 3 and value("render_jobs", state="queued") == 1
    assert value("render_jobs", state="failed") == 0
    assert value("render_queue_depth") == 0, "the queued job is not due for an hour"
    assert value("render_listen_reconnects_total") == 0 and value("render_listen_connected") == 1
    assert types["render_listen_reconnects_total"] == "counter"
    assert value("render_jobs_succeeded_total") == 3
    for name in ("render_duration_seconds", "render_upload_duration_seconds",
                 "render_notify_to_claim_seconds"):
        assert types[name] == "histogram"
        buckets, total, count = histogram(samples, name)
        assert buckets[-1][0] == float("inf") and buckets[-1][1] == count
        assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), f"{name} is cumulative"
        assert count >= 1 and total > 0
    _, _, renders = histogram(samples, "render_duration_seconds")
    _, _, uploads = histogram(samples, "render_upload_duration_seconds")
    assert renders == uploads == 3
    _, notify_sum, notify_count = histogram(samples, "render_notify_to_claim_seconds")
    assert notify_sum / notify_count < 0.5, "claimed within milliseconds of the notification"

    # A terminated LISTEN connection is counted once it is re-established.
    await db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                     " WHERE application_name LIKE 'bytebeat-listen:%'")

    async def reconnected():
        _, _, text = await get(service.base_url + "/metrics")
        _, s = parse_prometheus(text)
        return s[("render_listen_reconnects_total", frozenset())] == 1
    await wait_for(reconnected, 15, 0.1)


async def test_admin_actions_need_the_token(service, db):
    post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
    await wait_for(lambda: all_done(db, 1), 30)
    job_id = await db.fetchval("SELECT id FROM render_jobs WHERE post_id = $1", post_id)
    url = f"{service.base_url}/api/jobs/{job_id}/cancel"
    for token in (None, "wrong-token-0123456789", TOKEN[:-1], TOKEN + "x"):
        status, body = await post(url, token)
        assert status == 401, token
        assert "admin token" in body["error"]
    async with aiohttp.ClientSession() as http:  # the scheme must be Bearer
        async with http.post(url, headers={"Authorization": f"Basic {TOKEN}"}) as r:
            assert r.status == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")

    status, body = await post(url, TOKEN)
    assert status == 409 and body["error"] == (
        f"job {job_id} is done: only queued or running jobs can be cancelled")
    status, body = await post(f"{service.base_url}/api/jobs/{job_id}/retry", TOKEN)
    assert status == 409 and "only failed or cancelled jobs can be retried" in body["error"]
    status, body = await post(f"{service.base_url}/api/jobs/999999/retry", TOKEN)
    assert status == 404 and body["error"] == "job 999999 does not exist"
    assert await db.fetchval("SELECT state FROM render_jobs WHERE id = $1", job_id) == "done"


async def test_admin_actions_are_disabled_without_a_token(database, tmp_path, db):
    svc = ServiceProcess(database, tmp_path, "ops2", RENDER_DURATION="1", ADMIN_TOKEN="")
    await svc.start()
    try:
        for action in ("cancel", "retry"):
            status, body = await post(f"{svc.base_url}/api/jobs/1/{action}", "anything-at-all-here")
            assert status == 403
            assert body["error"] == "admin actions are disabled: set ADMIN_TOKEN to enable retry and cancel"
    finally:
        svc.close()


async def test_cancel_queued_then_retry_renders_it(service, db):
    post_id = await db.fetchval("INSERT INTO posts (expression, is_draft) VALUES ('t>>1', true) RETURNING id")
    job_id = await db.fetchval("INSERT INTO render_jobs (kind, post_id, run_after)"
                               " VALUES ('bytebeat', $1, now() + interval '1 hour') RETURNING id", post_id)
    status, body = await post(f"{service.base_url}/api/jobs/{job_id}/cancel", TOKEN)
    assert status == 200 and body["job"]["state"] == "cancelled"
    assert body["job"]["error"] == "cancelled by an operator"

    status, body = await post(f"{service.base_url}/api/jobs/{job_id}/retry", TOKEN)
    # the answer is the job as it is now: the worker may have claimed it already
    assert status == 200 and body["job"]["state"] in ("queued", "running", "done")
    job = await wait_for(lambda: db.fetchrow(
        "SELECT * FROM render_jobs WHERE id = $1 AND state = 'done'", job_id), 30)
    assert job["attempts"] == 1 and job["error"] is None
    post_row = await db.fetchrow("SELECT * FROM posts WHERE id = $1", post_id)
    assert post_row["pre_rendered"] and post_row["sample_url"] == json.loads(job["result"])["url"]
    status, _, _ = await get(post_row["sample_url"])
    assert status == 200

    # A post runs one job at a time: retrying an old job while another is queued is refused.
    other = await db.fetchval("INSERT INTO render_jobs (kind, post_id, run_after)"
                              " VALUES ('bytebeat', $1, now() + interval '1 hour') RETURNING id", post_id)
    await db.execute("UPDATE render_jobs SET state = 'failed' WHERE id = $1", job_id)
    status, body = await post(f"{service.base_url}/api/jobs/{job_id}/retry", TOKEN)
    assert status == 409 and body["error"] == (
        f"job {job_id} cannot run again: its post already has job {other} queued or running")
