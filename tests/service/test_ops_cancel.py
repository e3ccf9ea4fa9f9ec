"""Cancelling a running job: the worker hears it at once, kills the render,
stores nothing and leaves the job cancelled."""
from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tests.service.harness import ServiceProcess, wait_for

TOKEN = "ops-test-admin-token-0123456789"
SLOW_SONG = "Math.sin(t/10+[1,2,3].map(x=>x*t)[1])*0.5"  # V8 tier: ~10 s of render per 100 s of song


@pytest.fixture(params=["listen", "poll"])
async def service(request, database, tmp_path):
    """In poll mode no notification arrives: the lease renewal notices the cancel."""
    svc = ServiceProcess(database, tmp_path, "c1", ADMIN_TOKEN=TOKEN, LISTEN_MODE=request.param,
                         POLL_INTERVAL_MS="100", JOB_LEASE_SECONDS="3")
    svc.mode = request.param
    await svc.start()
    yield svc
    svc.close()


async def active_jobs(svc) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.get(svc.base_url + "/health") as r:
            return (await r.json())["active_jobs"]


async def test_cancel_stops_a_running_render_and_stores_nothing(service, db):
    post_id = await db.fetchval(
        "INSERT INTO posts (expression, mode, sample_rate, prerender_duration)"
        " VALUES ($1, 'float', 44100, 600) RETURNING id", SLOW_SONG)
    job = await wait_for(lambda: db.fetchrow(
        "SELECT * FROM render_jobs WHERE post_id = $1 AND stage = 'rendering' AND progress >= 10",
        post_id), 60)

    async with aiohttp.ClientSession() as http:
        async with http.post(f"{service.base_url}/api/jobs/{job['id']}/cancel",
                             headers={"Authorization": f"Bearer {TOKEN}"}) as r:
            assert r.status == 200
            assert (await r.json())["job"]["state"] == "cancelled"
    cancelled_at = time.monotonic()
    await wait_for(lambda: _is_zero(active_jobs(service)), 10, 0.01)
    stopped_after = time.monotonic() - cancelled_at
    print(f"{service.mode}: render stopped {stopped_after * 1000:.0f} ms after the cancel")
    limit = 1.0 if service.mode == "listen" else 2.0  # poll: the next lease renewal (every 1 s)
    assert stopped_after < limit, f"render stopped {stopped_after:.2f} s after the cancel"

    await asyncio.sleep(1.0)  # nothing written afterwards either
    row = await db.fetchrow("SELECT * FROM render_jobs WHERE id = $1", job["id"])
    assert (row["state"], row["stage"], row["error"]) == ("cancelled", "cancelled", "cancelled by an operator")
    assert row["result"] is None and row["lease_owner"] is None
    post = await db.fetchrow("SELECT * FROM posts WHERE id = $1", post_id)
    assert post["sample_url"] is None and not post["pre_rendered"]
    stored = list(service.storage_dir.rglob("*")) if service.storage_dir.exists() else []
    assert [p for p in stored if p.is_file() and f"posts/{post_id}/" in p.as_posix()] == []
    staged = list((service.workdir / "data-c1" / "staging").glob("*"))
    assert staged == [], f"staging files left behind: {staged}"

    async with aiohttp.ClientSession() as http:
        async with http.get(service.base_url + "/metrics") as r:
            metrics = (await r.text()).splitlines()
    assert "render_pool_restarts_total 1" in metrics, "the render process was killed and replaced"

    # The worker is free again: the next job renders as usual.
    other = await db.fetchval("INSERT INTO posts (expression, prerender_duration) VALUES ('t', 1) RETURNING id")
    await wait_for(lambda: db.fetchval("SELECT pre_rendered FROM posts WHERE id = $1", other), 30)


async def _is_zero(value) -> bool:
    return await value == 0
