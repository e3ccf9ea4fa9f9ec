"""The compiled tier's disk cache stays within its size limit and evicts the least
recently used machine code first."""
from __future__ import annotations

import os
import time
from types import SimpleNamespace

from engine.compiled.objcache import ObjectCache, default_max_bytes, module_key


def module(i: int) -> SimpleNamespace:
    return SimpleNamespace(name=module_key(f"; module {i}", True))


def test_least_recently_used_object_files_go_first_when_over_the_limit(tmp_path):
    cache = ObjectCache(tmp_path, max_bytes=10_000)
    blob = b"\x7fELF" + bytes(2_000)
    for i in range(4):
        cache.put(module(i), blob)
        past = time.time() - 100 + i
        os.utime(cache._path(module(i).name), (past, past))
    assert cache.get(module(0)) == blob  # a hit makes module 0 the most recently used
    cache.put(module(4), blob)           # 5 files of ~2 kB: over 10 kB, trimmed to 7.5 kB
    kept = {i for i in range(5) if cache.load(module(i).name) is not None}
    assert kept == {0, 3, 4}, kept
    assert cache.evicted == 2
    assert sum(p.stat().st_size for p in tmp_path.glob("*.o")) <= 7_500


def test_the_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("ENGINE_CACHE_MAX_MB", "3")
    assert default_max_bytes() == 3 * 1024 * 1024
    monkeypatch.setenv("ENGINE_CACHE_MAX_MB", "lots")
    assert default_max_bytes() == 256 * 1024 * 1024


def test_the_engines_own_modules_are_kept_apart_from_songs_kernels(tmp_path):
    kernels, engine_part = tmp_path / "kernels", tmp_path / "engine"
    cache = ObjectCache(kernels, max_bytes=10_000, engine_directory=engine_part)
    mapping = SimpleNamespace(name=module_key("; mapping", True, engine_part=True))
    song = module(1)
    assert mapping.name != module_key("; mapping", True)
    cache.put(mapping, b"mapping code")
    cache.put(song, b"song code")
    assert [p.parent for p in tmp_path.rglob("*.o")].count(engine_part) == 1
    assert ObjectCache(tmp_path / "new kernels", engine_directory=engine_part).load(mapping.name) == b"mapping code"


def test_a_read_only_engine_directory_keeps_its_modules_with_the_kernels(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    cache = ObjectCache(tmp_path / "kernels", engine_directory=blocked / "engine")
    mapping = SimpleNamespace(name=module_key("; mapping", True, engine_part=True))
    cache.put(mapping, b"mapping code")
    assert (tmp_path / "kernels" / f"{mapping.name}.o").is_file()
    assert cache.get(mapping) == b"mapping code"
