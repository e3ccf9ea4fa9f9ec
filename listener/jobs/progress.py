"""A job's progress as one percentage over weighted stages, written throttled and in order.

Each job kind names its stages and how much of the whole each takes (rendering
a long song dwarfs uploading it). The percentage is what an operator sees in
`render_jobs.progress` and on the `render_progress` channel; writes go out at
most a few times a second, always the newest value, one at a time so the
events of a job never overtake each other.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable

log = logging.getLogger(__name__)


class Stages:
    """Ordered stages with weights: stage `s` at fraction `f` is the weights of
    the stages before it plus `f` of its own, as a percentage of the total."""

    def __init__(self, *weights: tuple[str, float]):
        total = sum(w for _, w in weights)
        self._start: dict[str, float] = {}
        self._span: dict[str, float] = {}
        done = 0.0
        for name, weight in weights:
            self._start[name] = 100.0 * done / total
            self._span[name] = 100.0 * weight / total
            done += weight

    @property
    def names(self) -> list[str]:
        return list(self._start)

    def percent(self, stage: str, fraction: float) -> int:
        if stage not in self._start:
            raise KeyError(f"unknown stage {stage!r}: expected one of {', '.join(self._start)}")
        fraction = min(max(float(fraction), 0.0), 1.0)
        return min(99, int(self._start[stage] + fraction * self._span[stage]))


Writer = Callable[[str, int], Awaitable[None]]


class ProgressReporter:
    """Turns (stage, fraction) reports into throttled, ordered writes.

    `report` is synchronous (the render pool calls it from its reader callback);
    a single writer task sends the newest value at most once per `interval`
    within a stage, and the first value of a new stage at once (a job has a
    handful of stages, and each is worth seeing). `close` sends what is still
    pending, so the last stage is recorded before the job's outcome is.
    """

    def __init__(self, stages: Stages, write: Writer, interval: float = 0.25):
        self.stages = stages
        self._write = write
        self._interval = interval
        self._pending: tuple[str, int] | None = None
        self._last: tuple[str, int] = ("claimed", 0)
        self._wake = asyncio.Event()
        self._closing = asyncio.Event()
        self._hurry = asyncio.Event()   # ends a throttle pause: a new stage, or close
        self._task = asyncio.get_running_loop().create_task(self._run(), name="progress")

    def report(self, stage: str, fraction: float = 0.0) -> None:
        percent = self.stages.percent(stage, fraction)
        newest = self._pending or self._last
        if percent < newest[1] or (stage, percent) == newest:
            return
        self._pending = (stage, percent)
        self._wake.set()
        if stage != self._last[0]:
            self._hurry.set()

    def on_pool_progress(self, value) -> None:
        """What a pool task sends with `report(...)`: a fraction of the
        rendering stage, or a (stage, fraction) pair."""
        if isinstance(value, (tuple, list)) and len(value) == 2:
            self.report(str(value[0]), float(value[1]))
        elif isinstance(value, (int, float)):
            self.report("rendering", float(value))

    async def _run(self) -> None:
        while True:
            if self._pending is None:
                if self._closing.is_set():
                    return
                await self._wake.wait()
                self._wake.clear()
                continue
            stage, percent = self._last = self._pending
            self._pending = None
            self._hurry.clear()
            started = time.monotonic()
            try:
                await self._write(stage, percent)
            except Exception as exc:  # progress is advisory: never fail a job for it
                log.debug("progress write skipped: %s", exc)
            pause = self._interval - (time.monotonic() - started)
            if pause > 0 and not self._hurry.is_set():
                try:
                    await asyncio.wait_for(self._hurry.wait(), pause)
                except asyncio.TimeoutError:
                    pass

    async def close(self) -> None:
        """Write what is pending, then stop."""
        self._closing.set()
        self._hurry.set()
        self._wake.set()
        try:
            await self._task
        except asyncio.CancelledError:
            if not self._task.cancelled():
                raise

    def cancel(self) -> None:
        self._task.cancel()
