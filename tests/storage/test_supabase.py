"""Supabase Storage backend against a real Storage server.

Runs when SUPABASE_TEST_URL and SUPABASE_TEST_SERVICE_KEY name one (a Supabase
project or a local `supabase start`); skipped otherwise. Each run uses its own
bucket names, so it can share a project.
"""
from __future__ import annotations

import hashlib
import logging
import os
import uuid
from pathlib import Path

import aiohttp
import pytest

from listener.config import load_settings
from listener.errors import StorageConfigError
from listener.storage.supabase import SupabaseStorage

URL = os.environ.get("SUPABASE_TEST_URL")
KEY = os.environ.get("SUPABASE_TEST_SERVICE_KEY")
pytestmark = pytest.mark.skipif(not (URL and KEY), reason="SUPABASE_TEST_URL / SUPABASE_TEST_SERVICE_KEY not set")


def storage(bucket: str, public: bool, key: str | None = None) -> SupabaseStorage:
    settings = load_settings({
        "STORAGE_BACKEND": "supabase", "SUPABASE_URL": URL or "", "SUPABASE_SERVICE_KEY": key or KEY or "",
        "SUPABASE_STORAGE_BUCKET": bucket, "STORAGE_PUBLIC": "true" if public else "false",
        "STORAGE_PATH_PREFIX": "tests",
    })
    return SupabaseStorage(settings)


async def read(url: str) -> tuple[bytes, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            assert r.status == 200, (r.status, await r.text())
            return await r.read(), dict(r.headers)


@pytest.mark.parametrize("public", [True, False])
async def test_round_trip_small_and_resumable(tmp_path: Path, public: bool, caplog):
    caplog.set_level(logging.DEBUG)
    s = storage(f"bb-test-{uuid.uuid4().hex[:8]}", public)
    await s.start()
    try:
        for size in (1024, 7 * 1024 * 1024):  # the second goes through TUS
            src = tmp_path / f"f{size}.wav"
            src.write_bytes(os.urandom(size))
            key = f"posts/1/{hashlib.sha256(src.read_bytes()).hexdigest()}.wav"
            await s.put_file(key, src)
            await s.put_file(key, src)  # idempotent
            assert await s.exists(key)
            url = s.public_url(key) if public else await s.signed_url(key, 60)
            assert url
            data, headers = await read(url)
            assert data == src.read_bytes()
            assert headers["Content-Type"].startswith("audio/wav")
            if public:
                assert s.key_for_url(url) == key
            await s.delete(key)
            assert not await s.exists(key)
    finally:
        await s.close()
    assert KEY not in caplog.text


async def test_wrong_key_fails_at_start_without_leaking_it():
    bad = "eyJhbGciOiJIUzI1NiJ9.bad.key"
    s = storage(f"bb-test-{uuid.uuid4().hex[:8]}", True, key=bad)
    with pytest.raises(StorageConfigError) as info:
        await s.start()
    await s.close()
    assert bad not in str(info.value) and "SUPABASE_SERVICE_KEY" in str(info.value)

