"""The streaming loudness meter: K-weighting, gating and true peak over blocks of any size.

`add()` may be called with blocks of any length; state carries across calls, and every
number it reports is identical whatever the block sizes were (the filters run sample by
sample in the same order, and blocks are cut into 100 ms hops counted from the start).
Large blocks are metered in slices of CHUNK_FRAMES, so the memory used is bounded by
that slice, not by the block or the length of the programme.
"""
from __future__ import annotations

import math

import numpy as np

from engine.errors import InvalidRequestError
from engine.loudness.gating import CHANNEL_WEIGHTS, GatedIntegrator
from engine.loudness.kweighting import KWeightedEnergy
from engine.loudness.truepeak import TruePeakDetector, amplitude_to_db

# The 1.68 kHz shelf of the K-weighting needs its centre well below Nyquist.
MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 768000
CHUNK_FRAMES = 1 << 16


class LoudnessMeter:
    """BS.1770-4 integrated loudness, true peak and sample peak of a stream of blocks.

    Channels are in the order L, R (stereo), L R C Ls Rs (5.0) or L R C LFE Ls Rs (5.1);
    blocks are float arrays of shape (frames, channels), full scale at +-1.0.
    """

    def __init__(self, sample_rate: int, channels: int):
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) \
                or not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
            raise InvalidRequestError(
                f"sample_rate: must be an integer from {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz,"
                f" got {sample_rate!r}")
        if isinstance(channels, bool) or channels not in CHANNEL_WEIGHTS:
            allowed = ", ".join(str(c) for c in CHANNEL_WEIGHTS)
            raise InvalidRequestError(f"channels: must be one of {allowed}, got {channels!r}")
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self.frames = 0
        hop_frames = round(self.sample_rate / 10)            # 100 ms
        self._energy = KWeightedEnergy(self.sample_rate, self.channels, hop_frames)
        self._gating = GatedIntegrator(hop_frames, CHANNEL_WEIGHTS[self.channels])
        self._true_peak = TruePeakDetector(self.sample_rate, self.channels)
        self._sample_peak = 0.0

    def add(self, block: np.ndarray) -> None:
        """Meter the next `block` of frames (shape (frames, channels); (frames,) for mono)."""
        block = self._checked(block)
        for start in range(0, len(block), CHUNK_FRAMES):
            chunk = block[start:start + CHUNK_FRAMES]
            peak = max(float(chunk.max()), -float(chunk.min()))     # NaN stays NaN
            if not math.isfinite(peak):
                raise InvalidRequestError(
                    f"samples: must be finite, got NaN or infinity between frames"
                    f" {self.frames + start} and {self.frames + start + len(chunk)}")
            self._sample_peak = max(self._sample_peak, peak)
            self._gating.add_hops(self._energy.add(chunk))
            self._true_peak.add(chunk)
        self.frames += len(block)

    def integrated_lufs(self) -> float:
        """Gated integrated loudness in LUFS; -inf for silence or less than 400 ms of audio."""
        return self._gating.integrated_lufs()

    def true_peak_dbtp(self) -> float:
        """Largest true peak over all channels in dBTP (-inf for silence)."""
        return amplitude_to_db(max(self._true_peak.interpolated_peak(), self._sample_peak))

    def sample_peak_dbfs(self) -> float:
        """Largest |sample| over all channels in dBFS (-inf for silence)."""
        return amplitude_to_db(self._sample_peak)

    def _checked(self, block) -> np.ndarray:
        if not isinstance(block, np.ndarray) or block.dtype.kind != "f":
            kind = block.dtype if isinstance(block, np.ndarray) else type(block).__name__
            raise InvalidRequestError(
                f"samples: must be a float32 or float64 numpy array (full scale +-1.0), got {kind}")
        if block.ndim == 1 and self.channels == 1:
            block = block[:, np.newaxis]
        if block.ndim != 2 or block.shape[1] != self.channels:
            raise InvalidRequestError(
                f"samples: must have shape (frames, {self.channels}) for {self.channels}"
                f" channel(s), got {block.shape}")
        return block


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness (LUFS) of a whole (frames,) or (frames, channels) array."""
    return _metered(samples, sample_rate).integrated_lufs()


def true_peak_dbtp(samples: np.ndarray, sample_rate: int) -> float:
    """True peak (dBTP) of a whole (frames,) or (frames, channels) array."""
    return _metered(samples, sample_rate).true_peak_dbtp()


def _metered(samples, sample_rate: int) -> LoudnessMeter:
    channels = samples.shape[1] if isinstance(samples, np.ndarray) and samples.ndim == 2 else 1
    meter = LoudnessMeter(sample_rate, channels)
    meter.add(samples)
    return meter
