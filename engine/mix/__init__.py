"""Mix jobs: layers of tones, binaural beats, noise, bytebeat songs and audio files,
summed, loudness-normalised under a true-peak ceiling and encoded (issue #9).

Public API (shared with the listener):
    parse_spec(spec, *, max_duration_s, default_target_lufs=-16.0) -> MixSpec   (engine.mix.spec)
    MixSpec.file_sources() -> list[FileSource]     what the listener downloads first
    render_mix(spec, out_dir, *, files, warnings=(), deadline=None, on_progress=None) -> MixResult
    SpecError, MixResult, MixOutput
Pure computation: no network, no database; the only I/O is the local input and output files.
"""
from __future__ import annotations

from engine.mix.encode import MixOutput
from engine.mix.fields import SpecError
from engine.mix.render import MixResult, render_mix
from engine.mix.spec import FileSource, MixSpec, parse_spec

__all__ = ["parse_spec", "render_mix", "SpecError", "MixSpec", "FileSource", "MixResult", "MixOutput"]
