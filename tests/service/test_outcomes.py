"""Outcome writes grouped: many finished jobs, one statement, against a real database."""
from __future__ import annotations

import asyncio

import asyncpg
import pytest

from listener.db.queries import QUERIES
from listener.outcomes import OutcomeWriter


@pytest.fixture
async def pool(database):
    pool = await asyncpg.create_pool(database, min_size=1, max_size=4)
    yield pool
    await pool.close()


def writer(pool, worker: str, max_in_flight: int = 1) -> OutcomeWriter:
    async def fetch(name, *args):
        return await pool.fetch(QUERIES[name], *args)
    return OutcomeWriter(worker, fetch, max_in_flight=max_in_flight)


async def claimed_posts(db, worker: str, n: int) -> list:
    await db.execute("INSERT INTO posts (expression) SELECT 't*' || g FROM generate_series(1, $1) g", n)
    return await db.fetch("SELECT * FROM claim_render_jobs($1, $2, 30, '{bytebeat}')", worker, n)


async def test_outcomes_that_finish_together_are_written_in_one_statement(db, pool):
    out = writer(pool, "w")
    ids = [await db.fetchval("INSERT INTO render_jobs (kind, spec) VALUES ('noop', '{}') RETURNING id")
           for _ in range(30)]
    assert len(await db.fetch("SELECT * FROM claim_render_jobs('w', 30, 30, '{noop}')")) == 30
    outcomes = await asyncio.gather(*(out.complete_job(i, f'{{"n": {i}}}') for i in ids))
    assert outcomes == ["done"] * 30
    assert out.jobs.statements == 1
    rows = await db.fetch("SELECT id, state, result FROM render_jobs ORDER BY id")
    assert [(r["state"], r["result"]) for r in rows] == [("done", f'{{"n": {i}}}') for i in ids]
    # A lone job is written at once, alone.
    assert await out.complete_job(ids[0], "{}") == "lost", "a finished job is not ours any more"
    assert out.jobs.statements == 2


async def test_a_group_of_post_renders_gets_each_its_own_outcome(db, pool):
    out = writer(pool, "a")
    jobs = await claimed_posts(db, "a", 4)
    done, stale, lost, replaced = jobs
    await db.execute("UPDATE posts SET expression = 'changed' WHERE id = $1", stale["post_id"])
    await db.execute("UPDATE render_jobs SET lease_owner = 'b' WHERE id = $1", lost["job_id"])
    await db.execute("UPDATE posts SET sample_url = 'old-url' WHERE id = $1", replaced["post_id"])

    def submit(job, url):
        return out.complete_post(job["job_id"], job["signature"], url, job["duration"], '{"ok": 1}')
    results = await asyncio.gather(*(submit(j, f"url-{k}") for k, j in enumerate(jobs)))
    assert results == [("done", None), ("stale", None), ("lost", None), ("done", "old-url")]
    assert out.posts.statements == 1
    posts = {r["id"]: r for r in await db.fetch("SELECT * FROM posts")}
    assert posts[done["post_id"]]["sample_url"] == "url-0" and posts[done["post_id"]]["pre_rendered"]
    assert posts[stale["post_id"]]["sample_url"] is None
    assert posts[replaced["post_id"]]["sample_url"] == "url-3"
    states = dict(await db.fetch("SELECT id, state FROM render_jobs"))
    assert [states[j["job_id"]] for j in jobs] == ["done", "cancelled", "running", "done"]


async def test_a_failed_statement_fails_every_job_of_its_group_and_writes_none(db, pool):
    out = writer(pool, "w")
    ids = [await db.fetchval("INSERT INTO render_jobs (kind, spec) VALUES ('noop', '{}') RETURNING id")
           for _ in range(3)]
    await db.fetch("SELECT * FROM claim_render_jobs('w', 3, 30, '{noop}')")
    results = await asyncio.gather(out.complete_job(ids[0], "{}"), out.complete_job(ids[1], "not json"),
                                   out.complete_job(ids[2], "{}"), return_exceptions=True)
    assert all(isinstance(r, asyncpg.InvalidTextRepresentationError) for r in results), results
    assert await db.fetchval("SELECT count(*) FROM render_jobs WHERE state = 'running'") == 3
    # The writer goes on with the next group.
    assert await asyncio.gather(out.complete_job(ids[0], "{}"), out.complete_job(ids[2], "{}")) == \
        ["done", "done"]


async def test_a_write_waiting_on_a_lock_does_not_hold_up_the_others(db, pool, database):
    """An app's transaction holding a post's row lock stalls that post's outcome
    write; with two writes in flight, the other jobs' outcomes still go through."""
    out = writer(pool, "w", max_in_flight=2)
    blocked, free = await claimed_posts(db, "w", 2)
    app = await asyncpg.connect(database)
    try:
        tx = app.transaction()
        await tx.start()
        await app.execute("SELECT 1 FROM posts WHERE id = $1 FOR UPDATE", blocked["post_id"])

        def submit(job):
            return asyncio.ensure_future(out.complete_post(
                job["job_id"], job["signature"], "url", job["duration"], "{}"))
        first = submit(blocked)
        await asyncio.sleep(0.2)
        assert not first.done(), "waits for the app's lock"
        assert await asyncio.wait_for(submit(free), 5) == ("done", None)
        await tx.rollback()
        assert await asyncio.wait_for(first, 5) == ("done", None)
    finally:
        await app.close()


async def test_a_job_finishing_just_as_a_write_returns_is_still_written(db, pool):
    """The caller of a write resumes before the writer's task has ended: an outcome
    submitted right then must start a write of its own, not wait for ever."""
    out = writer(pool, "w")
    ids = [await db.fetchval("INSERT INTO render_jobs (kind, spec) VALUES ('noop', '{}') RETURNING id")
           for _ in range(3)]
    await db.fetch("SELECT * FROM claim_render_jobs('w', 3, 30, '{noop}')")
    async def one_after_another():  # each submit runs in the previous caller's step
        return [await out.complete_job(job_id, "{}") for job_id in ids]
    assert await asyncio.wait_for(one_after_another(), 5) == ["done"] * 3
    assert out.jobs.statements == 3
