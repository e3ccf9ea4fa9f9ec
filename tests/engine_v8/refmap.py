"""Value -> sample-byte mapping of shared/bytebeat/reference.mjs (for hashing renders).

uint8: ToInt32(x) & 255; int8: ToInt32(x + 128) & 255; 128 before the channel's first
non-NaN value. float/func: float32 of clamp(x, -1, 1), 0.0 before the first non-NaN.
NaN holds the previous value. Stereo renders are interleaved L, R."""
from __future__ import annotations

import hashlib
import math

import numpy as np

from engine.v8 import load_song


def _hold(values: np.ndarray, nan: np.ndarray, initial):
    idx = np.where(nan, -1, np.arange(len(values)))
    np.maximum.accumulate(idx, out=idx)
    out = values[np.maximum(idx, 0)]
    out[idx < 0] = initial
    return out


def _to_int32_low_byte(x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        v = np.fmod(np.trunc(x), 256.0)
    v[~np.isfinite(v)] = 0.0
    return (v.astype(np.int64) & 255).astype(np.uint8)


try:  # the service's own mapping, when present (written by another part of the project)
    from engine.modes import ChannelHold as _ChannelHold
except ImportError:  # pragma: no cover
    _ChannelHold = None


def channel_bytes(mode: str, x: np.ndarray) -> np.ndarray:
    if _ChannelHold is not None:
        return _ChannelHold(mode).map(x)
    return own_channel_bytes(mode, x)


def own_channel_bytes(mode: str, x: np.ndarray) -> np.ndarray:
    nan = np.isnan(x)
    if mode in ("uint8", "int8"):
        y = x + 128.0 if mode == "int8" else x
        b = _to_int32_low_byte(np.where(nan, 0.0, y))
        return _hold(b, nan, 128)
    f = np.clip(np.where(nan, 0.0, x), -1.0, 1.0).astype(np.float32)
    return _hold(f, nan, np.float32(0.0))


def to_ref_bytes(mode: str, left: np.ndarray, right: np.ndarray, stereo: bool) -> bytes:
    L = channel_bytes(mode, left)
    if not stereo:
        return L.astype("<f4").tobytes() if L.dtype == np.float32 else L.tobytes()
    R = channel_bytes(mode, right)
    inter = np.empty(2 * len(L), dtype=L.dtype)
    inter[0::2] = L
    inter[1::2] = R
    return inter.astype("<f4").tobytes() if inter.dtype == np.float32 else inter.tobytes()


def sample_count(rate: float, seconds: float) -> int:
    return int(math.floor(rate * seconds + 0.5))


def render_values(runner, n: int, block: int = 32768):
    left = np.empty(n)
    right = np.empty(n)
    stereo = False
    for t0 in range(0, n, block):
        m = min(block, n - t0)
        lb = np.empty(m)
        rb = np.empty(m)
        stereo |= runner.fill(t0, lb, rb)
        left[t0:t0 + m] = lb
        right[t0:t0 + m] = rb
    return left, right, stereo


def render_sha256(code: str, mode: str, rate: float, seconds: float = 10.0, info: dict | None = None,
                  **kw) -> tuple[str, bool]:
    runner = load_song(code, mode, rate, **kw)
    if info is not None:
        info["pow"] = getattr(runner, "pow_status", None)
    try:
        left, right, stereo = render_values(runner, sample_count(rate, seconds))
    finally:
        runner.close()
    return hashlib.sha256(to_ref_bytes(mode, left, right, stereo)).hexdigest(), stereo
