"""An audio file as a layer: decoded block by block with soundfile, resampled, looped or cut.

Mono files play in both channels; files with more than two channels keep their first two.
`length` is the file's length at the mix rate (None when it loops: it fills its layer).
A looping file small enough (LOOP_CACHE_BYTES decoded) is decoded once and replayed
from memory: a 30 s background loop under a 15-minute mix is not decoded 30 times.
Longer files stream block by block, so memory never depends on the file or the mix.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from engine.errors import InvalidRequestError
from engine.mix.sources.stream import ResampledStream

DECODE_FRAMES = 1 << 16
LOOP_CACHE_BYTES = 64 << 20      # decoded float32 stereo: about 6 minutes at 44.1 kHz


class FileLayerSource:
    def __init__(self, path: Path, loop: bool, mix_rate: int, field: str):
        try:
            self.file = sf.SoundFile(str(path))
        except (sf.LibsndfileError, RuntimeError, OSError) as e:
            raise InvalidRequestError(f"{field}: cannot decode the file as audio ({e})") from None
        if self.file.frames <= 0:
            self.file.close()
            raise InvalidRequestError(f"{field}: the file holds no audio frames")
        self.loop = loop
        self.length = None if loop else int(self.file.frames * mix_rate // self.file.samplerate)
        self.cached: list[np.ndarray] | None = None
        self.cache_at = 0
        if loop and self.file.frames * 2 * 4 <= LOOP_CACHE_BYTES:
            self.cached = []
            while (block := self._decode()) is not None:
                self.cached.append(block)
        self.stream = ResampledStream(self._pull, self.file.samplerate, mix_rate)

    def _decode(self) -> np.ndarray | None:
        """The file's next block as stereo float32, or None at its end."""
        block = self.file.read(DECODE_FRAMES, dtype="float32", always_2d=True)
        if len(block) == 0:
            return None
        if block.shape[1] == 1:
            return np.repeat(block, 2, axis=1)
        return np.ascontiguousarray(block[:, :2])

    def _pull(self) -> np.ndarray | None:
        if self.cached is not None:
            block = self.cached[self.cache_at]
            self.cache_at = (self.cache_at + 1) % len(self.cached)
            return block
        block = self._decode()
        if block is None and self.loop:
            self.file.seek(0)
            block = self._decode()
        return block

    def read(self, offset: int, count: int) -> np.ndarray:
        return self.stream.read(count)

    def close(self) -> None:
        self.file.close()
