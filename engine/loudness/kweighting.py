"""K-weighting (BS.1770-4 Annex 1) at any sample rate, and the per-100 ms energies it feeds.

The Recommendation gives the two biquads' coefficients only for 48 kHz. Like libebur128,
we keep the analog prototype they come from (a high shelf and a high pass, each named by
its centre frequency, gain and Q, fitted to the 48 kHz table) and map it to the actual
rate with the bilinear transform, pre-warped at the centre frequency. At 48 kHz this
gives the Recommendation's table back (tests/engine_loudness/test_kweighting.py).
As in libebur128 (and pyloudnorm's "DeMan" filters), the high pass keeps the table's
numerator 1, -2, 1 at every rate, so its pass-band gain (+0.04 dB at 48 kHz, where the
-0.691 dB offset accounts for it) drifts with the rate: within 0.05 dB from 22.05 to
192 kHz, +0.2 dB at 8 kHz. We keep it so our readings match those meters'.

The filter runs in a numba loop (recursive filters do not vectorise) and, in the same
pass, sums the squares of the filtered samples into 100 ms "hops": the gating blocks of
400 ms with 75 % overlap are exactly four consecutive hops, so the filtered signal
itself is never stored. Filter state and the unfinished hop carry across calls, so the
energies are bit-identical whatever the block sizes fed in.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

# Analog prototype of stage 1, the high shelf modelling the head's acoustic effect.
SHELF_CENTRE_HZ = 1681.974450955533
SHELF_GAIN_DB = 3.999843853973347
SHELF_Q = 0.7071752369554196
# The shelf's mid-band gain, as an exponent of its high-frequency gain.
SHELF_MID_GAIN_EXPONENT = 0.4996667741545416
# Analog prototype of stage 2, the RLB high pass.
HIGH_PASS_CENTRE_HZ = 38.13547087602444
HIGH_PASS_Q = 0.5003270373238773


@dataclass(frozen=True)
class Biquad:
    """b0 + b1 z^-1 + b2 z^-2 over 1 + a1 z^-1 + a2 z^-2, the Recommendation's notation."""
    b0: float
    b1: float
    b2: float
    a1: float
    a2: float

    def as_array(self) -> np.ndarray:
        return np.array([self.b0, self.b1, self.b2, self.a1, self.a2])


def high_shelf(sample_rate: float) -> Biquad:
    """Stage 1 (the pre-filter) for `sample_rate`."""
    k = math.tan(math.pi * SHELF_CENTRE_HZ / sample_rate)
    high_gain = 10.0 ** (SHELF_GAIN_DB / 20.0)
    mid_gain = high_gain ** SHELF_MID_GAIN_EXPONENT
    norm = 1.0 + k / SHELF_Q + k * k
    return Biquad(
        b0=(high_gain + mid_gain * k / SHELF_Q + k * k) / norm,
        b1=2.0 * (k * k - high_gain) / norm,
        b2=(high_gain - mid_gain * k / SHELF_Q + k * k) / norm,
        a1=2.0 * (k * k - 1.0) / norm,
        a2=(1.0 - k / SHELF_Q + k * k) / norm,
    )


def high_pass(sample_rate: float) -> Biquad:
    """Stage 2 (the RLB weighting curve) for `sample_rate`; numerator 1, -2, 1 as in the table."""
    k = math.tan(math.pi * HIGH_PASS_CENTRE_HZ / sample_rate)
    norm = 1.0 + k / HIGH_PASS_Q + k * k
    return Biquad(
        b0=1.0, b1=-2.0, b2=1.0,
        a1=2.0 * (k * k - 1.0) / norm,
        a2=(1.0 - k / HIGH_PASS_Q + k * k) / norm,
    )


class KWeightedEnergy:
    """Streaming K-weighting filter that returns the energy of every completed 100 ms hop.

    `add(block)` takes (frames, channels) floats and returns a (hops, channels) array:
    for each hop completed during this block, the sum of the squared K-weighted samples
    of each channel. The rest of the current hop waits for the next block.
    """

    def __init__(self, sample_rate: int, channels: int, hop_frames: int):
        self.hop_frames = hop_frames
        shelf, rlb = high_shelf(sample_rate), high_pass(sample_rate)
        self._shelf = shelf.as_array()
        self._high_pass_poles = np.array([rlb.a1, rlb.a2])   # its numerator is always 1, -2, 1
        # per channel: x[n-1], x[n-2], y[n-1], y[n-2] of stage 1, then of stage 2
        self._state = np.zeros((channels, 8))
        self._partial = np.zeros(channels)    # energy of the unfinished hop so far
        self._filled = 0                      # frames in the unfinished hop

    def add(self, block: np.ndarray) -> np.ndarray:
        frames, channels = block.shape
        hops = np.empty((channels, (self._filled + frames) // self.hop_frames))
        for channel in range(channels):
            _filter_channel_into_hops(block[:, channel], self._shelf, self._high_pass_poles,
                                      self._state[channel],
                                      self._partial[channel:channel + 1], self._filled,
                                      self.hop_frames, hops[channel])
        self._filled = (self._filled + frames) % self.hop_frames
        return hops.T


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _filter_channel_into_hops(x, shelf, high_pass_poles, state, partial, filled, hop_frames,
                              hops_out):
    """Both biquads and the hop energy sums, sample by sample.

    Direct form I, with the y[n-1] term added last: the only dependency from one sample
    to the next is then one fused multiply-add per stage. The high pass's numerator 1, -2, 1 is written out (two multiplications fewer per
    sample). Filter state lives in locals inside the loop and goes back to `state` at the
    end; `partial[0]` is the energy of the hop left unfinished by the previous call.
    """
    sb0, sb1, sb2, sa1, sa2 = shelf[0], shelf[1], shelf[2], shelf[3], shelf[4]
    ha1, ha2 = high_pass_poles[0], high_pass_poles[1]
    sx1, sx2, sy1, sy2 = state[0], state[1], state[2], state[3]
    hx1, hx2, hy1, hy2 = state[4], state[5], state[6], state[7]
    energy = partial[0]
    hop = 0
    n = 0
    frames = x.shape[0]
    while n < frames:
        stop = min(frames, n + hop_frames - filled)
        for i in range(n, stop):
            v = np.float64(x[i])
            s = (sb0 * v + sb1 * sx1 + sb2 * sx2 - sa2 * sy2) - sa1 * sy1
            sx2, sx1, sy2, sy1 = sx1, v, sy1, s
            h = ((s + hx2) - 2.0 * hx1 - ha2 * hy2) - ha1 * hy1
            hx2, hx1, hy2, hy1 = hx1, s, hy1, h
            energy += h * h
        filled += stop - n
        n = stop
        if filled == hop_frames:
            hops_out[hop] = energy
            hop += 1
            energy = 0.0
            filled = 0
    state[0], state[1], state[2], state[3] = sx1, sx2, sy1, sy2
    state[4], state[5], state[6], state[7] = hx1, hx2, hy1, hy2
    partial[0] = energy
