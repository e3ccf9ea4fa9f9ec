"""A pull-based resampling buffer: feed it source blocks, take mix-rate frames out.

Both the bytebeat and the file layers produce audio at their own rate in their own
block sizes; this turns that into exactly `count` mix-rate frames per read, through
soxr's streaming resampler (band-limited, "HQ") so memory stays at a block or two.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import soxr


class ResampledStream:
    """`pull()` returns the next (frames, 2) float32 source block, or None at the end."""

    def __init__(self, pull: Callable[[], np.ndarray | None], in_rate: float, out_rate: int):
        self.pull = pull
        self.resampler = soxr.ResampleStream(in_rate, out_rate, 2, dtype="float32", quality="HQ") \
            if in_rate != out_rate else None
        self.pending: list[np.ndarray] = []
        self.buffered = 0
        self.ended = False

    def _feed(self) -> None:
        block = self.pull()
        if block is None:
            self.ended = True
            if self.resampler is None:
                return
            out = self.resampler.resample_chunk(np.zeros((0, 2), np.float32), last=True)
        else:
            block = np.ascontiguousarray(block, dtype=np.float32)
            out = block if self.resampler is None else self.resampler.resample_chunk(block)
        if len(out):
            self.pending.append(out)
            self.buffered += len(out)

    def read(self, count: int) -> np.ndarray:
        """The next `count` frames; zeros past the end of the source."""
        while self.buffered < count and not self.ended:
            self._feed()
        out = np.zeros((count, 2), np.float32)
        filled = 0
        while filled < count and self.pending:
            head = self.pending[0]
            take = min(len(head), count - filled)
            out[filled:filled + take] = head[:take]
            filled += take
            if take == len(head):
                self.pending.pop(0)
            else:
                self.pending[0] = head[take:]
        self.buffered -= filled
        return out
