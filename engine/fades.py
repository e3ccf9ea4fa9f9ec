"""Linear fade-in and fade-out applied to rendered samples.

The gain of sample i (0-based, n samples, fade lengths in samples fi and fo):
g = min(1, i / fi) * min(1, (n - 1 - i) / fo) (a factor is 1 when its fade is 0).
Byte samples fade around 128 and are rounded half up: floor(128 + (b - 128) * g + 0.5).
"""
from __future__ import annotations

import numpy as np


def fade_lengths(sample_rate: float, fade_in: float, fade_out: float, n: int) -> tuple[int, int]:
    fi = min(n, int(round(fade_in * sample_rate)))
    fo = min(n, int(round(fade_out * sample_rate)))
    return fi, fo


def gains(start: int, count: int, n: int, fi: int, fo: int) -> np.ndarray | None:
    """Gains for samples start .. start+count-1, or None when all are 1."""
    if (fi == 0 or start >= fi) and (fo == 0 or start + count <= n - fo):
        return None
    i = np.arange(start, start + count, dtype=np.float64)
    g = np.ones(count)
    if fi:
        g = np.minimum(g, i / fi)
    if fo:
        g = np.minimum(g, (n - 1 - i) / fo)
    return np.clip(g, 0.0, 1.0)


def apply(samples: np.ndarray, g: np.ndarray | None) -> np.ndarray:
    if g is None:
        return samples
    if samples.dtype == np.uint8:
        x = np.floor(128.0 + (samples.astype(np.float64) - 128.0) * g + 0.5)
        return np.clip(x, 0, 255).astype(np.uint8)
    return (samples.astype(np.float64) * g).astype(np.float32)
