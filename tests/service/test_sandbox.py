"""Hostile songs through the real service: each job fails cleanly with a message
that says why, and the render processes go on serving the next song."""
from __future__ import annotations

import pytest

from tests.service.harness import ServiceProcess, wait_for
from tests.service.test_render_loop import rendered

HOSTILE = {
    # the compiled tier takes this one and stops it by its loop guard (or, on a loaded
    # machine, the render deadline comes first)
    "infinite loop": ("(()=>{for(;;);})()", ("loop iterations", "timed out")),
    "infinite loop in V8": ("(function*(){})(), (()=>{for(;;);})()", "timed out"),
    # memory bombs are stopped by the memory limit, or by the time limit when they grow slowly
    "memory bomb": ("(globalThis.m??=[]).push(new Float64Array(1e7).fill(t)),t", ("memory limit", "timed out")),
    # each sample recurses to V8's limit: the render may also run out of time first
    "deep recursion": ("(f=x=>f(x+1))(t)", ("Maximum call stack size exceeded", "timed out")),
    "huge string": ("(()=>{let s='x';for(;;)s+=s})()", ("Invalid string length", "timed out")),
    "import()": ("import('fs')", "produced no sound"),
    "fetch": ("fetch('http://127.0.0.1:9/')", "fetch is not defined"),
    "require": ("require('child_process')", "require is not defined"),
    "process": ("process.exit(1)", "process is not defined"),
    "Deno": ("Deno.exit(1)", "Deno is not defined"),
    "WebAssembly": ("(globalThis.w??=[]).push(new WebAssembly.Memory({initial:4000})),t",
                    ("memory limit", "timed out")),
    "constructor chain": ("t.constructor.constructor('return process')().exit()", "process is not defined"),
    "prototype escape": ("({}).__proto__.constructor.constructor('return this')().process.exit()",
                         "Cannot read properties of undefined"),
}


async def test_hostile_songs_fail_cleanly_and_the_pool_keeps_serving(database, db, tmp_path):
    svc = await ServiceProcess(database, tmp_path, "w1", RENDER_TIMEOUT_MS="4000", RENDER_DURATION="2",
                               RENDER_MEMORY_MB="128",
                               MAX_CONCURRENT_JOBS="2", RENDER_PROCESSES="2").start()
    try:
        ids = {}
        for name, (code, _) in HOSTILE.items():
            ids[name] = await db.fetchval("INSERT INTO posts (title, expression) VALUES ($1, $2) RETURNING id",
                                          name, code)

        async def all_finished():
            n = await db.fetchval("SELECT count(*) FROM render_jobs WHERE state IN ('failed', 'done')")
            return n == len(ids)
        await wait_for(all_finished, timeout=180)
        for name, (code, expected) in HOSTILE.items():
            job = await db.fetchrow("SELECT state, error, attempts FROM render_jobs WHERE post_id = $1", ids[name])
            post = await db.fetchrow("SELECT pre_rendered, render_error FROM posts WHERE id = $1", ids[name])
            assert job["state"] == "failed", (name, job)
            accepted = (expected,) if isinstance(expected, str) else expected
            assert any(text in job["error"] for text in accepted), (name, job["error"])
            assert job["attempts"] == 1, (name, job["error"])
            assert post["render_error"] == job["error"] and not post["pre_rendered"]
        # The same render processes still render an ordinary song, exactly.
        fine = await db.fetchval("INSERT INTO posts (expression) VALUES ('t*(t>>5|t>>8)') RETURNING id")
        await rendered(db, fine, timeout=30)
        assert "Traceback" not in svc.log()
    finally:
        svc.close()
