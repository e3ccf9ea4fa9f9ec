"""The dedicated LISTEN connection: wakes the worker within milliseconds.

It reconnects with backoff whenever the connection is lost (server restart,
`pg_terminate_backend`, network), and after every (re)connect calls
`on_connect` so the worker sweeps for anything notified while nobody listened.
A periodic `SELECT 1` notices a connection that died silently.
"""
from __future__ import annotations

import asyncio
import logging
import random
from typing import Callable

import asyncpg

log = logging.getLogger(__name__)


class NotificationListener:
    def __init__(self, dsn: str, channels: list[str], on_notify: Callable[[str, str], None],
                 on_connect: Callable[[], None], keepalive_seconds: float = 5.0,
                 application_name: str = "bytebeat-listen", subscribe_sql: str | None = None):
        self.dsn = dsn
        self.channels = channels
        self.on_notify = on_notify
        self.on_connect = on_connect
        self.keepalive_seconds = keepalive_seconds
        self.application_name = application_name
        self.subscribe_sql = subscribe_sql  # run after LISTEN on every (re)connect
        self.connected = False
        self.connects = 0
        self.first_connect = asyncio.Event()
        self._conn: asyncpg.Connection | None = None
        self._closing = False

    async def run(self) -> None:
        delay = 0.05
        while not self._closing:
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(
                    self.dsn, timeout=10, server_settings={"application_name": self.application_name})
            except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
                log.warning("LISTEN connection failed (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 5.0)
                continue
            self._conn = conn
            try:
                conn.add_termination_listener(lambda _c: lost.set())
                for channel in self.channels:
                    await conn.add_listener(channel, self._dispatch)
                if self.subscribe_sql:
                    await conn.execute(self.subscribe_sql)
                self.connected = True
                self.connects += 1
                self.first_connect.set()
                delay = 0.05
                log.info("listening on %s (connection %d)", ", ".join(self.channels), self.connects)
                self.on_connect()
                await self._watch(conn, lost)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncio.TimeoutError) as exc:
                log.warning("LISTEN connection lost: %s", exc)
            finally:
                self.connected = False
                self._conn = None
                conn.terminate()
            if not self._closing:
                log.warning("LISTEN connection lost; reconnecting")

    async def _watch(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Return when the connection is gone (or we are closing)."""
        while not self._closing and not conn.is_closed():
            try:
                await asyncio.wait_for(lost.wait(), self.keepalive_seconds)
                return
            except asyncio.TimeoutError:
                pass
            await conn.fetchval("SELECT 1", timeout=self.keepalive_seconds)

    def _dispatch(self, _conn, _pid, channel: str, payload: str) -> None:
        self.on_notify(channel, payload)

    async def close(self) -> None:
        self._closing = True
        if self._conn is not None:
            self._conn.terminate()


class IntervalWaker:
    """LISTEN_MODE=poll: for deployments where LISTEN cannot work (a
    transaction-pooling PgBouncer hands each statement to another server
    connection, so notifications never arrive). Wakes the worker every
    POLL_INTERVAL_MS instead; everything else stays the same."""

    def __init__(self, interval_seconds: float, on_wake: Callable[[], None]):
        self.interval_seconds = interval_seconds
        self.on_wake = on_wake
        self.connected = True  # nothing to be disconnected from
        self.connects = 1
        self._closing = False

    async def run(self) -> None:
        self.on_wake()
        while not self._closing:
            await asyncio.sleep(self.interval_seconds)
            self.on_wake()

    async def close(self) -> None:
        self._closing = True
