"""`python -m listener gc`: delete stored renders that no post points to.

They come from at-least-once delivery (a render whose worker died after the
upload, or whose result was discarded as stale) and from replaced objects when
DELETE_REPLACED_OBJECTS is off. Objects younger than the grace period are kept:
a render may have uploaded its object and not yet committed it.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

import asyncpg

from listener.config import Settings
from listener.db.queries import QUERIES
from listener.jobs.bytebeat import storage_key_for
from listener.storage import make_storage

log = logging.getLogger(__name__)


@dataclass
class GcReport:
    scanned: int = 0
    referenced: int = 0
    young: int = 0
    deleted: list[str] = field(default_factory=list)


async def collect_garbage(settings: Settings, dsn: str, *, grace_seconds: float = 3600.0,
                          dry_run: bool = False) -> GcReport:
    storage = make_storage(settings)
    await storage.start()
    report = GcReport()
    try:
        conn = await asyncpg.connect(dsn)
        try:
            keep = set()
            for row in await conn.fetch(QUERIES["sample_urls"]):
                url = row["sample_url"]
                key = storage.key_for_url(url)
                if key is None and url.startswith(settings.samples_base_url):
                    key = unquote(url[len(settings.samples_base_url):])
                if key is not None:
                    keep.add(key)
            for row in await conn.fetch(QUERIES["active_render_keys"]):
                keep.add(storage_key_for(row["post_id"], row["signature"]))
        finally:
            await conn.close()
        now = time.time()
        async for obj in storage.list_objects("posts/"):
            report.scanned += 1
            if obj.key in keep:
                report.referenced += 1
            elif now - obj.modified < grace_seconds:
                report.young += 1
            else:
                report.deleted.append(obj.key)
                if not dry_run:
                    await storage.delete(obj.key)
        log.info("gc: %d objects, %d referenced, %d younger than %.0f s, %s %d",
                 report.scanned, report.referenced, report.young, grace_seconds,
                 "would delete" if dry_run else "deleted", len(report.deleted))
        return report
    finally:
        await storage.close()
