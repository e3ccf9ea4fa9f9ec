"""Wires the service together: database, migrations, render pool, storage, HTTP, worker."""
from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import logging
import os
import signal

import asyncpg

from listener.config import Settings
from listener.db.embedded import embedded_database_url
from listener.db.migrate import migrate
from listener.db.queries import QUERIES
from listener.http import HttpServer, bind, build_app
from listener.jobs.registry import warm_up_in_process
from listener.render_pool import RenderPool
from listener.storage import make_storage
from listener.worker import Worker

log = logging.getLogger(__name__)


class BindError(Exception):
    """The HTTP server cannot listen on HTTP_HOST:HTTP_PORT."""


def database_url(settings: Settings) -> str:
    return settings.database_url or embedded_database_url(settings.data_dir)


async def apply_migrations(dsn: str, settings: Settings | None = None) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        applied = await migrate(conn)
        if settings is not None:
            await conn.fetchval(QUERIES["set_default_duration"], settings.render_duration)
        return applied
    finally:
        await conn.close()


def warn_if_exposed(settings: Settings) -> None:
    """The dashboard and the job API are open to whoever reaches the port (only
    retry/cancel need ADMIN_TOKEN): say so when the port is not loopback-only."""
    if is_loopback(settings.http_host):
        return
    log.warning("HTTP_HOST=%s: the dashboard, /api/jobs and /events are reachable from other machines;"
                " keep the port behind a firewall or an authenticating proxy%s", settings.http_host,
                "" if settings.admin_token else " (retry and cancel stay off: ADMIN_TOKEN is not set)")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def run_service(settings: Settings) -> int:
    dsn = database_url(settings)
    await apply_migrations(dsn, settings)
    try:
        sock = bind(settings.http_host, settings.http_port)
    except OSError as exc:  # not the database's fault: say which setting to change
        raise BindError(f"HTTP_HOST={settings.http_host} HTTP_PORT={settings.http_port}: cannot listen:"
                        f" {os.strerror(exc.errno) if exc.errno else exc}") from None
    port = sock.getsockname()[1]
    settings = dataclasses.replace(settings, http_port=port)  # the real port when HTTP_PORT=0
    storage = make_storage(settings)
    await storage.start()  # a missing permission stops the service here, not at the first upload

    db = await asyncpg.create_pool(
        dsn, min_size=1, max_size=settings.max_concurrent_jobs + 3,
        server_settings={"application_name": f"bytebeat-worker:{settings.worker_id}"[:63]})
    pool = RenderPool(settings.render_processes, nice=settings.render_nice)
    await pool.start()
    warm = asyncio.create_task(pool.warm_up(warm_up_in_process, None))
    worker = Worker(settings, dsn, db, pool, storage, staging_dir=settings.data_dir / "staging")
    http = HttpServer(build_app(worker, storage, settings), sock)
    await http.start()
    log.info("worker %s serving http://%s:%d (%s storage)", settings.worker_id,
             settings.http_host, port, storage.name)
    warn_if_exposed(settings)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop)
    try:
        await worker.run()
    finally:
        warm.cancel()
        await http.stop()
        await pool.close()
        await db.close()
        await storage.close()
    log.info("stopped")
    return 0
