"""Value -> sample, per mode, exactly as the player converts and holds.

uint8: byte `v & 255`; int8: byte `(v + 128) & 255` (`&` is ECMAScript ToInt32, the
`+ 128` a double addition); float/func: `Math.max(Math.min(v, 1), -1)` stored as
float32. A NaN value keeps the channel's previous sample; before the first value a
byte channel is 128 (the reference's convention) and a float channel 0.0.
"""
from __future__ import annotations

import numpy as np

BYTE_MODES = ("uint8", "int8")


def is_byte_mode(mode: str) -> bool:
    return mode in BYTE_MODES


def sample_dtype(mode: str):
    return np.uint8 if is_byte_mode(mode) else np.float32


def to_int32_low_byte(x: np.ndarray) -> np.ndarray:
    """ToInt32(x) & 255 for finite or infinite doubles (NaN must be masked by the caller)."""
    finite = np.isfinite(x)
    with np.errstate(invalid="ignore"):
        r = np.fmod(np.trunc(np.where(finite, x, 0.0)), 4294967296.0)
    return (r.astype(np.int64) & 255).astype(np.uint8)


def convert(mode: str, values: np.ndarray) -> np.ndarray:
    """Samples for non-NaN values (NaN positions get an arbitrary sample)."""
    if mode == "uint8":
        return to_int32_low_byte(values)
    if mode == "int8":
        return to_int32_low_byte(values + 128.0)
    v = np.where(np.isnan(values), 0.0, values)
    return np.maximum(np.minimum(v, 1.0), -1.0).astype(np.float32)


class ChannelHold:
    """Maps one channel's values block by block, holding the previous sample on NaN."""

    def __init__(self, mode: str):
        self.mode = mode
        self.previous = sample_dtype(mode)(128 if is_byte_mode(mode) else 0.0)
        self.nan_count = 0

    def map(self, values: np.ndarray) -> np.ndarray:
        samples = convert(self.mode, values)
        nan = np.isnan(values)
        if nan.any():
            self.nan_count += int(nan.sum())
            idx = np.where(nan, -1, np.arange(len(values)))
            np.maximum.accumulate(idx, out=idx)
            held = samples[np.maximum(idx, 0)]
            held[idx < 0] = self.previous
            samples = held
        if len(samples):
            self.previous = samples[-1]
        return samples
