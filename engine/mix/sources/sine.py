"""Sine oscillators whose phase comes from the absolute sample index, never accumulated.

The phase at the start of each block is computed exactly from the block's index in
float64 (the whole cycles of the integer seconds dropped first, so even a 60-minute
layer keeps ~1e-12 cycle precision); inside the block sin(a + b) = sin a cos b +
cos a sin b with b taken from per-oscillator tables. So blocks join without a click
whatever their size, and no error builds up over the track.
"""
from __future__ import annotations

import math

import numpy as np


class Sine:
    """sin(2 pi f n / rate) for any run of sample indices n, as float32."""

    def __init__(self, frequency_hz: float, sample_rate: int, max_block: int):
        self.frequency, self.rate = float(frequency_hz), int(sample_rate)
        angles = 2 * np.pi * (np.arange(max_block, dtype=np.float64) * self.frequency / self.rate)
        self.cos_table = np.cos(angles).astype(np.float32)
        self.sin_table = np.sin(angles).astype(np.float32)

    def phase(self, index: int) -> float:
        """Phase (radians, 0..2 pi) of sample `index`, from integer arithmetic and one float64 step."""
        seconds, rest = divmod(int(index), self.rate)
        cycles = (seconds * self.frequency) % 1.0 + rest * self.frequency / self.rate
        return 2 * math.pi * (cycles % 1.0)

    def samples(self, index: int, count: int, out: np.ndarray | None = None) -> np.ndarray:
        a = self.phase(index)
        out = np.multiply(self.cos_table[:count], np.float32(math.sin(a)), out=out)
        out += np.float32(math.cos(a)) * self.sin_table[:count]
        return out


class ToneSource:
    """A full-scale sine, the same in both channels (the pan law places it)."""

    length = None

    def __init__(self, frequency_hz: float, sample_rate: int, max_block: int):
        self.sine = Sine(frequency_hz, sample_rate, max_block)

    def read(self, offset: int, count: int) -> np.ndarray:
        block = np.empty((count, 2), dtype=np.float32)
        self.sine.samples(offset, count, out=block[:, 0])
        block[:, 1] = block[:, 0]
        return block

    def close(self) -> None:
        pass


class BinauralSource:
    """Left ear at the carrier, right ear at carrier + beat: the beat is heard, not played."""

    length = None

    def __init__(self, carrier_hz: float, beat_hz: float, sample_rate: int, max_block: int):
        self.left = Sine(carrier_hz, sample_rate, max_block)
        self.right = Sine(carrier_hz + beat_hz, sample_rate, max_block)

    def read(self, offset: int, count: int) -> np.ndarray:
        block = np.empty((count, 2), dtype=np.float32)
        self.left.samples(offset, count, out=block[:, 0])
        self.right.samples(offset, count, out=block[:, 1])
        return block

    def close(self) -> None:
        pass
