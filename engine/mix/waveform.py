"""Waveform peaks in the BBC audiowaveform JSON format (version 2) and a PNG thumbnail.

Peaks are taken from the final (normalised) samples block by block during the encoding
pass: each pixel is the min and max of `samples_per_pixel` frames, scaled to signed
`bits`-bit integers as audiowaveform does (8-bit: the 16-bit value >> 8). With one
channel the two channels are averaged first (audiowaveform's default); with two, `data`
holds min, max of the left channel then min, max of the right for each pixel. This is
the format wavesurfer.js and peaks.js load.
"""
from __future__ import annotations

import numpy as np
import orjson

from engine.mix.png import encode_png
from engine.mix.spec import WaveformSpec

WAVE_RGBA = (37, 99, 235, 255)
CENTRE_RGBA = (37, 99, 235, 96)


class Peaks:
    """Accumulates min/max per pixel over consecutive blocks of (frames, 2) float samples."""

    def __init__(self, spec: WaveformSpec, sample_rate: int):
        self.spec, self.sample_rate = spec, sample_rate
        self.scale = 32767.0 if spec.bits == 16 else 127.0
        self.rest = np.zeros((0, spec.channels), np.float32)
        self.parts: list[np.ndarray] = []

    def add(self, block: np.ndarray) -> None:
        frames = block.mean(axis=1, keepdims=True) if self.spec.channels == 1 else block
        data = np.concatenate([self.rest, frames.astype(np.float32, copy=False)])
        spp = self.spec.samples_per_pixel
        full = len(data) // spp * spp
        if full:
            self.parts.append(self._pixels(data[:full].reshape(-1, spp, self.spec.channels)))
        self.rest = data[full:].copy()

    def _pixels(self, buckets: np.ndarray) -> np.ndarray:
        """(pixels, spp, channels) -> (pixels, channels, 2) integer min/max."""
        lo, hi = buckets.min(axis=1), buckets.max(axis=1)
        pair = np.stack([lo, hi], axis=2) * self.scale
        return np.clip(np.round(pair), -self.scale - 1, self.scale).astype(np.int16)

    def finish(self) -> np.ndarray:
        """All pixels as (pixels, channels, 2); the last partial pixel included."""
        if len(self.rest):
            self.parts.append(self._pixels(self.rest[None]))
            self.rest = self.rest[:0]
        if not self.parts:
            return np.zeros((0, self.spec.channels, 2), np.int16)
        return np.concatenate(self.parts)

    def to_json_bytes(self, pixels: np.ndarray) -> bytes:
        doc = {"version": 2, "channels": self.spec.channels, "sample_rate": self.sample_rate,
               "samples_per_pixel": self.spec.samples_per_pixel, "bits": self.spec.bits,
               "length": len(pixels), "data": pixels.reshape(-1).astype(np.int64)}
        return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)


def thumbnail(pixels: np.ndarray, bits: int, width: int, height: int) -> bytes:
    """A PNG of the waveform: each column spans the min..max of the pixels it covers."""
    image = np.zeros((height, width, 4), np.uint8)
    mid = height // 2
    image[mid] = CENTRE_RGBA
    if len(pixels):
        full = 32768.0 if bits == 16 else 128.0
        lo = pixels[:, :, 0].min(axis=1).astype(np.float64) / full
        hi = pixels[:, :, 1].max(axis=1).astype(np.float64) / full
        edges = np.linspace(0, len(pixels), width + 1).astype(np.int64)
        for x in range(width):
            a, b = edges[x], max(edges[x + 1], edges[x] + 1)
            if a >= len(pixels):
                break
            top = int(round((1 - hi[a:b].max()) * (height - 1) / 2))
            bottom = int(round((1 - lo[a:b].min()) * (height - 1) / 2))
            image[max(0, top):min(height, bottom + 1), x] = WAVE_RGBA
    return encode_png(image)
