"""render_mix: the two passes of a mix job.

Pass 1 ("rendering") mixes the layers block by block into a loudness meter and keeps
nothing. The gain that reaches the target loudness without pushing the true peak over
the ceiling is then worked out ("normalising"). Pass 2 ("encoding") renders the very
same blocks again (every source is deterministic; files are decoded again), applies the
gain and hands each block to every encoder, to a second meter (the result reports the
loudness actually delivered) and to the waveform peaks; "waveform" writes the peaks as
JSON and PNG. Memory is a few blocks whatever the duration.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from engine.errors import RenderTimeoutError
from engine.loudness import LoudnessMeter, normalisation_gain_db
from engine.mix.encode import Encoder, MixOutput, describe
from engine.mix.mixer import DEFAULT_BLOCK, close_layers, mix_blocks, place_layers
from engine.mix.spec import MixSpec
from engine.mix.waveform import Peaks, thumbnail

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class MixResult:
    """What a mix delivered: loudness before and after its gain, and every file written."""
    sample_rate: int
    channels: int
    duration_s: float
    target_lufs: float
    ceiling_dbtp: float
    measured_lufs: float          # the mix as rendered (before gain); -inf for silence
    measured_true_peak_dbtp: float
    gain_db: float
    lufs: float                   # the output (after gain)
    true_peak_dbtp: float
    outputs: list[MixOutput]
    warnings: list[str] = field(default_factory=list)
    stages_s: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "lufs": _finite(self.lufs), "true_peak_dbtp": _finite(self.true_peak_dbtp),
            "gain_db": round(self.gain_db, 3),
            "measured_lufs": _finite(self.measured_lufs),
            "measured_true_peak_dbtp": _finite(self.measured_true_peak_dbtp),
            "target_lufs": self.target_lufs, "ceiling_dbtp": self.ceiling_dbtp,
            "duration_s": self.duration_s, "sample_rate": self.sample_rate, "channels": self.channels,
            "warnings": list(self.warnings), "outputs": [o.to_json() for o in self.outputs],
            "stages_s": {k: round(v, 3) for k, v in self.stages_s.items()},
        }


def _finite(value: float) -> float | None:
    """JSON has no -inf: the loudness of silence is reported as null."""
    return round(value, 3) if math.isfinite(value) else None


class _Clock:
    """Checks the deadline between blocks and reports each stage's progress."""

    def __init__(self, spec: MixSpec, deadline: float | None, on_progress: Progress | None):
        self.frames, self.rate, self.deadline = spec.frames, spec.sample_rate, deadline
        self.on_progress = on_progress
        self.stages: dict[str, float] = {}

    def report(self, stage: str, fraction: float) -> None:
        if self.on_progress is not None:
            self.on_progress(stage, min(1.0, fraction))

    def block_done(self, stage: str, done: int) -> None:
        self.report(stage, done / self.frames)
        if self.deadline is not None and done < self.frames and time.monotonic() > self.deadline:
            raise RenderTimeoutError(
                f"mix render timed out: exceeded its time limit while {stage} after "
                f"{done / self.rate:.1f} of {self.frames / self.rate:g} s of audio")


def render_mix(spec: MixSpec, out_dir: Path, *, files: dict[int, Path], warnings: list[str] = (),
               deadline: float | None = None, on_progress: Progress | None = None,
               block: int = DEFAULT_BLOCK) -> MixResult:
    """Render, normalise and encode `spec` into `out_dir`; see the module docstring."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    warnings = list(warnings)
    clock = _Clock(spec, deadline, on_progress)

    started = time.perf_counter()
    before = _measure(spec, files, warnings, block, deadline, clock)
    clock.stages["rendering"] = time.perf_counter() - started

    clock.report("normalising", 0.0)
    gain_db = normalisation_gain_db(before.integrated_lufs(), before.true_peak_dbtp(),
                                    spec.target_lufs, spec.true_peak_dbtp)
    clock.report("normalising", 1.0)

    started = time.perf_counter()
    outputs, after, peaks = _encode(spec, out_dir, files, warnings, block, deadline, clock,
                                    10.0 ** (gain_db / 20.0))
    clock.stages["encoding"] = time.perf_counter() - started

    started = time.perf_counter()
    clock.report("waveform", 0.0)
    outputs += _write_waveform(spec, out_dir, peaks)
    clock.report("waveform", 1.0)
    clock.stages["waveform"] = time.perf_counter() - started

    return MixResult(spec.sample_rate, 2, spec.frames / spec.sample_rate, spec.target_lufs,
                     spec.true_peak_dbtp, before.integrated_lufs(), before.true_peak_dbtp(), gain_db,
                     after.integrated_lufs(), after.true_peak_dbtp(), outputs, warnings, clock.stages)


def _measure(spec, files, warnings, block, deadline, clock) -> LoudnessMeter:
    meter = LoudnessMeter(spec.sample_rate, 2)
    placed = place_layers(spec, files, block, deadline, warnings)
    try:
        for start, mix in mix_blocks(placed, spec.frames, block):
            meter.add(mix)
            clock.block_done("rendering", start + len(mix))
    finally:
        close_layers(placed)
    return meter


def _encode(spec, out_dir, files, warnings, block, deadline, clock, gain: float):
    meter = LoudnessMeter(spec.sample_rate, 2)
    peaks = Peaks(spec.waveform, spec.sample_rate)
    encoders: list[Encoder] = []
    placed = place_layers(spec, files, block, deadline, warnings)
    finished = False
    try:
        for output in spec.outputs:
            encoders.append(Encoder(output, out_dir, spec.sample_rate))
        for start, mix in mix_blocks(placed, spec.frames, block):
            mix *= gain
            meter.add(mix)
            peaks.add(mix)
            for encoder in encoders:
                encoder.write(mix)
            clock.block_done("encoding", start + len(mix))
        outputs = [encoder.close() for encoder in encoders]
        finished = True
    finally:
        close_layers(placed)
        if not finished:
            for encoder in encoders:
                encoder.file.close()
                encoder.path.unlink(missing_ok=True)
    return outputs, meter, peaks


def _write_waveform(spec: MixSpec, out_dir: Path, peaks: Peaks) -> list[MixOutput]:
    pixels = peaks.finish()
    json_path, png_path = out_dir / "waveform.json", out_dir / "waveform.png"
    json_path.write_bytes(peaks.to_json_bytes(pixels))
    png_path.write_bytes(thumbnail(pixels, spec.waveform.bits, spec.waveform.png_width,
                                   spec.waveform.png_height))
    return [describe(json_path, "application/json", "waveform-json"),
            describe(png_path, "image/png", "waveform-png")]
