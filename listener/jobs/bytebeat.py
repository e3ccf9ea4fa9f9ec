"""Bytebeat post renders: render in the pool, store the file, write the result back."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from listener.errors import PermanentJobError

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
    started = time.perf_counter()
    info = render_to_file(request, Path(payload["path"]), deadline=time.monotonic() + payload["timeout"],
                          on_progress=report, memory_mb=payload["memory_mb"])
    return {
        "tier": info.tier, "channels": info.channels, "sample_rate": info.sample_rate,
        "samples": info.samples, "seconds": info.seconds, "format": info.format,
        "bytes": info.bytes, "sha256": info.sha256,
        "render_s": round(time.perf_counter() - started, 4),
    }


def warm_up_in_process(_payload: Any, _report: Callable[[Any], None]) -> None:
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
