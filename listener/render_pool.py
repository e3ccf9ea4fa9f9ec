"""A pool of render processes that can kill one render without losing the pool.

`concurrent.futures.ProcessPoolExecutor` cannot stop a running task, and a
runaway song must be stopped. Each slot here is one long-lived process fed
through a pipe; the asyncio side waits on the pipe's file descriptor. On a
timeout or a cancellation the slot's process is killed and replaced, and the
other slots keep serving.

Tasks are module-level functions `fn(payload, report) -> result`; `report(x)`
sends a progress value back while the task runs.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Callable

log = logging.getLogger(__name__)


class RenderTimeout(Exception):
    """The task ran past its time limit and its process was killed."""


class RenderProcessDied(Exception):
    """The process running the task exited without answering."""


class TaskFailed(Exception):
    """The task raised; carries the exception's type name and message."""

    def __init__(self, kind: str, message: str, permanent: bool):
        super().__init__(message)
        self.kind, self.message, self.permanent = kind, message, permanent


def _serve(conn: Connection, permanent_types: tuple[str, ...], nice: int = 0,
           warm_up: tuple[Callable, Any] | None = None) -> None:
    """Body of a pool process: run `warm_up` (a replacement's: the pool's warm-up task),
    then tasks until the pipe closes. A task sent meanwhile waits in the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the service decides when we stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if nice:
        os.nice(nice)
    if warm_up is not None:
        fn, payload = warm_up
        try:
            fn(payload, lambda _value: None)
        except Exception:  # noqa: BLE001 - a cold process renders the same, only later
            log.warning("warming up a replacement render process failed", exc_info=True)
    while True:
        try:
            fn, payload = conn.recv()
        except (EOFError, OSError):
            return

        def report(value: Any) -> None:
            conn.send(("progress", value))

        try:
            conn.send(("ok", fn(payload, report)))
        except BaseException as exc:  # sent back, never lost silently
            names = {c.__name__ for c in type(exc).__mro__}
            permanent = bool(names & set(permanent_types))
            conn.send(("error", type(exc).__name__, str(exc) or repr(exc), permanent))


@dataclass
class _Slot:
    process: multiprocessing.Process
    conn: Connection


class RenderPool:
    def __init__(self, size: int, permanent_error_types: tuple[str, ...] = ("EngineError",),
                 nice: int = 0):
        """`nice`: added to the render processes' niceness, so renders yield the CPU
        to the service's own event loop and to a database on the same host."""
        self.size = size or os.cpu_count() or 1
        self._permanent = permanent_error_types
        self._nice = nice
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Slot] | None = None
        self._slots: list[_Slot] = []
        self._warm_up: tuple[Callable, Any] | None = None   # what warm_up ran, for replacements
        self.restarts = 0

    def _spawn(self) -> _Slot:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=_serve, args=(child, self._permanent, self._nice, self._warm_up),
                                 name="render", daemon=True)
        proc.start()
        child.close()
        slot = _Slot(proc, parent)
        self._slots.append(slot)
        return slot

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        for _ in range(self.size):
            self._idle.put_nowait(self._spawn())

    async def warm_up(self, fn: Callable, payload: Any) -> None:
        """Run `fn` once in every process so the first real render pays no imports; a
        process started later to replace one runs it too, before its first task."""
        self._warm_up = (fn, payload)
        await asyncio.gather(*(self.run(fn, payload, timeout=120) for _ in range(self.size)),
                             return_exceptions=True)

    async def run(self, fn: Callable, payload: Any, timeout: float,
                  on_progress: Callable[[Any], None] | None = None) -> Any:
        assert self._idle is not None, "RenderPool.start() was not awaited"
        slot = await self._idle.get()
        healthy = False
        try:
            result = await self._call(slot, fn, payload, timeout, on_progress)
            healthy = True
            return result
        except TaskFailed:
            healthy = True
            raise
        finally:
            if healthy:
                self._idle.put_nowait(slot)
            else:
                await self._replace(slot)

    async def _call(self, slot: _Slot, fn, payload, timeout, on_progress) -> Any:
        loop = asyncio.get_running_loop()
        messages: asyncio.Queue = asyncio.Queue()
        fd = slot.conn.fileno()

        def readable() -> None:
            try:
                while slot.conn.poll():
                    messages.put_nowait(slot.conn.recv())
            except (EOFError, OSError):
                messages.put_nowait(("died",))
                loop.remove_reader(fd)

        slot.conn.send((fn, payload))
        loop.add_reader(fd, readable)
        deadline = time.monotonic() + timeout
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RenderTimeout(f"killed after {timeout:g} s")
                try:
                    msg = await asyncio.wait_for(messages.get(), remaining)
                except asyncio.TimeoutError:
                    raise RenderTimeout(f"killed after {timeout:g} s") from None
                if msg[0] == "progress":
                    if on_progress is not None:
                        on_progress(msg[1])
                elif msg[0] == "ok":
                    return msg[1]
                elif msg[0] == "error":
                    raise TaskFailed(msg[1], msg[2], msg[3])
                else:
                    await asyncio.to_thread(slot.process.join, 2)
                    code = slot.process.exitcode
                    raise RenderProcessDied(f"render process exited unexpectedly (exit code {code})")
        finally:
            loop.remove_reader(fd)

    async def _replace(self, slot: _Slot) -> None:
        """Kill a slot's process (timed out, cancelled or dead) and start a new one.

        Runs in the `finally` of a task that may be cancelled again meanwhile (an
        operator's cancel, then the lease check): the new process takes the slot
        before the first await, and reaping the old one is shielded, so a second
        cancellation can neither lose the slot nor leave a zombie."""
        self.restarts += 1
        if slot.process.is_alive():
            slot.process.kill()
        slot.conn.close()
        self._slots.remove(slot)
        if self._idle is not None:
            self._idle.put_nowait(self._spawn())
        await asyncio.shield(asyncio.to_thread(slot.process.join, 5))

    async def close(self) -> None:
        for slot in list(self._slots):
            slot.conn.close()  # the process sees EOF and exits
        for slot in list(self._slots):
            await asyncio.to_thread(slot.process.join, 2)
            if slot.process.is_alive():
                slot.process.kill()
        self._slots.clear()
