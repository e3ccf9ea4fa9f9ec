"""A fault-injecting TCP proxy for HTTP/1.1 storage servers, used by the tests and `make chaos`.

It sits between the service and a real storage server and, per request, either
forwards it or injects a fault:

- "503": answers `503 Service Unavailable` itself (the request never arrives);
- "drop-mid-upload": forwards the head and half of the body, then cuts the
  connection (the server may or may not have stored anything: ambiguous);
- "drop-after-upload": forwards the whole request, then cuts the connection
  before the response (the server stored the object; the client cannot know);
- "stall": reads the request and never answers (the client's timeout fires).

Requests on a keep-alive connection are framed by Content-Length (chunked
bodies switch the connection to a plain tunnel). Responses are piped back as
they come.
"""
from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter, deque

FAULT_KINDS = ("503", "drop-mid-upload", "drop-after-upload", "stall")


class FaultProxy:
    def __init__(self, target_host: str, target_port: int, *, listen_host: str = "127.0.0.1",
                 seed: int = 0):
        self.target = (target_host, target_port)
        self.listen_host = listen_host
        self.port = 0
        self._server: asyncio.AbstractServer | None = None
        self._scheduled: deque[str] = deque()
        self._rate = 0.0
        self._kinds: tuple[str, ...] = FAULT_KINDS
        self._methods: set[str] | None = None
        self._random = random.Random(seed)
        self._tasks: set[asyncio.Task] = set()
        self.injected: Counter[str] = Counter()
        self.requests = 0

    # -- configuration -------------------------------------------------------------
    def fail_next(self, n: int, kind: str, methods: set[str] | None = None) -> None:
        """Inject `kind` into the next `n` requests (of `methods`, if given)."""
        assert kind in FAULT_KINDS, kind
        self._scheduled.extend([kind] * n)
        self._methods = methods

    def fault_rate(self, rate: float, kinds: tuple[str, ...] = FAULT_KINDS,
                   methods: set[str] | None = None) -> None:
        """Inject a random fault of `kinds` into a fraction `rate` of requests."""
        self._rate, self._kinds, self._methods = rate, kinds, methods

    def heal(self) -> None:
        self._scheduled.clear()
        self._rate = 0.0

    def _pick_fault(self, method: str) -> str | None:
        if self._methods is not None and method not in self._methods:
            return None
        if self._scheduled:
            return self._scheduled.popleft()
        if self._rate and self._random.random() < self._rate:
            return self._random.choice(self._kinds)
        return None

    # -- serving -------------------------------------------------------------------
    async def start(self) -> "FaultProxy":
        self._server = await asyncio.start_server(self._client, self.listen_host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        upstream_writer = None
        pipe = None
        try:
            up_reader, upstream_writer = await asyncio.open_connection(*self.target)
            pipe = asyncio.create_task(self._pipe(up_reader, writer))
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                method, length, chunked = _parse_head(head)
                self.requests += 1
                fault = self._pick_fault(method)
                if chunked:
                    if fault is not None:
                        self.injected[fault] += 1
                        return  # cannot frame it: cut the connection
                    upstream_writer.write(head)
                    await self._pipe(reader, upstream_writer)
                    return
                if fault is not None:
                    self.injected[fault] += 1
                if fault == "503":
                    await reader.readexactly(length)
                    body = b"injected fault: service unavailable"
                    writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                                 b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
                    if method != "HEAD":  # a HEAD answer has no body
                        writer.write(body)
                    await writer.drain()
                    return
                if fault == "stall":
                    await reader.readexactly(length)
                    await asyncio.sleep(3600)
                    return
                if fault == "drop-mid-upload":
                    upstream_writer.write(head)
                    upstream_writer.write(await reader.readexactly(length // 2))
                    await upstream_writer.drain()
                    await asyncio.sleep(0.05)
                    return
                upstream_writer.write(head)
                remaining = length
                while remaining:
                    chunk = await reader.read(min(remaining, 1 << 16))
                    if not chunk:
                        return
                    upstream_writer.write(chunk)
                    await upstream_writer.drain()
                    remaining -= len(chunk)
                if fault == "drop-after-upload":
                    pipe.cancel()
                    await asyncio.sleep(0.3)  # let the server finish storing
                    return
        except (ConnectionError, asyncio.IncompleteReadError, OSError, asyncio.CancelledError):
            return  # cancelled: the proxy is stopping
        finally:
            if pipe is not None:
                pipe.cancel()
            for w in (writer, upstream_writer):
                if w is not None:
                    with contextlib.suppress(Exception):
                        w.transport.abort()
            self._tasks.discard(task)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy until EOF, then close the other side. Cancelled, it just stops
        copying: the caller decides when the connection ends."""
        try:
            while True:
                data = await reader.read(1 << 16)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        with contextlib.suppress(Exception):
            writer.transport.abort()


def _parse_head(head: bytes) -> tuple[str, int, bool]:
    lines = head.decode("latin-1").split("\r\n")
    method = lines[0].split(" ", 1)[0]
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    return method, length, chunked
