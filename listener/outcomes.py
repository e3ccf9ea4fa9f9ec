"""Outcome writes that finish together go to the database together.

A job's last step is one call of a set-based SQL function (complete_render_jobs,
complete_post_renders). While the worker's outcome statements are in flight
(up to MAX_CONCURRENT_JOBS at once), the outcomes of other jobs that finish queue
up; the next statement to start writes all of them. A lone job is written at once (no timer, no added latency); under a
stream of short jobs the number of round trips and transactions drops to one
per group. Each group is one transaction: every job in it is written or none is,
and a failure reaches every job of the group, which the worker then retries.
"""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Generic, Sequence, TypeVar

Item = TypeVar("Item", bound=tuple)

# Bounds one statement: its arrays, its transaction, the rows it locks.
MAX_GROUP = 100


class Coalescer(Generic[Item]):
    """Runs `write(items) -> {job_id: result}` for everything submitted while the
    earlier writes were in flight. Items are tuples whose first field is the job id.
    Up to `max_in_flight` writes run at once (each on its own pooled connection),
    so one write stuck on a lock does not hold up every other job's outcome."""

    def __init__(self, write: Callable[[Sequence[Item]], Awaitable[dict[int, Any]]],
                 max_in_flight: int = 1, max_group: int = MAX_GROUP) -> None:
        self._write = write
        self._max_in_flight = max(1, max_in_flight)
        self._max_group = max_group
        self._pending: list[tuple[Item, asyncio.Future]] = []
        self._writers = 0   # flush loops running; counted in their own steps, not by done-callbacks
        self._tasks: set[asyncio.Task] = set()  # keeps them referenced
        self.statements = 0  # how many writes ran (for tests and metrics)

    async def submit(self, item: Item) -> Any:
        """Write one job's outcome; returns what the SQL function answered for it.
        A caller cancelled while waiting does not take its item out: the write
        that already includes it goes on for the others."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._writers < self._max_in_flight:
            # A loop that found nothing left has already counted itself out, even if
            # its task has not finished yet: an item added now always has a writer.
            self._writers += 1
            task = asyncio.create_task(self._flush(), name="outcome-writes")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _flush(self) -> None:
        try:
            await self._write_pending()
        finally:
            self._writers -= 1

    async def _write_pending(self) -> None:
        while self._pending:
            group = self._pending[:self._max_group]
            del self._pending[:self._max_group]
            try:
                self.statements += 1
                results = await self._write([item for item, _ in group])
            except BaseException as exc:  # every job of the group sees the failure
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for item, future in group:
                if not future.done():
                    future.set_result(results[item[0]])


class OutcomeWriter:
    """The worker's two outcome statements, each coalesced."""

    def __init__(self, worker_id: str, fetch: Callable[..., Awaitable[list]],
                 max_in_flight: int = 1) -> None:
        """`fetch(query_name, *args)` runs a named query (retried while the
        database is unreachable) and returns its rows."""
        self._worker_id = worker_id
        self._fetch = fetch
        self.jobs: Coalescer[tuple[int, str]] = Coalescer(self._complete_jobs, max_in_flight)
        self.posts: Coalescer[tuple[int, str, str, int, str]] = Coalescer(
            self._complete_posts, max_in_flight)

    async def complete_job(self, job_id: int, result_json: str) -> str:
        """A job without a post (a mix): 'done', or 'lost' when the lease is not ours."""
        return await self.jobs.submit((job_id, result_json))

    async def complete_post(self, job_id: int, signature: str, url: str, duration: int,
                            result_json: str) -> tuple[str, str | None]:
        """A post's render: ('done', the URL it replaced or None), ('stale', None)
        when the post's inputs changed meanwhile, or ('lost', None)."""
        return await self.posts.submit((job_id, signature, url, duration, result_json))

    async def _complete_jobs(self, items: Sequence[tuple[int, str]]) -> dict[int, str]:
        rows = await self._fetch("complete_jobs", self._worker_id,
                                 [i[0] for i in items], [i[1] for i in items])
        return {r["job_id"]: r["outcome"] for r in rows}

    async def _complete_posts(self, items: Sequence[tuple[int, str, str, int, str]]) -> dict:
        columns = list(zip(*items))
        rows = await self._fetch("complete_post_renders", self._worker_id,
                                 *[list(c) for c in columns])
        return {r["job_id"]: (r["outcome"], r["replaced_url"]) for r in rows}
