"""True peak (BS.1770-4 Annex 2): the peak of the signal oversampled 4x.

The Annex's interpolator has 48 taps in 4 phases of 12; phase p gives the value p/4 of a
sample period along. The Annex aims at a rate of at least 4 x 48 kHz and allows less
oversampling at higher rates. We oversample 4x below 176.4 kHz, 88.2/96 kHz included:
the filter's pass band scales with the input rate, so it stays valid there, and (see
below) 4x costs about what 2x done directly would. From 176.4 kHz on the samples are
already that dense and the true peak is the sample peak.

Phases 3 and 2 are phases 0 and 1 reversed. For such a mirrored pair, with y_p = S + A
and y_q = S - A (S and A the halves of their sum and difference), max(|y_p|, |y_q|) is
|S| + |A|, and S and A each need only 6 multiplications, of sums and differences of the
window's samples taken from both ends: 24 multiplications per sample instead of 48.

The reported true peak is never below the sample peak: the Annex's phase 0 passes a sample
with a gain of 0.972, but the analogue waveform does go through every sample.

The interpolation runs in float32 (the Annex's coefficients are exact in it; its rounding
is below 1e-5 dB), which lets the compiler use twice the SIMD lanes.
"""
from __future__ import annotations

import math

import numba
import numpy as np

# Annex 2, Table 1 ("Phase 0" .. "Phase 3"), coefficient k multiplying sample n - k.
ANNEX2_PHASES = np.array([
    [0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000,
     -0.0594482421875, 0.1373291015625, 0.9721679687500, -0.1022949218750,
     0.0476074218750, -0.0266113281250, 0.0148925781250, -0.0083007812500],
    [-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250,
     -0.1665039062500, 0.4650878906250, 0.7797851562500, -0.2003173828125,
     0.1015625000000, -0.0582275390625, 0.0330810546875, -0.0189208984375],
    [-0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000,
     -0.2003173828125, 0.7797851562500, 0.4650878906250, -0.1665039062500,
     0.0891113281250, -0.0517578125000, 0.0292968750000, -0.0291748046875],
    [-0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750,
     -0.1022949218750, 0.9721679687500, 0.1373291015625, -0.0594482421875,
     0.0332031250000, -0.0196533203125, 0.0109863281250, 0.0017089843750],
])
TAPS = ANNEX2_PHASES.shape[1]
HALF = TAPS // 2
TARGET_RATE_HZ = 4 * 44100            # no oversampling from this rate on
CHUNK_WINDOWS = 2048                  # windows interpolated at a time (fits in L1)
_MAGNITUDE_BITS = 0x7FFFFFFF          # all but the sign bit of a float32


def oversampling_factor(sample_rate: int) -> int:
    return 1 if sample_rate >= TARGET_RATE_HZ else 4


def mirrored_pair_coefficients() -> tuple[np.ndarray, np.ndarray]:
    """(symmetric, antisymmetric) halves of phases 0 and 1, 6 taps each, float32.

    symmetric[p][k] = (h_p[k] + h_p[11-k]) / 2 and antisymmetric[p][k] = (h_p[k] - h_p[11-k]) / 2,
    so phase p is symmetric + antisymmetric and its mirror (3 - p) symmetric - antisymmetric.
    """
    leading = ANNEX2_PHASES[:2]
    assert np.array_equal(ANNEX2_PHASES[2:], leading[::-1, ::-1])    # the mirrors
    reversed_taps = leading[:, ::-1]
    symmetric = (leading + reversed_taps)[:, :HALF] / 2
    antisymmetric = (leading - reversed_taps)[:, :HALF] / 2
    return symmetric.astype(np.float32), antisymmetric.astype(np.float32)


def amplitude_to_db(amplitude: float) -> float:
    return 20.0 * math.log10(amplitude) if amplitude > 0.0 else -math.inf


class TruePeakDetector:
    """Streaming 4x-oversampled peak per channel; the last TAPS - 1 samples carry across blocks."""

    def __init__(self, sample_rate: int, channels: int):
        self.factor = oversampling_factor(sample_rate)
        self._symmetric, self._antisymmetric = mirrored_pair_coefficients()
        self._history = np.zeros((channels, TAPS - 1), dtype=np.float32)
        # per channel, the float32 bit pattern of the largest |interpolated value|
        self._peak_bits = np.zeros(channels, dtype=np.int32)

    def add(self, block: np.ndarray) -> None:
        """`block`: (frames, channels) floats."""
        if self.factor == 1:
            return
        for channel in range(block.shape[1]):
            self._peak_bits[channel] = _interpolated_peak_bits(
                block[:, channel], self._history[channel], self._symmetric, self._antisymmetric,
                int(self._peak_bits[channel]))

    def interpolated_peak(self) -> float:
        """Largest |value| of the oversampled signal so far, over all channels (linear)."""
        return float(self._peak_bits.view(np.float32).max(initial=0.0))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _interpolated_peak_bits(column, history, symmetric, antisymmetric, largest):
    """Bits of the largest |interpolated value| over `history` + `column`, and `largest`.

    `history` holds the TAPS - 1 samples before `column` and is updated to its last ones.
    The column is converted to float32 chunk by chunk into `window`, whose first TAPS - 1
    samples are the end of the previous chunk, so every 12-sample window is whole.
    """
    window = np.empty(CHUNK_WINDOWS + TAPS - 1, dtype=np.float32)
    window[:TAPS - 1] = history
    peaks = np.empty(CHUNK_WINDOWS, dtype=np.float32)
    peak_bits = peaks.view(np.int32)
    frames = column.shape[0]
    for start in range(0, frames, CHUNK_WINDOWS):
        count = min(CHUNK_WINDOWS, frames - start)
        window[TAPS - 1:TAPS - 1 + count] = column[start:start + count]
        for pair in range(symmetric.shape[0]):
            _mirrored_pair_peaks(window, symmetric[pair], antisymmetric[pair], peaks, count)
            largest = _largest_magnitude_bits(peak_bits, count, largest)
        window[:TAPS - 1] = window[count:count + TAPS - 1]
    history[:] = window[:TAPS - 1]
    return largest


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _mirrored_pair_peaks(x, s, a, out, count):
    """out[w] = max(|y_p[w]|, |y_q[w]|) = |S| + |A| for a mirrored pair of phases, where
    y_p[w] = sum over k of h_p[k] * x[w + 11 - k].

    Written out tap by tap over shifted views so that the loop over w is the innermost
    one and the compiler vectorises it.
    """
    x0, x1, x2, x3, x4, x5 = x[11:], x[10:], x[9:], x[8:], x[7:], x[6:]
    x6, x7, x8, x9, x10, x11 = x[5:], x[4:], x[3:], x[2:], x[1:], x
    s0, s1, s2, s3, s4, s5 = s[0], s[1], s[2], s[3], s[4], s[5]
    a0, a1, a2, a3, a4, a5 = a[0], a[1], a[2], a[3], a[4], a[5]
    for w in range(count):
        # sums and differences of the samples k from each end of the window
        u0, v0 = x0[w] + x11[w], x0[w] - x11[w]
        u1, v1 = x1[w] + x10[w], x1[w] - x10[w]
        u2, v2 = x2[w] + x9[w], x2[w] - x9[w]
        u3, v3 = x3[w] + x8[w], x3[w] - x8[w]
        u4, v4 = x4[w] + x7[w], x4[w] - x7[w]
        u5, v5 = x5[w] + x6[w], x5[w] - x6[w]
        symmetric = s0 * u0 + s1 * u1 + s2 * u2 + s3 * u3 + s4 * u4 + s5 * u5
        antisymmetric = a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3 + a4 * v4 + a5 * v5
        out[w] = abs(symmetric) + abs(antisymmetric)


@numba.njit(cache=True, nogil=True)
def _largest_magnitude_bits(bits, count, largest):
    """max(largest, |v|) over float32 values given as their int32 bit patterns.

    With the sign bit cleared, the bit patterns of finite floats order like their
    magnitudes; an integer max vectorises where a float max (NaN rules) does not.
    `largest` and the result are int64, the type the masked patterns widen to.
    """
    for i in range(count):
        magnitude = bits[i] & _MAGNITUDE_BITS
        largest = magnitude if magnitude > largest else largest
    return largest
