"""An audio file as a layer: decoded block by block with soundfile, resampled, looped or cut.

Mono files play in both channels; files with more than two channels keep their first two.
`length` is the file's length at the mix rate (None when it loops: it fills its layer).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from engine.errors import InvalidRequestError
from engine.mix.sources.stream import ResampledStream

DECODE_FRAMES = 1 << 16


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
        self.stream = ResampledStream(self._pull, self.file.samplerate, mix_rate)

    def _pull(self) -> np.ndarray | None:
        block = self.file.read(DECODE_FRAMES, dtype="float32", always_2d=True)
        if len(block) == 0:
            if not self.loop:
                return None
            self.file.seek(0)
            block = self.file.read(DECODE_FRAMES, dtype="float32", always_2d=True)
        if block.shape[1] == 1:
            return np.repeat(block, 2, axis=1)
        return block[:, :2]

    def read(self, offset: int, count: int) -> np.ndarray:
        return self.stream.read(count)

    def close(self) -> None:
        self.file.close()
