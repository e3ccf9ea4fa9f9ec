"""Sums the layers block by block: each layer placed on the timeline, enveloped and panned.

Blocks are [start, start + count) ranges of the mix; a layer contributes where it
overlaps a block, reading its source with consecutive layer-local offsets. Nothing is
clipped here: the mix is float32 and may exceed full scale until it is normalised.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from engine.errors import InvalidRequestError
from engine.mix.envelope import fade_gains, pan_gains
from engine.mix.sources import open_source
from engine.mix.spec import FileLayer, MixSpec, seconds_to_frames

DEFAULT_BLOCK = 1 << 16      # ~1.5 s at 44.1 kHz


@dataclass
class PlacedLayer:
    """A layer's source on the mix timeline: frames [start, end) of the mix."""
    start: int
    end: int
    source: object
    gains: np.ndarray        # left, right, left, right... float32 (level and pan), one pair per frame
    fade_in: int
    fade_out: int

    @property
    def length(self) -> int:
        return self.end - self.start


def place_layers(spec: MixSpec, files: dict[int, Path], block: int, deadline: float | None,
                 warnings: list[str]) -> list[PlacedLayer]:
    """Open every layer's source; an optional file layer without a file is skipped (warned)."""
    total, rate = spec.frames, spec.sample_rate
    placed: list[PlacedLayer] = []
    try:
        for i, layer in enumerate(spec.layers):
            path = files.get(i)
            if isinstance(layer, FileLayer) and path is None:
                if layer.required:
                    raise InvalidRequestError(f"layers[{i}]: the required file "
                                              f"{layer.url or layer.key!r} was not provided")
                if not any(w.startswith(f"layers[{i}]") for w in warnings):
                    warnings.append(f"layers[{i}]: optional file {layer.url or layer.key!r} "
                                    f"was not available and is left out")
                continue
            p = layer.placement
            start = seconds_to_frames(p.start_s, rate)
            end = total if p.duration_s is None else min(total, start + seconds_to_frames(p.duration_s, rate))
            source = open_source(layer, i, rate, end - start, block, path, deadline)
            placed.append(_placed(source, start, end, p, rate, block))
    except BaseException:
        close_layers(placed)
        raise
    return placed


def _placed(source, start: int, end: int, p, rate: int, block: int) -> PlacedLayer:
    if source.length is not None:
        end = min(end, start + source.length)
    length = end - start
    fade_in, fade_out = seconds_to_frames(p.fade_in_s, rate), seconds_to_frames(p.fade_out_s, rate)
    if fade_in + fade_out > length:     # a file shorter than its fades: shrink them in proportion
        scale = length / (fade_in + fade_out)
        fade_in, fade_out = int(fade_in * scale), int(fade_out * scale)
    # interleaved to the frame layout: numpy broadcasting a (2,) row over (n, 2) runs an
    # inner loop of length 2, several times slower than one flat multiply
    gains = np.tile(np.array(pan_gains(p.pan, p.gain_db), np.float32), block)
    return PlacedLayer(start, end, source, gains, fade_in, fade_out)


def close_layers(placed: list[PlacedLayer]) -> None:
    for layer in placed:
        layer.source.close()


def mix_blocks(placed: list[PlacedLayer], total: int, block: int = DEFAULT_BLOCK
               ) -> Iterator[tuple[int, np.ndarray]]:
    """Yields (start, (count, 2) float32 mix) for consecutive blocks covering [0, total).
    The array is reused for the next block: use it (or copy it) before asking for more."""
    out = np.empty((block, 2), np.float32)
    for start in range(0, total, block):
        count = min(block, total - start)
        mix = out[:count]
        mix.fill(0.0)
        for layer in placed:
            lo, hi = max(start, layer.start), min(start + count, layer.end)
            if lo >= hi:
                continue
            frames = layer.source.read(lo - layer.start, hi - lo)
            g = fade_gains(lo - layer.start, hi - lo, layer.length, layer.fade_in, layer.fade_out)
            if g is not None:
                frames *= g[:, None]
            flat = frames.reshape(-1)
            flat *= layer.gains[:len(flat)]
            mix[lo - start:hi - start] += frames
        yield start, mix
