"""The contract between the render loop and a tier that evaluates a song.

A tier (the compiled one in `engine.compiled`, the embedded-V8 one in `engine.v8`)
turns code into a `SongRunner`. The render loop (`engine.render`) owns everything
after evaluation: holding the previous sample on NaN, the value-to-sample mapping
of each mode, stereo detection, fades and encoding. So both tiers share one
definition of what a sample is.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np


class SongRunner(Protocol):
    """A song compiled for one mode and sample rate, with its state (globals,
    closures, random generator) kept between calls; the test call at t = 0 has
    already run when the runner is returned."""

    tier: str  # "compiled" or "v8"

    def fill(self, t0: int, left: np.ndarray, right: np.ndarray) -> bool:
        """Evaluate sample indices t0 .. t0 + len(left) - 1 in order.

        Writes `+value` (JavaScript ToNumber) of each channel into `left` and
        `right` (float64, same length). A channel whose value is NaN, undefined
        or whose call threw gets NaN: the caller holds the previous sample.
        Non-array results are written to both channels. In `func` mode the
        runner calls the song with `t / rate` and `rate`.
        Returns True if any call in the block returned an array (stereo).
        """
        ...
