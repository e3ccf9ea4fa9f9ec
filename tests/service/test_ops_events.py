"""The progress channel and /events against the real service: a long render's
events arrive in order from 0 to 100, and a reconnect with Last-Event-ID
replays what was missed."""
from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import asyncpg
import pytest

from listener.api import HEARTBEAT_SECONDS
from listener.events import EventHub
from tests.service.harness import ServiceProcess
from tests.service.ops_client import SseStream

# Outside the compiled subset (a call of .map), so the V8 tier renders it: 30 s at
# 44.1 kHz takes a few seconds, long enough for several progress updates.
# V8 tier (a generator keeps it out of the compiled tier); a few seconds of work for 30 s.
SLOW_SONG = ("(function*(){})(), Math.sin(t/10+[1,2,3].map(x=>x*t)[1])*0.5"
             "+0*(()=>{let s=0;for(let i=0;i<1000;i++)s+=i;return s})()")


@pytest.fixture
async def service(database, tmp_path):
    svc = ServiceProcess(database, tmp_path, "ev1", RENDER_DURATION="1")
    await svc.start()
    yield svc
    svc.close()


async def insert_slow_song(db, seconds: int = 30) -> int:
    return await db.fetchval(
        "INSERT INTO posts (title, expression, mode, sample_rate, prerender_duration)"
        " VALUES ('slow', $1, 'float', 44100, $2) RETURNING id", SLOW_SONG, seconds)


async def events_until_done(stream: SseStream, post_id: int, timeout: float = 60.0) -> list:
    """Every event of the post's job, until its state is done."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        event = await stream.next(max(0.1, deadline - time.monotonic()))
        assert event.event == "job" and event.id is not None
        data = event.json
        if data["post_id"] == post_id:
            seen.append(event)
            if data["state"] == "done":
                return seen


async def test_progress_channel_payload_from_any_writer(database, db):
    """While someone subscribes, the trigger publishes every state change, whoever
    writes it (here: psql-style SQL): one notification per statement, a JSON array."""
    listener = await asyncpg.connect(database)
    got: asyncio.Queue = asyncio.Queue()

    def on_note(*args):
        for event in json.loads(args[3]):
            got.put_nowait(event)
    await listener.add_listener("render_progress", on_note)
    await listener.execute("SELECT render_progress_subscribe()")
    try:
        post_id = await db.fetchval("INSERT INTO posts (expression, is_draft) VALUES ('t', true) RETURNING id")
        job_id = await db.fetchval("INSERT INTO render_jobs (post_id) VALUES ($1) RETURNING id", post_id)
        await db.execute("UPDATE render_jobs SET lease_expires_at = now() WHERE id = $1", job_id)
        await db.execute("SELECT * FROM claim_render_jobs('w', 1, 30, ARRAY['bytebeat'])")
        await db.execute("SELECT set_render_progress($1, 'w', 'rendering', 40)", job_id)
        await db.execute("SELECT set_render_progress($1, 'w', 'rendering', 30)", job_id)  # never back
        await db.execute("SELECT fail_render_job($1, 'w', 'boom')", job_id)
        events = [await asyncio.wait_for(got.get(), 5) for _ in range(3)]
        assert events == [
            {"job_id": job_id, "post_id": post_id, "kind": "bytebeat", "state": "running",
             "stage": "claimed", "progress": 0},
            {"job_id": job_id, "post_id": post_id, "kind": "bytebeat", "state": "running",
             "stage": "rendering", "progress": 40},
            {"job_id": job_id, "post_id": post_id, "kind": "bytebeat", "state": "failed",
             "stage": "failed", "progress": 40},
        ]
        await asyncio.sleep(0.2)
        assert got.empty(), "an insert and a lease renewal publish nothing"
    finally:
        await listener.close()


async def test_sse_delivers_progress_in_order_and_replays_after_reconnect(service, db):
    async with aiohttp.ClientSession() as http:
        async with http.get(service.base_url + "/events") as r:
            assert r.status == 200 and r.headers["Content-Type"] == "text/event-stream"
            stream = SseStream(r)
            post_id = await insert_slow_song(db)
            events = await events_until_done(stream, post_id)

    data = [e.json for e in events]
    progress = [d["progress"] for d in data]
    assert progress[0] == 0 and data[0]["stage"] == "claimed" and data[0]["state"] == "running"
    assert progress[-1] == 100 and data[-1]["state"] == "done"
    assert progress == sorted(progress), f"progress moves forward only: {progress}"
    rendering = [d for d in data if d["stage"] == "rendering"]
    assert len(rendering) >= 3, f"several updates while rendering: {progress}"
    stages = [d["stage"] for d in data]
    order = ["claimed", "compiling", "rendering", "encoding", "uploading", "finishing", "done"]
    assert [s for s in order if s in stages] == sorted(set(stages), key=order.index)
    assert all(stages.index(a) < stages.index(b) for a, b in zip(order, order[1:])
               if a in stages and b in stages)
    ids = [int(e.id) for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    done = data[-1]
    post = await db.fetchrow("SELECT * FROM posts WHERE id = $1", post_id)
    assert done["audio_url"] == post["sample_url"] and done["error"] is None
    assert done["kind"] == "bytebeat" and done["id"] == data[0]["id"]
    assert done["title"] == "slow" and done["result"]["tier"] == "v8"

    # Reconnect as EventSource does, with the id of an event in the middle.
    middle = len(events) // 2
    async with aiohttp.ClientSession() as http:
        async with http.get(service.base_url + "/events",
                            headers={"Last-Event-ID": events[middle].id}) as r:
            replayed = await events_until_done(SseStream(r), post_id, timeout=5)
    assert [(e.id, e.json) for e in replayed] == [(e.id, e.json) for e in events[middle + 1:]]

    # A bad Last-Event-ID is refused with the reason.
    async with aiohttp.ClientSession() as http:
        async with http.get(service.base_url + "/events", headers={"Last-Event-ID": "abc"}) as r:
            assert r.status == 400
            assert (await r.json())["error"] == "Last-Event-ID: must be an event id (an integer), got 'abc'"


async def test_a_client_that_cannot_keep_up_is_dropped_not_waited_for(database):
    """Publishing never waits: a subscriber whose queue is full is dropped (its
    stream ends; EventSource reconnects with Last-Event-ID and replays from the
    ring), while one that keeps reading gets every event."""
    hub = EventHub(database, db=None, ring_size=500, queue_size=256)
    slow, _ = hub.subscribe(None)
    fast, _ = hub.subscribe(None)
    received = []
    for batch in range(3):
        for i in range(100):
            hub.publish({"id": batch * 100 + i, "state": "running"})
        while not fast.queue.empty():
            received.append(fast.queue.get_nowait())
    assert [json.loads(data)["id"] for _, data in received] == list(range(300))
    assert slow.ended and slow not in hub.subscribers and hub.dropped == 1
    assert fast in hub.subscribers and not fast.ended
    # What the dropped client missed is still in the ring for its reconnect.
    last_seen = received[255][0]
    _, backlog = hub.subscribe(last_seen)
    assert [item[0] for item in backlog] == [item[0] for item in received[256:]]


async def test_idle_stream_gets_heartbeat_comments(service):
    """A proxy closes a silent connection: an idle stream gets a comment line
    every HEARTBEAT_SECONDS (comments are ignored by EventSource)."""
    async with aiohttp.ClientSession() as http:
        async with http.get(service.base_url + "/events") as r:
            stream = SseStream(r)
            with pytest.raises(asyncio.TimeoutError):
                await stream.next(timeout=HEARTBEAT_SECONDS + 3)
    assert stream.comments == ["heartbeat"]
