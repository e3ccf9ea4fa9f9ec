"""Mix jobs (issue #9): a JSON spec in `render_jobs.spec` becomes normalised audio
files, a waveform and a result.

The spec is validated first (a bad one fails the job at once with the engine's
message naming the field, before anything is downloaded or rendered), file
layers are downloaded, `engine.mix.render_mix` runs in the render pool, and
every output is uploaded under `mixes/<job id>/<name>`. Keys are per job, so a
retried job overwrites its own objects and nothing else.
"""
from __future__ import annotations

import asyncio
import logging
import shutil
import uuid
from pathlib import Path
from typing import Any, Callable

import orjson

from engine.mix import MixSpec, SpecError, parse_spec
from listener.errors import PermanentJobError
from listener.jobs.base import JobContext, operator_cancelled
from listener.jobs.downloads import download_sources
from listener.jobs.progress import Stages
from listener.jobs.url_policy import UrlPolicy

log = logging.getLogger(__name__)

AUDIO_FORMATS = ("wav", "flac", "mp3", "ogg", "opus")


def storage_key_for(job_id: int, name: str) -> str:
    return f"mixes/{job_id}/{name}"


def warm_up_mix_in_process() -> None:
    """Render a 0.2 s mix of every generated layer kind into a temporary folder,
    so the first mix job in a render process pays no imports or compiles (~1.3 s)."""
    import tempfile  # noqa: PLC0415
    import time  # noqa: PLC0415

    from engine.mix import render_mix  # noqa: PLC0415

    spec = parse_spec({"duration_s": 0.2, "outputs": [{"format": "wav"}],
                       "layers": [{"type": "tone", "frequency_hz": 440},
                                  {"type": "binaural", "carrier_hz": 200, "band": "alpha"},
                                  {"type": "noise", "color": "pink"}]},
                      max_duration_s=1.0, default_target_lufs=-16.0)
    with tempfile.TemporaryDirectory(prefix="mix-warm-up-") as folder:
        render_mix(spec, Path(folder), files={}, deadline=time.monotonic() + 60)


def render_mix_in_process(payload: dict, report: Callable[[Any], None]) -> dict:
    """Runs inside a pool process: the engine renders the mix into `out_dir`."""
    import time

    from engine.mix import render_mix

    last = ["", -1.0]

    def on_progress(stage: str, fraction: float) -> None:  # at most ~100 messages a stage
        if stage != last[0] or fraction - last[1] >= 0.01 or fraction >= 1.0:
            last[0], last[1] = stage, fraction
            report((stage, fraction))

    result = render_mix(payload["spec"], Path(payload["out_dir"]),
                        files={int(k): Path(v) for k, v in payload["files"].items()},
                        warnings=payload["warnings"], deadline=time.monotonic() + payload["timeout"],
                        on_progress=on_progress)
    return {"result": result.to_json(),
            "files": [{"name": o.name, "path": str(o.path), "format": o.format} for o in result.outputs]}


class MixKind:
    name = "mix"
    timeout_setting = "MIX_TIMEOUT_MS"
    stages = Stages(("claimed", 0), ("downloading", 5), ("rendering", 40), ("normalising", 1),
                    ("encoding", 40), ("waveform", 2), ("uploading", 10), ("finishing", 2))

    def render_timeout_ms(self, settings) -> int:
        """A mix is minutes of audio through several encoders: its own, longer limit."""
        return settings.mix_timeout_ms

    def parse(self, row, ctx: JobContext) -> MixSpec:
        if row["spec"] is None:
            raise PermanentJobError("spec: a mix job needs its JSON spec in render_jobs.spec, got null")
        try:
            return parse_spec(row["spec"], max_duration_s=ctx.settings.max_duration_minutes * 60.0,
                              default_target_lufs=ctx.settings.target_lufs)
        except SpecError as exc:
            raise PermanentJobError(str(exc)) from None

    async def run(self, row, ctx: JobContext) -> str:
        job_id = row["job_id"]
        spec = self.parse(row, ctx)
        folder = ctx.staging_dir / f"mix-{job_id}-{uuid.uuid4().hex}"
        (folder / "out").mkdir(parents=True)
        try:
            sources = spec.file_sources()
            if sources:
                ctx.progress.report("downloading")
            downloaded = await download_sources(sources, folder, ctx.storage,
                                                timeout_s=ctx.settings.storage_timeout_seconds * 4,
                                                policy=UrlPolicy(ctx.settings.mix_url_hosts,
                                                                 ctx.settings.mix_url_private))
            rendered = await ctx.render(render_mix_in_process, {
                "spec": spec, "out_dir": str(folder / "out"),
                "files": {str(k): str(v) for k, v in downloaded.files.items()},
                "warnings": downloaded.warnings, "timeout": ctx.render_timeout_s})
            ctx.progress.report("uploading")
            result = await self._upload(job_id, rendered, ctx)
        finally:
            await asyncio.to_thread(shutil.rmtree, folder, True)
        result["worker"] = ctx.worker_id
        await ctx.finish()
        outcome = await ctx.outcomes.complete_job(job_id, orjson.dumps(result).decode())
        if outcome == "done":
            log.info("job %s done: mix of %g s -> %s (%.1f LUFS)", job_id, spec.duration_s,
                     result["url"], result["lufs"] if result["lufs"] is not None else float("-inf"))
        else:
            log.warning("job %s: lease lost or job cancelled before completion; result not written", job_id)
        return outcome

    async def _upload(self, job_id: int, rendered: dict, ctx: JobContext) -> dict:
        """Store every output; the result lists each with its URL, and names the
        first audio output (`url`) and the PNG thumbnail (`waveform_url`)."""
        result = rendered["result"]
        stored: list[str] = []
        outputs = []
        try:
            described = {o["name"]: o for o in result["outputs"]}
            for i, f in enumerate(rendered["files"]):
                key = storage_key_for(job_id, f["name"])
                url = await ctx.upload(key, Path(f["path"]))
                stored.append(key)
                outputs.append({**described.get(f["name"], {}), "key": key, "url": url})
                ctx.progress.report("uploading", (i + 1) / len(rendered["files"]))
        except asyncio.CancelledError:
            if operator_cancelled():
                for key in stored:
                    await ctx.discard(key)
            raise
        by_format = {o["format"]: o["url"] for o in reversed(outputs)}
        audio = [o["url"] for o in outputs if o["format"] in AUDIO_FORMATS]
        return {**result, "outputs": outputs, "url": audio[0] if audio else None,
                "waveform_url": by_format.get("waveform-png"),
                "waveform_json_url": by_format.get("waveform-json")}
