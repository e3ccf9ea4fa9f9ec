"""A layer's level over time: gain, half-cosine fades and the pan law.

Pan law: constant power, 0 dB at the centre. For pan p in [-1, 1], theta = (p + 1) pi / 4
and the channel gains are sqrt(2) cos theta (left) and sqrt(2) sin theta (right): at the
centre both are 1 (the layer plays as rendered), hard left is +3 dB left and silence
right, and left^2 + right^2 = 2 everywhere, so a layer keeps its power as it moves.
Stereo sources (noise, stereo songs, stereo files) get the same two gains, as a balance.

Fades are half cosines (0.5 - 0.5 cos(pi x)): no corner at either end, so no click;
the fade-in starts at exactly 0 and the fade-out reaches 0 on the layer's last sample.
"""
from __future__ import annotations

import math

import numpy as np


def pan_gains(pan: float, gain_db: float) -> tuple[float, float]:
    """(left, right) linear gains for a pan position and a gain in dB."""
    level = 10.0 ** (gain_db / 20.0)
    theta = (pan + 1.0) * math.pi / 4.0
    return level * math.sqrt(2) * math.cos(theta), level * math.sqrt(2) * math.sin(theta)


def fade_gains(offset: int, count: int, length: int, fade_in: int, fade_out: int) -> np.ndarray | None:
    """Gains of frames [offset, offset + count) of a layer `length` frames long, or None
    when the whole run is at full level (the common case costs nothing)."""
    if offset >= fade_in and offset + count <= length - fade_out:
        return None
    k = np.arange(offset, offset + count, dtype=np.float64)
    g = np.ones(count)
    if fade_in > 0:
        x = np.clip(k / fade_in, 0.0, 1.0)
        g *= 0.5 - 0.5 * np.cos(np.pi * x)
    if fade_out > 0:
        x = np.clip((length - 1 - k) / fade_out, 0.0, 1.0)
        g *= 0.5 - 0.5 * np.cos(np.pi * x)
    return g.astype(np.float32)
