"""Job events for Server-Sent Events clients: one LISTEN, fanned out to every client.

The `render_progress` channel (sent by a trigger on every change of a job's
state, stage or progress) is heard on one connection per service. Each event
gets an id and goes into a bounded ring, so a client that reconnects with
`Last-Event-ID` is sent what it missed, and into every subscriber's bounded
queue; a subscriber whose queue is full is dropped (it reconnects and
replays), so a slow client never holds up the others or the worker.
"""
from __future__ import annotations

import asyncio
import collections
import logging
import time
from typing import Any

import asyncpg
import orjson

from listener.db.queries import QUERIES
from listener.notifications import NotificationListener

log = logging.getLogger(__name__)

PROGRESS_CHANNEL = "render_progress"


def job_json(row) -> dict[str, Any]:
    """A job row (list_jobs/job_by_id) as the JSON object of /api/jobs and of events."""
    out = dict(row)
    for key in ("created_at", "started_at", "finished_at"):
        if out.get(key) is not None:
            out[key] = out[key].isoformat()
    if isinstance(out.get("result"), str):
        out["result"] = orjson.loads(out["result"])
    return out


class Subscriber:
    """One SSE client's bounded queue; None in it (or `ended`) ends the stream."""

    def __init__(self, size: int):
        self.queue: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue(size)
        self.ended = False

    def end(self) -> None:
        self.ended = True
        try:
            self.queue.put_nowait(None)
        except asyncio.QueueFull:
            pass  # the stream checks `ended` before each write


class EventHub:
    def __init__(self, dsn: str, db: asyncpg.Pool, ring_size: int = 1000, queue_size: int = 256,
                 application_name: str = "bytebeat-events"):
        self.db = db
        self.listener = NotificationListener(dsn, [PROGRESS_CHANNEL], self._on_notify,
                                             self._on_connect, application_name=application_name[:63],
                                             subscribe_sql=QUERIES["subscribe_progress"])
        self.ring: collections.deque[tuple[int, bytes]] = collections.deque(maxlen=ring_size)
        self.queue_size = queue_size
        self.subscribers: set[Subscriber] = set()
        self.dropped = 0
        # Ids start at the boot time in microseconds, so a restarted service's ids
        # are above any its clients saw before (their Last-Event-ID replays everything).
        self._next_id = int(time.time() * 1_000_000)
        self._inbox: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []

    async def start(self, wait_seconds: float = 5.0) -> None:
        """Start listening; wait (a little) until subscribed, so the worker's first
        claims are already published (writers look for subscribers once a second)."""
        self._tasks = [asyncio.create_task(self.listener.run(), name="events-listen"),
                       asyncio.create_task(self._pump(), name="events-pump")]
        try:
            await asyncio.wait_for(self.listener.first_connect.wait(), wait_seconds)
        except asyncio.TimeoutError:
            log.warning("event hub not connected after %.0f s; /events starts empty", wait_seconds)

    async def close(self) -> None:
        await self.listener.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.end_streams()

    def end_streams(self) -> None:
        for sub in list(self.subscribers):
            sub.end()
        self.subscribers.clear()

    def _on_connect(self) -> None:
        pass  # events sent while disconnected are lost; the dashboard reloads /api/jobs

    def _on_notify(self, _channel: str, payload: str) -> None:
        self._inbox.put_nowait(payload)

    async def _pump(self) -> None:
        """Turn notifications into events, in the order they arrived."""
        while True:
            payload = await self._inbox.get()
            try:
                notes = orjson.loads(payload)  # the jobs one statement changed
                events = [await self._event(note) for note in notes]
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("ignoring malformed %s payload %r: %s", PROGRESS_CHANNEL, payload, exc)
                continue
            for event in events:
                self.publish(event)

    async def _event(self, note: dict) -> dict:
        """A progress note while running; the whole job (error, result URLs, title)
        when its state changes to anything else."""
        if note["state"] != "running":
            try:
                row = await self.db.fetchrow(QUERIES["job_by_id"], note["job_id"])
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("job %s: event sent without details: %s", note["job_id"], exc)
                row = None
            if row is not None:
                return {**job_json(row), "state": note["state"], "stage": note["stage"],
                        "progress": note["progress"]}
        return {"id": note["job_id"], "kind": note["kind"], "post_id": note["post_id"],
                "state": note["state"], "stage": note["stage"], "progress": note["progress"],
                "error": None, "audio_url": None, "waveform_url": None}

    def publish(self, event: dict) -> None:
        self._next_id += 1
        item = (self._next_id, orjson.dumps(event))
        self.ring.append(item)
        for sub in list(self.subscribers):
            try:
                sub.queue.put_nowait(item)
            except asyncio.QueueFull:
                self.dropped += 1
                self.subscribers.discard(sub)
                sub.end()

    def subscribe(self, last_event_id: int | None) -> tuple[Subscriber, list[tuple[int, bytes]]]:
        """A new subscriber and the ring's events after `last_event_id` (none
        when it is None: a first connection sees only new events)."""
        sub = Subscriber(self.queue_size)
        self.subscribers.add(sub)
        backlog = [] if last_event_id is None else [e for e in self.ring if e[0] > last_event_id]
        return sub, backlog

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
