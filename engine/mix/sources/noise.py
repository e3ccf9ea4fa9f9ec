"""Seeded white, pink and brown noise, identical whatever the block size.

The random numbers are counter-based: the uniform number of channel c at frame n is
SplitMix64's output function applied to key + (2n + c + 1) * golden-gamma, the key
derived from the seed. A sample's value depends only on the seed and its index, never
on how the mix cuts the track into blocks, and drawing it costs a few integer
operations inside the same numba loop as the filter (no buffer of random numbers).
Uniform white noise is as flat in spectrum as Gaussian noise and bounded.
Pink and brown noise filter that stream sample by sample with state carried across
blocks, so they do not depend on the block size either:

* pink (-3 dB/octave): Paul Kellet's "refined" 7-pole filter (within 0.05 dB from 9 Hz to
  Nyquist at 44.1 kHz);
* brown (-6 dB/octave): a leaky integrator with its corner at 10 Hz, so it cannot drift.

Each colour is scaled to about RMS_LEVEL (-20 dBFS RMS) at 0 dB; channels are independent.
"""
from __future__ import annotations

import math

import numba
import numpy as np

RMS_LEVEL = 0.1
UNIFORM_RMS = 1 / math.sqrt(3)          # of uniform noise on [-1, 1)
PINK_RMS = 3.04 * UNIFORM_RMS           # Kellet's filter's output RMS for that input

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S40 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(40)
_ONE, _TWO = np.uint64(1), np.uint64(2)


@numba.njit(inline="always")
def _mix64(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(inline="always")
def _white_at(key, frame, channel):
    """Uniform on [-1, 1) from 24 random bits: channel `channel` of frame `frame`."""
    z = _mix64(key + (_TWO * np.uint64(frame) + np.uint64(channel) + _ONE) * _GAMMA)
    return (z >> _S40) * (2.0 / 16777216.0) - 1.0


def noise_key(seed: int) -> np.uint64:
    """The counter's key for a seed (SplitMix64 of the seed, as an unsigned 64-bit int)."""
    z = (seed * 0x9E3779B97F4A7C15 + 0x6A09E667F3BCC909) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return np.uint64(z ^ (z >> 31))


@numba.njit(cache=True, nogil=True)
def _white(key, offset, scale, out):
    for i in range(out.shape[0]):
        for c in range(2):
            out[i, c] = _white_at(key, offset + i, c) * scale


@numba.njit(cache=True, nogil=True, fastmath=True)
def _pink(key, offset, scale, state, out):
    """Kellet's refined pink filter per channel; state is (7, 2).
    fastmath lets LLVM fuse each pole's multiply-add (still deterministic)."""
    for c in range(2):
        b0, b1, b2, b3, b4, b5, b6 = state[0, c], state[1, c], state[2, c], state[3, c], \
            state[4, c], state[5, c], state[6, c]
        for i in range(out.shape[0]):
            w = _white_at(key, offset + i, c)
            b0 = 0.99886 * b0 + w * 0.0555179
            b1 = 0.99332 * b1 + w * 0.0750759
            b2 = 0.96900 * b2 + w * 0.1538520
            b3 = 0.86650 * b3 + w * 0.3104856
            b4 = 0.55000 * b4 + w * 0.5329522
            b5 = -0.7616 * b5 - w * 0.0168980
            out[i, c] = (b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362) * scale
            b6 = w * 0.115926
        state[0, c], state[1, c], state[2, c], state[3, c] = b0, b1, b2, b3
        state[4, c], state[5, c], state[6, c] = b4, b5, b6


@numba.njit(cache=True, nogil=True)
def _brown(key, offset, leak, scale, state, out):
    """y[n] = leak * y[n-1] + x[n] per channel; state is (1, 2)."""
    for c in range(2):
        y = state[0, c]
        for i in range(out.shape[0]):
            y = leak * y + _white_at(key, offset + i, c)
            out[i, c] = y * scale
        state[0, c] = y


class NoiseSource:
    """Stereo noise of one colour; read() must be called with consecutive offsets."""

    length = None
    BROWN_CORNER_HZ = 10.0

    def __init__(self, color: str, seed: int, sample_rate: int):
        self.color, self.seed = color, seed
        self.key = noise_key(seed)
        self.next_offset = 0
        self.leak = math.exp(-2 * math.pi * self.BROWN_CORNER_HZ / sample_rate)
        # a leaky integrator of unit-variance input has variance 1 / (1 - leak^2)
        self.brown_scale = RMS_LEVEL / UNIFORM_RMS * math.sqrt(1 - self.leak ** 2)
        self.state = np.zeros((7, 2))

    def read(self, offset: int, count: int) -> np.ndarray:
        if offset != self.next_offset:
            raise ValueError(f"noise read at {offset}, expected {self.next_offset}: reads must be consecutive")
        self.next_offset = offset + count
        out = np.empty((count, 2), np.float32)
        if self.color == "white":
            _white(self.key, offset, RMS_LEVEL / UNIFORM_RMS, out)
        elif self.color == "pink":
            _pink(self.key, offset, RMS_LEVEL / PINK_RMS, self.state, out)
        else:
            _brown(self.key, offset, self.leak, self.brown_scale, self.state, out)
        return out

    def close(self) -> None:
        pass
