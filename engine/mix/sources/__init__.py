"""Layer sources: each turns one layer into stereo float32 frames at the mix rate.

Every source has `length` (frames it can play, None = as long as asked), `read(offset,
count)` returning (count, 2) float32 for layer-local frames [offset, offset + count),
called with consecutive offsets from 0, and `close()`.
"""
from __future__ import annotations

from pathlib import Path

from engine.mix.sources.bytebeat import BytebeatSource
from engine.mix.sources.file import FileLayerSource
from engine.mix.sources.noise import NoiseSource
from engine.mix.sources.sine import BinauralSource, ToneSource
from engine.mix.spec import BinauralLayer, BytebeatLayer, FileLayer, Layer, NoiseLayer, ToneLayer


def open_source(layer: Layer, index: int, rate: int, frames: int, max_block: int,
                path: Path | None, deadline: float | None):
    """The source for layer `index`, expected to play at most `frames` frames."""
    if isinstance(layer, ToneLayer):
        return ToneSource(layer.frequency_hz, rate, max_block)
    if isinstance(layer, BinauralLayer):
        return BinauralSource(layer.carrier_hz, layer.beat_hz, rate, max_block)
    if isinstance(layer, NoiseLayer):
        return NoiseSource(layer.color, layer.seed, rate)
    if isinstance(layer, BytebeatLayer):
        return BytebeatSource(layer.code, layer.mode, layer.sample_rate, rate, frames, deadline)
    if isinstance(layer, FileLayer):
        return FileLayerSource(path, layer.loop, rate, f"layers[{index}]")
    raise TypeError(f"unknown layer {layer!r}")


__all__ = ["open_source", "BinauralSource", "BytebeatSource", "FileLayerSource", "NoiseSource", "ToneSource"]
