"""Parts of the listener that need no database: config, storage keys, the render pool."""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import aiohttp
import pytest

from listener.config import ConfigError, load_settings
from listener.render_pool import RenderPool, RenderProcessDied, RenderTimeout, TaskFailed
from listener.storage import FileStorage, UnsafeKeyError


def test_config_defaults_and_validation():
    s = load_settings({})
    assert (s.render_duration, s.max_concurrent_jobs, s.render_timeout_ms) == (120, 2, 120_000)
    assert (s.fade_in_seconds, s.fade_out_seconds, s.http_host, s.http_port) == (0.0, 0.5, "127.0.0.1", 8080)
    assert s.max_attempts == 4
    with pytest.raises(ConfigError, match=r"MAX_CONCURRENT_JOBS='99' is out of range: expected an integer from 1 to 64"):
        load_settings({"MAX_CONCURRENT_JOBS": "99"})
    with pytest.raises(ConfigError, match=r"RENDER_TIMEOUT_MS='abc' is not valid"):
        load_settings({"RENDER_TIMEOUT_MS": "abc"})
    with pytest.raises(ConfigError, match="RENDER_TIMEOUT_MS='10'"):
        load_settings({"RENDER_TIMEOUT_MS": "10"})
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        load_settings({"LOG_LEVEL": "loud"})


def test_config_masks_database_password():
    s = load_settings({"DATABASE_URL": "postgresql://app:s3cret@db:5432/x"})
    assert "s3cret" not in str(s.masked()) and "app:***@db:5432/x" in s.masked()["database_url"]


@pytest.mark.parametrize("key", [
    "../x.wav", "a/../../x.wav", "/etc/passwd", "a//b.wav", "./a.wav", "a\\..\\b", "a/./b", "x\x00.wav", "",
])
def test_file_storage_refuses_escaping_keys(tmp_path, key):
    storage = FileStorage(tmp_path / "root", "http://h/files/")
    with pytest.raises(UnsafeKeyError):
        storage.path_for(key)


async def test_file_storage_refuses_symlink_escape(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    storage = FileStorage(tmp_path / "root", "http://h/files/")
    await storage.start()
    (storage.root / "link").symlink_to(outside)
    with pytest.raises(UnsafeKeyError):
        storage.path_for("link/secret.txt")


async def test_file_storage_put_is_atomic_and_round_trips(tmp_path):
    storage = FileStorage(tmp_path / "root", "http://h/files/")
    await storage.start()
    src = tmp_path / "src.wav"
    src.write_bytes(b"RIFF" + os.urandom(1000))
    await storage.put_file("posts/1/abc.wav", src)
    url = storage.public_url("posts/1/abc.wav")
    assert url == "http://h/files/posts/1/abc.wav"
    assert storage.key_for_url(url) == "posts/1/abc.wav"
    assert (storage.root / "posts/1/abc.wav").read_bytes() == src.read_bytes()
    assert [p.name for p in (storage.root / "posts/1").iterdir()] == ["abc.wav"], "no temp files left"
    assert await storage.exists("posts/1/abc.wav")
    await storage.delete("posts/1/abc.wav")
    assert not await storage.exists("posts/1/abc.wav")


async def test_http_files_route_refuses_traversal(tmp_path):
    from aiohttp import web
    from listener.http import serve_file, STORAGE

    storage = FileStorage(tmp_path / "root", "http://h/files/")
    await storage.start()
    (storage.root / "ok.wav").write_bytes(b"data")
    (tmp_path / "secret.txt").write_text("secret")
    (storage.root / "link").symlink_to(tmp_path)
    app = web.Application()
    app[STORAGE] = storage
    app.router.add_get("/files/{key:.+}", serve_file)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}/files/"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "ok.wav") as r:
                assert r.status == 200 and await r.read() == b"data"
            for path in ["../secret.txt", "%2e%2e/secret.txt", "..%2fsecret.txt", "%2Fetc%2Fpasswd",
                         "link/secret.txt", "a%5c..%5csecret.txt", "%00"]:
                async with http.get(base + path) as r:
                    body = await r.text()
                    assert r.status == 404 and "secret" not in body, path
    finally:
        await runner.cleanup()


# --- render pool -------------------------------------------------------------

def sleepy(seconds, report):
    report("started")
    time.sleep(seconds)
    return os.getpid()


def crashing(_payload, _report):
    os._exit(7)


class EngineError(Exception):
    pass


def raising(kind, _report):
    raise (EngineError if kind == "engine" else KeyError)("boom")


async def test_pool_kills_a_render_past_its_timeout_and_keeps_serving():
    pool = RenderPool(2)
    await pool.start()
    try:
        await asyncio.gather(*(pool.run(sleepy, 0, timeout=60) for _ in range(2)))  # both started
        seen = []
        started = time.monotonic()
        with pytest.raises(RenderTimeout):
            await pool.run(sleepy, 30, timeout=0.5, on_progress=seen.append)
        assert time.monotonic() - started < 5 and seen == ["started"]
        pids = await asyncio.gather(*(pool.run(sleepy, 0.01, timeout=10) for _ in range(4)))
        assert len(set(pids)) == 2 and pool.restarts == 1
    finally:
        await pool.close()


def niceness(_payload, _report):
    return os.nice(0)


async def test_pool_runs_renders_at_the_added_niceness_and_replacements_too():
    pool = RenderPool(1, nice=5)
    await pool.start()
    try:
        assert await pool.run(niceness, None, timeout=30) == min(os.nice(0) + 5, 19)
        with pytest.raises(RenderTimeout):
            await pool.run(sleepy, 30, timeout=0.2)
        assert await pool.run(niceness, None, timeout=30) == min(os.nice(0) + 5, 19)
    finally:
        await pool.close()


async def test_pool_reports_dead_process_and_errors():
    pool = RenderPool(1)
    await pool.start()
    try:
        with pytest.raises(RenderProcessDied, match="exit code 7"):
            await pool.run(crashing, None, timeout=10)
        with pytest.raises(TaskFailed) as info:
            await pool.run(raising, "engine", timeout=10)
        assert info.value.permanent and info.value.message == "boom"
        with pytest.raises(TaskFailed) as info:
            await pool.run(raising, "other", timeout=10)
        assert not info.value.permanent
        assert await pool.run(sleepy, 0, timeout=10) > 0
    finally:
        await pool.close()


async def test_pool_cancellation_kills_the_render():
    pool = RenderPool(1)
    await pool.start()
    try:
        task = asyncio.create_task(pool.run(sleepy, 30, timeout=60))
        await asyncio.sleep(1.0)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await pool.run(sleepy, 0, timeout=10) > 0
        assert time.monotonic() - started < 5
    finally:
        await pool.close()


async def test_a_second_cancel_while_the_process_is_replaced_does_not_lose_the_slot():
    """An operator's cancel and the lease check can both cancel a job's task: the second one
    arrives while the pool replaces the killed process, and the pool must keep its slot."""
    pool = RenderPool(1)
    await pool.start()
    try:
        task = asyncio.create_task(pool.run(sleepy, 30, timeout=60))
        await asyncio.sleep(1.0)
        while not task.done():  # cancel again and again until the task has ended
            task.cancel()
            await asyncio.sleep(0.001)
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.wait_for(pool.run(sleepy, 0, timeout=10), 20) > 0
        assert pool.restarts == 1
    finally:
        await pool.close()


def test_mix_warm_up_renders_and_leaves_no_files(tmp_path, monkeypatch):
    """The pool's warm-up really renders a mix (a broken warm-up would only log at start)."""
    import tempfile

    from listener.jobs.mix import warm_up_mix_in_process
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    warm_up_mix_in_process()
    assert list(tmp_path.iterdir()) == []


def remember_warm_up(path, _report):
    with open(path, "a") as f:
        f.write(f"{os.getpid()}\n")


async def test_a_replacement_process_is_warmed_up_before_its_first_render(tmp_path):
    """The pool's warm-up runs in the processes it starts with and in every process that
    replaces a killed one, before that process takes its first render."""
    warmed = tmp_path / "warmed"
    pool = RenderPool(1)
    await pool.start()
    try:
        await pool.warm_up(remember_warm_up, str(warmed))
        first = await pool.run(sleepy, 0, timeout=10)
        with pytest.raises(RenderTimeout):
            await pool.run(sleepy, 30, timeout=0.2)
        second = await pool.run(sleepy, 0, timeout=30)
        assert second != first and pool.restarts == 1
        assert warmed.read_text().split() == [str(first), str(second)]
    finally:
        await pool.close()
