"""Value -> sample, per mode, exactly as the player converts and holds.

uint8: byte `v & 255`; int8: byte `(v + 128) & 255` (`&` is ECMAScript ToInt32, the
`+ 128` a double addition); float/func: `Math.max(Math.min(v, 1), -1)` stored as
float32. A NaN value keeps the channel's previous sample; before the first value a
byte channel is 128 (the reference's convention) and a float channel 0.0.
"""
from __future__ import annotations

import numpy as np

from engine.compiled.samples import map_block

BYTE_MODES = ("uint8", "int8")


def is_byte_mode(mode: str) -> bool:
    return mode in BYTE_MODES


def sample_dtype(mode: str):
    return np.uint8 if is_byte_mode(mode) else np.float32


class ChannelHold:
    """Maps one channel's values block by block, holding the previous sample on NaN
    (one pass of machine code: engine.compiled.samples)."""

    def __init__(self, mode: str):
        self.mode = mode
        self.previous = np.array([128 if is_byte_mode(mode) else 0.0], dtype=sample_dtype(mode))
        self.nan_count = 0

    def map(self, values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The samples of `values` (float64), written into `out` when given."""
        if out is None:
            out = np.empty(len(values), dtype=self.previous.dtype)
        samples = out[:len(values)]
        self.nan_count += map_block(self.mode, np.ascontiguousarray(values, dtype=np.float64), samples,
                                    self.previous)
        return samples

    def copy_state(self, other: "ChannelHold", nan_added: int) -> None:
        """Take `other`'s state after a block whose values were the same for both channels."""
        self.previous[0] = other.previous[0]
        self.nan_count += nan_added
