"""The interface between the worker and a kind of job.

The worker claims rows, keeps leases, listens for cancels and turns exceptions
into outcomes (permanent error: failed; transient: retried later). A job kind
only says what its stages are and how one claimed row becomes a result: it
renders in the pool, uploads through `JobContext.upload`, and writes its
outcome with the context's database calls.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Protocol

from listener.config import Settings
from listener.jobs.progress import ProgressReporter, Stages
from listener.metrics import WorkerMetrics
from listener.outcomes import OutcomeWriter
from listener.render_pool import RenderPool
from listener.storage import Storage

log = logging.getLogger(__name__)


class JobKind(Protocol):
    name: str
    stages: Stages
    timeout_setting: str  # the setting (environment variable) that bounds one render

    def render_timeout_ms(self, settings: Settings) -> int:
        """How long one render of this kind may take before its process is killed."""
        ...

    async def run(self, row, ctx: "JobContext") -> str:
        """Run one claimed job to its end; returns the outcome written to the
        database: 'done', 'stale' (result discarded) or 'lost' (lease lost)."""
        ...


def operator_cancelled() -> bool:
    """Whether the current job task is being stopped because an operator cancelled the job."""
    task = asyncio.current_task()
    return bool(getattr(task, "cancel_requested", False))


def enter_finishing() -> None:
    """From here on the job writes its outcome: a cancel arriving now must not
    interrupt it (the SQL functions see the cancelled state and refuse to
    overwrite it)."""
    task = asyncio.current_task()
    task.finishing = True  # type: ignore[union-attr]


@dataclass
class JobContext:
    """What a job kind gets from the worker for one claimed job."""
    settings: Settings
    worker_id: str
    pool: RenderPool
    storage: Storage
    staging_dir: Path
    metrics: WorkerMetrics
    progress: ProgressReporter
    db_value: Callable[..., Awaitable[Any]]   # a named query's single value, retried
    outcomes: OutcomeWriter                   # the last write of a job, grouped with others'
    sample_url: Callable[[str], str]
    render_timeout_s: float                   # this kind's limit for one render
    slot_freed: Callable[[], None] = lambda: None  # the job no longer needs a render slot

    async def render(self, fn: Callable, payload: Any) -> Any:
        """Run `fn(payload, report)` in the pool under the kind's render timeout
        (the engine checks it between blocks; the pool kills the process a second
        later); its reports feed the progress."""
        started = time.perf_counter()
        result = await self.pool.run(fn, payload, timeout=self.render_timeout_s + 1.0,
                                     on_progress=self.progress.on_pool_progress)
        self.metrics.render_seconds.observe(time.perf_counter() - started)
        return result

    async def upload(self, key: str, path: Path) -> str:
        """Store one file; returns its URL. Stopped by an operator's cancel, it
        deletes what it may have stored (unless something already points at it)."""
        started = time.perf_counter()
        try:
            await self.storage.put_file(key, path)
        except asyncio.CancelledError:
            if operator_cancelled():
                await self.discard(key)
            raise
        self.metrics.upload_seconds.observe(time.perf_counter() - started)
        return self.sample_url(key)

    async def discard(self, key: str) -> None:
        """Delete an object this job stored, unless a post points at it."""
        try:
            if not await self.db_value("url_is_referenced", self.sample_url(key)):
                await self.storage.delete(key)
        except Exception as exc:  # a leftover object is harmless; gc removes it
            log.warning("could not delete %s: %s", key, exc)

    async def finish(self) -> None:
        """Record the last progress, then protect the outcome write from cancels."""
        self.progress.report("finishing")
        await self.progress.close()
        enter_finishing()
        self.slot_freed()
