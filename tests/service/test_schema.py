"""The schema's triggers and functions, driven through SQL as apps do."""
from __future__ import annotations

import asyncio

import asyncpg
import pytest

from listener.db.migrate import discover, migrate
from listener.signature import render_signature


async def jobs(db, post_id=None):
    """The post's jobs as a worker sees them: inbox rows are turned into jobs first."""
    await db.execute("SELECT materialize_post_jobs(1000)")
    if post_id is None:
        return await db.fetch("SELECT * FROM render_jobs ORDER BY id")
    return await db.fetch("SELECT * FROM render_jobs WHERE post_id = $1 ORDER BY id", post_id)


async def test_signature_sql_equals_python(db):
    cases = [
        ("t*(t>>5|t>>8)", "uint8", 8000, 120),
        ("", "float", 44100, 1),
        ("sin(t/10)\n// é ü 音\n", "func", 48000, 30),
        ("a=1;b=2", "bad\nmode", 1, 3600),
        ("'quoted' \\ back", "int8", 22050, 7),
    ]
    for expression, mode, rate, duration in cases:
        sql = await db.fetchval("SELECT render_signature($1, $2, $3, $4)",
                                expression, mode, rate, duration)
        assert sql == render_signature(expression, mode, rate, duration)
    assert len({render_signature(*c) for c in cases}) == len(cases)


async def test_post_signature_uses_default_duration(db):
    await db.execute("SELECT set_default_render_duration(120)")
    post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
    assert await db.fetchval("SELECT signature FROM render_jobs WHERE post_id = $1", post_id) is None
    [claimed] = await db.fetch("SELECT * FROM claim_render_jobs('w', 1, 30, '{bytebeat}')")
    assert claimed["signature"] == render_signature("t", "uint8", 8000, 120) and claimed["duration"] == 120
    assert (await jobs(db, post_id))[0]["signature"] == claimed["signature"]
    await db.execute("UPDATE posts SET prerender_duration = 120 WHERE id = $1", post_id)
    assert len(await jobs(db, post_id)) == 1, "same effective duration: same signature, no job"


async def test_insert_enqueues_and_notifies_once_per_statement(database, db):
    listener = await asyncpg.connect(database)
    got = []
    await listener.add_listener("render_jobs", lambda *a: got.append(a[3]))
    await db.execute("INSERT INTO posts (expression) SELECT 't*' || g FROM generate_series(1, 50) g")
    await asyncio.sleep(0.2)
    await listener.close()
    assert got == [""], "one empty notification for the whole statement"
    assert await db.fetchval("SELECT count(*) FROM render_inbox") == 1, "one inbox row, not 50 job rows"
    assert await db.fetchval("SELECT count(*) FROM render_jobs") == 0
    claimed = await db.fetch("SELECT * FROM claim_render_jobs('w', 100, 30, '{bytebeat}')")
    assert len(claimed) == 50 and len({r["post_id"] for r in claimed}) == 50
    assert await db.fetchval("SELECT count(*) FROM render_inbox") == 0


async def test_many_statements_in_one_transaction_notify_once(database, db):
    listener = await asyncpg.connect(database)
    got = []
    await listener.add_listener("render_jobs", lambda *a: got.append(a[3]))
    async with db.transaction():
        for i in range(20):
            await db.execute("INSERT INTO posts (expression) VALUES ($1)", f"t*{i}")
    await asyncio.sleep(0.2)
    await listener.close()
    assert got == [""], "the wake-up is checked once per transaction"
    assert len(await jobs(db)) == 20


async def test_inbox_ranges_never_requeue_other_posts(db):
    """An inbox row is a range of ids; the posts inside it that are not new (rendered,
    failed, drafts, with a job already) get nothing."""
    await db.execute("INSERT INTO posts (id, expression, is_draft) VALUES (2, 'draft', true)")
    await db.execute("INSERT INTO posts (id, expression) VALUES (3, 'will fail')")
    [job] = await db.fetch("SELECT * FROM claim_render_jobs('w', 5, 30, '{bytebeat}')")
    assert await db.fetchval("SELECT fail_render_job($1, 'w', 'broken')", job["job_id"])
    await db.execute("INSERT INTO posts (id, expression) VALUES (4, 'done')")
    [job] = await db.fetch("SELECT * FROM claim_render_jobs('w', 5, 30, '{bytebeat}')")
    await db.execute("SELECT * FROM complete_post_render($1, 'w', $2, 'u', $3, '{}')",
                     job["job_id"], job["signature"], job["duration"])
    await db.execute("INSERT INTO posts (id, expression) VALUES (1, 'new'), (5, 'new too')")
    claimed = await db.fetch("SELECT * FROM claim_render_jobs('w', 10, 30, '{bytebeat}')")
    assert sorted(r["post_id"] for r in claimed) == [1, 5]
    assert [j["state"] for j in await jobs(db, 3)] == ["failed"]
    assert [j["state"] for j in await jobs(db, 4)] == ["done"]
    assert await jobs(db, 2) == []


async def test_rolled_back_insert_leaves_nothing(db):
    with pytest.raises(asyncpg.UniqueViolationError):
        async with db.transaction():
            await db.execute("INSERT INTO posts (id, expression) VALUES (7, 't')")
            await db.execute("INSERT INTO posts (id, expression) VALUES (7, 't')")
    assert await db.fetchval("SELECT count(*) FROM render_inbox") == 0
    post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
    assert [j["post_id"] for j in await jobs(db)] == [post_id]


async def test_draft_then_publish(db):
    post_id = await db.fetchval("INSERT INTO posts (expression, is_draft) VALUES ('t', true) RETURNING id")
    assert await jobs(db, post_id) == []
    await db.execute("UPDATE posts SET expression = 't>>1' WHERE id = $1", post_id)
    assert await jobs(db, post_id) == []
    await db.execute("UPDATE posts SET is_draft = false WHERE id = $1", post_id)
    assert [j["state"] for j in await jobs(db, post_id)] == ["queued"]


async def test_title_edit_enqueues_nothing(db):
    post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
    await db.execute("UPDATE posts SET title = 'new title' WHERE id = $1", post_id)
    await db.execute("UPDATE posts SET sample_url = 'x', render_error = NULL WHERE id = $1", post_id)
    assert len(await jobs(db, post_id)) == 1


async def test_edit_cancels_queued_job_of_old_inputs(db):
    post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
    await db.execute("UPDATE posts SET expression = 't*2' WHERE id = $1", post_id)
    await db.execute("UPDATE posts SET expression = 't*3' WHERE id = $1", post_id)
    states = [(j["state"], j["signature"]) for j in await jobs(db, post_id)]
    assert [s for s, _ in states] == ["cancelled", "queued"], "the insert's inbox row makes no job"
    assert states[-1][1] == render_signature("t*3", "uint8", 8000, 120)


async def test_rerender_request_and_no_duplicates(db):
    post_id = await db.fetchval("INSERT INTO posts (expression) VALUES ('t') RETURNING id")
    # Asking again while a job for the same inputs is queued adds nothing.
    await db.execute("UPDATE posts SET pre_rendered = false WHERE id = $1", post_id)
    assert len(await jobs(db, post_id)) == 1
    # A finished render, then pre_rendered = false: a new job.
    await db.execute("UPDATE render_jobs SET state = 'done' WHERE post_id = $1", post_id)
    sig = render_signature("t", "uint8", 8000, 120)
    await db.execute("UPDATE posts SET pre_rendered = true, sample_url = 'u', prerender_signature = $2"
                     " WHERE id = $1", post_id, sig)
    assert len(await jobs(db, post_id)) == 1, "the worker's own result write enqueues nothing"
    await db.execute("UPDATE posts SET pre_rendered = false WHERE id = $1", post_id)
    assert [j["state"] for j in await jobs(db, post_id)] == ["done", "queued"]


async def test_input_change_clears_pre_rendered_and_revert_restores_it(db):
    sig = render_signature("t", "uint8", 8000, 120)
    post_id = await db.fetchval(
        "INSERT INTO posts (expression, pre_rendered, sample_url, prerender_signature)"
        " VALUES ('t', true, 'u', $1) RETURNING id", sig)
    assert await jobs(db, post_id) == [], "already rendered for these inputs"
    await db.execute("UPDATE posts SET expression = 't*2' WHERE id = $1", post_id)
    assert await db.fetchval("SELECT pre_rendered FROM posts WHERE id = $1", post_id) is False
    await db.execute("UPDATE posts SET expression = 't' WHERE id = $1", post_id)
    assert await db.fetchval("SELECT pre_rendered FROM posts WHERE id = $1", post_id) is True
    assert [j["state"] for j in await jobs(db, post_id)] == ["cancelled"]


async def test_claim_skip_locked_and_complete_only_if_current(db):
    await db.execute("INSERT INTO posts (expression) SELECT 't' || g FROM generate_series(1, 3) g")
    a = await db.fetch("SELECT * FROM claim_render_jobs('a', 2, 30, '{bytebeat}')")
    b = await db.fetch("SELECT * FROM claim_render_jobs('b', 5, 30, '{bytebeat}')")
    assert len(a) == 2 and len(b) == 1
    assert {r["job_id"] for r in a}.isdisjoint({r["job_id"] for r in b})
    job = a[0]
    await db.execute("UPDATE posts SET expression = 'changed' WHERE id = $1", job["post_id"])
    row = await db.fetchrow("SELECT * FROM complete_post_render($1, 'a', $2, 'url', $3, '{}')",
                            job["job_id"], job["signature"], job["duration"])
    assert row["outcome"] == "stale"
    post = await db.fetchrow("SELECT * FROM posts WHERE id = $1", job["post_id"])
    assert post["pre_rendered"] is False and post["sample_url"] is None
    job2 = a[1]
    row = await db.fetchrow("SELECT * FROM complete_post_render($1, 'b', $2, 'url', $3, '{}')",
                            job2["job_id"], job2["signature"], job2["duration"])
    assert row["outcome"] == "lost", "only the lease owner completes"
    row = await db.fetchrow("SELECT * FROM complete_post_render($1, 'a', $2, 'url2', $3, '{}')",
                            job2["job_id"], job2["signature"], job2["duration"])
    assert row["outcome"] == "done"
    post = await db.fetchrow("SELECT * FROM posts WHERE id = $1", job2["post_id"])
    assert post["pre_rendered"] and post["sample_url"] == "url2"
    assert post["prerender_signature"] == job2["signature"] and post["prerender_duration"] == 120


async def test_expired_lease_requeues_then_fails(db):
    await db.execute("INSERT INTO posts (expression) VALUES ('t')")
    for attempt in (1, 2):
        [job] = await db.fetch("SELECT * FROM claim_render_jobs('w', 1, 0.01, '{bytebeat}')")
        assert job["attempts"] == attempt
        await asyncio.sleep(0.05)
        assert await db.fetchval("SELECT requeue_expired_render_jobs(2)") == 1
    state, error = await db.fetchrow("SELECT state, error FROM render_jobs")
    assert state == "failed" and "stopped renewing its lease" in error
    assert "gave up after 2 attempts" in await db.fetchval("SELECT render_error FROM posts")


async def test_migrations_are_idempotent_and_concurrent(server_url):
    from tests.conftest import with_database
    import uuid

    name = f"m_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = with_database(server_url, name)
        conns = [await asyncpg.connect(url) for _ in range(4)]
        results = await asyncio.gather(*(migrate(c) for c in conns))
        applied = sorted(v for r in results for v in r)
        assert applied == [m.version for m in discover()], "each migration applied exactly once"
        assert await migrate(conns[0]) == []
        count = await conns[0].fetchval("SELECT count(*) FROM schema_migrations")
        assert count == len(discover())
        for c in conns:
            await c.close()
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def test_direct_jobs_complete_with_their_result(db):
    job_id = await db.fetchval("INSERT INTO render_jobs (kind, spec) VALUES ('noop', '{}') RETURNING id")
    assert await db.fetch("SELECT * FROM claim_render_jobs('w', 5, 30, '{bytebeat}')") == []
    [job] = await db.fetch("SELECT * FROM claim_render_jobs('w', 5, 30, '{noop}')")
    assert job["job_id"] == job_id and job["post_id"] is None
    rows = await db.fetch("SELECT * FROM complete_render_jobs('other', $1, $2)", [job_id], ["{}"])
    assert [tuple(r) for r in rows] == [(job_id, "lost")]
    rows = await db.fetch("SELECT * FROM complete_render_jobs('w', $1, $2)", [job_id], ['{"ok": 1}'])
    assert [tuple(r) for r in rows] == [(job_id, "done")]
    state, result = await db.fetchrow("SELECT state, result FROM render_jobs WHERE id = $1", job_id)
    assert state == "done" and result == '{"ok": 1}'


@pytest.mark.parametrize("kinds", [["mix"], ["bytebeat"]])
async def test_a_claim_reads_a_few_rows_however_many_are_queued(db, kinds):
    """A burst of jobs into a table without statistics (new, or far beyond the last
    ANALYZE): the claim still walks the claimable index in order and stops after its
    limit, instead of reading every queued job and sorting them."""
    await db.execute("INSERT INTO render_jobs (kind, spec) SELECT $1, '{}' FROM generate_series(1, 20000)",
                     kinds[0])
    async with db.transaction():
        rows = await db.fetch("SELECT * FROM claim_render_jobs('w', 10, 30, $1)", kinds)
        read = await db.fetchval(
            "SELECT pg_stat_get_xact_tuples_fetched('render_jobs'::regclass)"
            " + pg_stat_get_xact_tuples_returned('render_jobs'::regclass)")
    assert [r["job_id"] for r in rows] == list(range(1, 11))
    assert read < 200, f"the claim of 10 jobs read {read} rows of render_jobs"


async def test_a_post_an_app_holds_for_update_does_not_hold_up_the_claim(db, database):
    """The claim turns inbox rows into jobs; a post locked by an open app transaction
    is left for a later claim instead of making every claim wait for that app."""
    locked, free = [r["id"] for r in await db.fetch(
        "INSERT INTO posts (expression) VALUES ('t'), ('t*2') RETURNING id")]
    app = await asyncpg.connect(database)
    try:
        tx = app.transaction()
        await tx.start()
        await app.execute("SELECT 1 FROM posts WHERE id = $1 FOR UPDATE", locked)
        rows = await asyncio.wait_for(
            db.fetch("SELECT * FROM claim_render_jobs('w', 5, 30, '{bytebeat}')"), 5)
        assert [r["post_id"] for r in rows] == [free]
        assert await db.fetchval("SELECT count(*) FROM render_inbox") == 1, "kept for later"
        await tx.rollback()
    finally:
        await app.close()
    rows = await db.fetch("SELECT * FROM claim_render_jobs('w', 5, 30, '{bytebeat}')")
    assert [r["post_id"] for r in rows] == [locked]
    assert await db.fetchval("SELECT count(*) FROM render_inbox") == 0
