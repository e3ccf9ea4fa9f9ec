"""The service's HTTP server: health, stats, metrics, job events, the dashboard's
JSON API, and the files of the local storage."""
from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from listener import api
from listener.config import Settings
from listener.dashboard import add_dashboard_routes
from listener.errors import PermanentStorageError, StorageError
from listener.events import EventHub
from listener.storage import CACHE_CONTROL, FileStorage, Storage, UnsafeKeyError, content_type_for

if TYPE_CHECKING:
    from listener.worker import Worker

WORKER = api.WORKER
STORAGE = web.AppKey("storage", object)
SETTINGS = api.SETTINGS
EVENTS = api.EVENTS


def build_app(worker: "Worker", storage: Storage, settings: Settings) -> web.Application:
    app = web.Application()
    app[WORKER] = worker
    app[STORAGE] = storage
    app[SETTINGS] = settings
    app[EVENTS] = EventHub(worker.dsn, worker.db,
                           application_name=f"bytebeat-events:{settings.worker_id}")
    app.on_startup.append(_start_events)
    app.on_shutdown.append(_end_event_streams)
    app.on_cleanup.append(_stop_events)
    app.router.add_get("/health", health)
    app.router.add_get("/stats", stats)
    api.add_routes(app)
    add_dashboard_routes(app)
    app.router.add_get("/samples/{key:.+}", redirect_to_sample)
    if isinstance(storage, FileStorage):
        app.router.add_get("/files/{key:.+}", serve_file)
    return app


async def _start_events(app: web.Application) -> None:
    await app[EVENTS].start()


async def _end_event_streams(app: web.Application) -> None:
    """Before the server waits for open requests: end the SSE streams."""
    app[EVENTS].end_streams()


async def _stop_events(app: web.Application) -> None:
    await app[EVENTS].close()


async def health(request: web.Request) -> web.Response:
    worker: Worker = request.app[WORKER]
    listening = worker.listener.connected
    body = {
        "status": "ok" if listening else "degraded",
        "worker_id": worker.worker_id,
        "uptime_s": round(time.time() - worker.stats.started_at, 3),
        "active_jobs": len(worker.running),
        "listen_mode": worker.settings.listen_mode,
        "listen_connected": listening,
        "listen_connects": worker.listener.connects,
        "events_connected": request.app[EVENTS].listener.connected,
        "stopping": worker.stopping,
    }
    return web.json_response(body, status=200 if listening else 503)


async def stats(request: web.Request) -> web.Response:
    worker: Worker = request.app[WORKER]
    s = worker.stats
    finished = s.succeeded + s.failed
    return web.json_response({
        "total_processed": s.processed,
        "succeeded": s.succeeded,
        "failed": s.failed,
        "retried": s.retried,
        "stale_discarded": s.stale,
        "cancelled": s.cancelled,
        "average_processing_s": round(s.busy_seconds / finished, 4) if finished else None,
        "currently_processing": len(worker.running),
        "uptime_s": round(time.time() - s.started_at, 3),
    })


async def redirect_to_sample(request: web.Request) -> web.StreamResponse:
    """Private buckets: posts.sample_url points here; each visit gets a freshly
    signed URL (valid SIGNED_URL_SECONDS) by redirect."""
    storage: Storage = request.app[STORAGE]
    settings: Settings = request.app[SETTINGS]
    key = request.match_info["key"]
    if ".." in key.split("/") or key.startswith("/"):
        raise web.HTTPNotFound()
    try:
        if not await storage.exists(key):
            raise web.HTTPNotFound()
        url = await storage.signed_url(key, settings.signed_url_seconds)
    except UnsafeKeyError:
        raise web.HTTPNotFound() from None
    except (StorageError, PermanentStorageError) as exc:
        raise web.HTTPBadGateway(text=f"storage unavailable: {exc}") from None
    raise web.HTTPFound(url, headers={"Cache-Control": "no-store"})


async def serve_file(request: web.Request) -> web.StreamResponse:
    storage: FileStorage = request.app[STORAGE]
    key = request.match_info["key"]
    try:
        path: Path = storage.path_for(key)
    except UnsafeKeyError:
        raise web.HTTPNotFound() from None
    if not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": CACHE_CONTROL,
                                           "Content-Type": content_type_for(key)})


def bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket early, so the real port (HTTP_PORT=0 picks one)
    is known before the storage's public URLs are built."""
    return socket.create_server((host, port), reuse_port=False)


class HttpServer:
    def __init__(self, app: web.Application, sock: socket.socket):
        self.app, self.sock = app, sock
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, self.sock).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
