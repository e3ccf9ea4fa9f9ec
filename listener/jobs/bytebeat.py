"""Bytebeat post renders: render in the pool, store the file, write the result back."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote

import orjson

from listener.errors import PermanentJobError
from listener.jobs.base import JobContext
from listener.jobs.progress import Stages

log = logging.getLogger(__name__)


def storage_key_for(post_id: int, signature: str) -> str:
    """Content-addressed: the same inputs always land on the same key."""
    return f"posts/{post_id}/{signature}.wav"


def render_in_process(payload: dict, report: Callable[[Any], None]) -> dict:
    """Runs inside a pool process: the engine renders the request to a WAV file."""
    import time

    from engine import BytebeatRequest, render_to_file

    request = BytebeatRequest(
        code=payload["code"], mode=payload["mode"], sample_rate=payload["sample_rate"],
        seconds=payload["seconds"], fade_in=payload["fade_in"], fade_out=payload["fade_out"])

    def on_progress(fraction: float) -> None:  # the blocks done; then the WAV is assembled
        report(("rendering", fraction) if fraction < 1.0 else ("encoding", 0.0))

    started = time.perf_counter()
    report(("rendering", 0.0))  # the engine compiles the song first, inside the same call
    info = render_to_file(request, Path(payload["path"]), deadline=time.monotonic() + payload["timeout"],
                          on_progress=on_progress, memory_mb=payload["memory_mb"])
    return {
        "tier": info.tier, "channels": info.channels, "sample_rate": info.sample_rate,
        "samples": info.samples, "seconds": info.seconds, "format": info.format,
        "bytes": info.bytes, "sha256": info.sha256,
        "render_s": round(time.perf_counter() - started, 4),
    }


def warm_up_bytebeat_in_process() -> None:
    """Import the engine, create the JIT, load the fdlibm port's machine code and
    render one tiny song, so the first job pays none of it."""
    from engine import BytebeatRequest, render_samples
    from engine.compiled import warm_up

    warm_up()
    render_samples(BytebeatRequest(code="t*(t>>5|t>>8)", seconds=0.01))


@dataclass(frozen=True)
class BytebeatJob:
    job_id: int
    post_id: int
    signature: str
    code: str
    mode: str
    sample_rate: int
    duration: int
    attempts: int

    @classmethod
    def from_claim(cls, row) -> "BytebeatJob":
        if row["post_id"] is None or row["expression"] is None:
            raise PermanentJobError("bytebeat job has no post to render (post_id is empty or the post was deleted)")
        return cls(job_id=row["job_id"], post_id=row["post_id"], signature=row["signature"],
                   code=row["expression"], mode=row["mode"], sample_rate=row["sample_rate"],
                   duration=row["duration"], attempts=row["attempts"])

    @property
    def storage_key(self) -> str:
        return storage_key_for(self.post_id, self.signature)

    def payload(self, staging_dir: Path, fade_in: float, fade_out: float, timeout: float,
                memory_mb: int) -> dict:
        return {
            "code": self.code, "mode": self.mode, "sample_rate": self.sample_rate,
            "seconds": self.duration, "fade_in": fade_in, "fade_out": fade_out, "timeout": timeout,
            "memory_mb": memory_mb,
            "path": str(staging_dir / f"job-{self.job_id}-{uuid.uuid4().hex}.wav"),
        }


class BytebeatKind:
    """A post's song: rendered to one WAV under a content-addressed key; the post
    gets its URL only if its inputs did not change while it rendered."""

    name = "bytebeat"
    timeout_setting = "RENDER_TIMEOUT_MS"
    stages = Stages(("claimed", 0), ("rendering", 83), ("encoding", 5), ("uploading", 10),
                    ("finishing", 2))

    def render_timeout_ms(self, settings) -> int:
        return settings.render_timeout_ms

    async def run(self, row, ctx: JobContext) -> str:
        job = BytebeatJob.from_claim(row)
        settings = ctx.settings
        payload = job.payload(ctx.staging_dir, settings.fade_in_seconds, settings.fade_out_seconds,
                              ctx.render_timeout_s, settings.render_memory_mb)
        path = Path(payload["path"])
        try:
            info = await ctx.render(render_in_process, payload)
            ctx.progress.report("uploading")
            url = await ctx.upload(job.storage_key, path)
        finally:
            path.unlink(missing_ok=True)
            for partial in path.parent.glob(f".{path.name}.*"):  # of a killed render
                partial.unlink(missing_ok=True)
        result = {**info, "key": job.storage_key, "url": url, "signature": job.signature,
                  "worker": ctx.worker_id}
        await ctx.finish()
        outcome, replaced = await ctx.outcomes.complete_post(
            job.job_id, job.signature, url, job.duration, orjson.dumps(result).decode())
        if outcome == "done":
            log.info("job %s done: post %s -> %s (%s tier, %.3f s)", job.job_id, job.post_id,
                     url, info["tier"], info["render_s"])
            if replaced:
                await self._delete_replaced(ctx, replaced)
        elif outcome == "stale":
            log.info("job %s: post %s changed during the render; result discarded",
                     job.job_id, job.post_id)
            await ctx.discard(job.storage_key)
        else:
            log.warning("job %s: lease lost or job cancelled before completion; result not written",
                        job.job_id)
        return outcome

    @staticmethod
    async def _delete_replaced(ctx: JobContext, url: str) -> None:
        key = ctx.storage.key_for_url(url)
        base = ctx.settings.samples_base_url
        if key is None and url.startswith(base):
            key = unquote(url[len(base):])
        if key is not None and ctx.settings.delete_replaced_objects:
            try:
                await ctx.storage.delete(key)
            except Exception as exc:  # a leftover object is harmless; gc removes it
                log.warning("could not delete replaced object %s: %s", key, exc)
