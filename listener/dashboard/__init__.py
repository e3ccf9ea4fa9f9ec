"""The dashboard page: static HTML/JS/CSS served by the service itself (no build step).

The page shows text written by apps (titles, song errors), so besides building
its DOM with textContent it is served with a Content-Security-Policy that allows
only its own script: even a bug that let markup through could not run code.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"

# Audio and waveform images may live in a bucket on another origin (S3, Supabase).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob: http: https:",
    "media-src 'self' blob: http: https:",
    "connect-src 'self' http: https:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def add_dashboard_routes(app: web.Application) -> None:
    """GET / serves the page; /dashboard/ its assets."""
    async def index(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html",
                                headers={"Cache-Control": "no-cache", **SECURITY_HEADERS})

    app.router.add_get("/", index)
    app.router.add_static("/dashboard/", STATIC)
