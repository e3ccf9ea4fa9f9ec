"""The dashboard page: static HTML/JS/CSS served by the service itself (no build step)."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"


def add_dashboard_routes(app: web.Application) -> None:
    """GET / serves the page; /dashboard/ its assets."""
    async def index(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.router.add_get("/", index)
    app.router.add_static("/dashboard/", STATIC)
