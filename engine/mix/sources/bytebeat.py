"""A bytebeat song as a layer: the engine's own runner, mapped as the player maps it, resampled.

The song starts at t = 0 where the layer starts. Values go through engine.modes exactly
as in a post's render (NaN holds the previous sample), byte modes become (b - 128) / 128,
and a mono song plays in both channels. Fades are the layer's, not the song's.
"""
from __future__ import annotations

import math

import numpy as np

from engine import modes
from engine.render import BLOCK, close_runner, load_runner
from engine.request import MAX_SECONDS, BytebeatRequest
from engine.mix.sources.stream import ResampledStream


class BytebeatSource:
    length = None

    def __init__(self, code: str, mode: str, song_rate: int, mix_rate: int, frames: int,
                 deadline: float | None):
        seconds = min(MAX_SECONDS, math.ceil(frames / mix_rate) + 1)
        self.request = BytebeatRequest(code, mode, song_rate, float(seconds))
        self.runner = load_runner(self.request, "auto", deadline)
        self.holds = (modes.ChannelHold(mode), modes.ChannelHold(mode))
        self.t = 0
        self.stream = ResampledStream(self._pull, song_rate, mix_rate)

    def _pull(self) -> np.ndarray | None:
        n = self.request.sample_count - self.t
        if n <= 0:
            return None
        n = min(BLOCK, n)
        left, right = np.empty(n), np.empty(n)
        stereo = self.runner.fill(self.t, left, right)
        self.t += n
        ls = self.holds[0].map(left)
        rs = self.holds[1].map(right) if stereo else ls
        block = np.empty((n, 2), np.float32)
        block[:, 0], block[:, 1] = ls, rs
        if modes.is_byte_mode(self.request.mode):
            block -= 128.0
            block *= 1 / 128
        return block

    def read(self, offset: int, count: int) -> np.ndarray:
        return self.stream.read(count)

    def close(self) -> None:
        close_runner(self.runner)
