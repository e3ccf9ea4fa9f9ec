"""The service with S3 storage behind the fault proxy: renders land exactly once
whatever the store does, private buckets hand out fresh signed URLs, and no
credential reaches a log line."""
from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from pathlib import Path

import aiohttp
import pytest

from engine import BytebeatRequest, render_to_file
from chaos.faultproxy import FaultProxy
from tests.service.harness import ServiceProcess, wait_for


def s3_env(moto, bucket: str, endpoint: str, **extra) -> dict:
    return {
        "STORAGE_BACKEND": "s3", "S3_ENDPOINT": endpoint, "S3_BUCKET": bucket,
        "AWS_ACCESS_KEY_ID": moto.key_id, "AWS_SECRET_ACCESS_KEY": moto.secret,
        "AWS_REGION": "us-east-1", "STORAGE_PUBLIC": "false", "STORAGE_TIMEOUT_SECONDS": "2",
        "RETRY_DELAY_MS": "200", "RENDER_DURATION": "2", **extra,
    }


def fresh_render_sha(expression: str, seconds: int, tmp: Path) -> str:
    out = tmp / f"{uuid.uuid4().hex}.wav"
    info = render_to_file(BytebeatRequest(expression, "uint8", 8000, seconds, 0.0, 0.0), out)
    return info.sha256


async def test_renders_land_exactly_once_through_a_flaky_store(moto, database, db, tmp_path):
    proxy = await FaultProxy("127.0.0.1", moto.port, seed=7).start()
    bucket = f"svc-{uuid.uuid4().hex[:10]}"
    svc = ServiceProcess(database, tmp_path, "w1", **s3_env(moto, bucket, f"http://127.0.0.1:{proxy.port}"))
    await svc.start()
    try:
        # Every kind of fault, then 30 % of uploads failing at random.
        for kind in ("503", "drop-mid-upload", "drop-after-upload", "stall"):
            proxy.fail_next(1, kind, methods={"PUT"})
        expressions = [f"t*{i}&t>>{i % 5}" for i in range(1, 13)]
        ids = [await db.fetchval("INSERT INTO posts (expression) VALUES ($1) RETURNING id", e)
               for e in expressions]
        await asyncio.sleep(1.0)
        proxy.fault_rate(0.3, kinds=("503", "drop-mid-upload", "drop-after-upload"), methods={"PUT", "HEAD"})
        more = [await db.fetchval("INSERT INTO posts (expression) VALUES ($1) RETURNING id", f"t>>{i}")
                for i in range(1, 9)]
        expressions += [f"t>>{i}" for i in range(1, 9)]
        ids += more
        await wait_for(lambda: db.fetchval(
            "SELECT count(*) = $1 FROM posts WHERE pre_rendered", len(ids)), timeout=120)
        proxy.heal()
        assert sum(proxy.injected.values()) >= 6, proxy.injected
        assert {"503", "drop-mid-upload", "drop-after-upload", "stall"} <= set(proxy.injected)

        done = await db.fetch("SELECT post_id, count(*) AS n FROM render_jobs WHERE state = 'done' GROUP BY post_id")
        assert sorted(r["post_id"] for r in done) == sorted(ids) and all(r["n"] == 1 for r in done)
        listing = moto.s3.list_objects_v2(Bucket=bucket)
        keys = sorted(o["Key"] for o in listing.get("Contents", []))
        assert len(keys) == len(ids), "one object per post, nothing half-written or left over"
        for post_id, expression in zip(ids, expressions):
            post = await db.fetchrow("SELECT * FROM posts WHERE id = $1", post_id)
            key = f"posts/{post_id}/{post['prerender_signature']}.wav"
            assert key in keys
            body = moto.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            assert hashlib.sha256(body).hexdigest() == fresh_render_sha(expression, 2, tmp_path)
            assert post["sample_url"] == f"{svc.base_url}/samples/{key}"

        # Private bucket: the sample URL redirects to a freshly signed one.
        async with aiohttp.ClientSession() as http:
            async with http.get(post["sample_url"], allow_redirects=False) as r:
                assert r.status == 302
                location = r.headers["Location"]
        assert key in location and "X-Amz-Signature=" in location and "X-Amz-Expires=3600" in location
    finally:
        svc.close()
        await proxy.stop()
    log = svc.log()
    for secret in (moto.secret, moto.key_id):
        assert secret not in log


async def test_wrong_secret_stops_the_service_at_start_with_one_clear_line(moto, database, tmp_path):
    env = s3_env(moto, f"svc-{uuid.uuid4().hex[:10]}", moto.endpoint,
                 AWS_SECRET_ACCESS_KEY="wrong-secret-value-123")
    svc = ServiceProcess(database, tmp_path, "w1", **env)
    with pytest.raises(RuntimeError) as info:
        await svc.start(timeout=30)
    log = svc.log()
    assert "wrong-secret-value-123" not in log and moto.key_id not in log
    assert "S3 bucket" in str(info.value) and "Traceback" not in log
    [line] = [ln for ln in log.splitlines() if ln.startswith("cannot start:")]
    assert "credentials were refused" in line and "AWS_SECRET_ACCESS_KEY" in line
