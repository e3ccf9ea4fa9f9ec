"""Compiled kernels and the runner around them.

Kernels are compiled by engine.compiled.jit (quick code first, optimized code swapped in
when ready) and cached in memory by (code, mode, rate); their optimized machine code is
also kept on disk by the IR's digest (engine.compiled.objcache). A `CompiledSong` runs the
player's test call at t = 0 on creation and then fills blocks: its state (the song's
globals) persists between calls.
"""
from __future__ import annotations

import ctypes
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from engine.compiled.analysis import SongInfo
from engine.compiled.codegen import LOOP_BUDGET, T_MAX
from engine.compiled.jit import compile_kernel
# re-exported: engine.compiled.warm_up imports these two from here
from engine.compiled.jit import register_fdlibm_symbols, target_machine  # noqa: F401
from engine.errors import InvalidRequestError, SongRuntimeError

_FILL_TYPE = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p)
_lock = threading.RLock()
CACHE_SIZE = 64


@dataclass
class Kernel:
    """A compiled song: the machine-code fill function and what its state needs. `fill`
    starts as quick code and is replaced by optimized code (same results) when ready."""
    info: SongInfo
    ir_text: str
    fill: object = None          # ctypes function
    optimized: threading.Event = field(default_factory=threading.Event)
    signature = _FILL_TYPE
    engine_part = False          # a song's own code (engine.compiled.objcache)

    @property
    def optimize(self) -> bool:
        return self.info.optimize

    @property
    def state_size(self) -> int:
        return self.info.state_size


_cache: "OrderedDict[tuple, Kernel]" = OrderedDict()


def get_kernel(key: tuple, build) -> Kernel:
    """The cached kernel for `key`, or build() -> (info, ir_text) compiled now."""
    with _lock:
        k = _cache.get(key)
        if k is not None:
            _cache.move_to_end(key)
            return k
        info, ir_text = build()
        k = Kernel(info, ir_text)
        compile_kernel(k)
        _cache[key] = k
        while len(_cache) > CACHE_SIZE:
            # the machine code stays mapped (runners may still use it); only the cache forgets it
            _cache.popitem(last=False)
        return k


RANDOM_SEED = 42
_M64 = (1 << 64) - 1


def _fmix64(h: int) -> int:
    """MurmurHash3's 64-bit finaliser (V8 seeds Math.random's state with it)."""
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _M64
    h ^= h >> 33
    return h


def seed_random(words: np.ndarray, seed: int) -> None:
    """Math.random's state as V8 started with --random-seed=SEED (empty cache)."""
    s = seed & _M64
    bits = words[:2].view(np.uint64)
    bits[0] = _fmix64(s)
    bits[1] = _fmix64(~s & _M64)
    words[2] = 0.0


class CompiledSong:
    """SongRunner of the compiled tier (see engine.runner.SongRunner)."""

    tier = "compiled"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.state = np.zeros(max(kernel.state_size, 1), dtype=np.float64)
        if kernel.info.uses_random:
            seed_random(self.state[kernel.info.random_offset:], RANDOM_SEED)
        # the player's test call: func(0), side effects kept, output discarded
        scratch_l = np.empty(1)
        scratch_r = np.empty(1)
        self._call(0, scratch_l, scratch_r)

    def _call(self, t0: int, left: np.ndarray, right: np.ndarray) -> bool:
        n = len(left)
        if n == 0:
            return False
        assert left.dtype == np.float64 and right.dtype == np.float64 and len(right) == n
        assert left.flags.c_contiguous and right.flags.c_contiguous
        if not 0 <= t0 <= T_MAX - n:
            # the kernel's integer code relies on t being exact (engine.compiled.integers)
            raise InvalidRequestError(f"sample index t0={t0} with {n} samples is out of range:"
                                      f" the compiled tier takes 0 <= t < 2**31")
        r = self.kernel.fill(left.ctypes.data, right.ctypes.data, int(t0), n, self.state.ctypes.data)
        if r < 0:
            raise SongRuntimeError(
                f"the song ran more than {LOOP_BUDGET} loop iterations in {n} samples from t={t0}; "
                "stopped (it would hang the player)")
        return bool(r)

    def fill(self, t0: int, left: np.ndarray, right: np.ndarray) -> bool:
        return self._call(t0, left, right)

    def wait_optimized(self, timeout: float | None = None) -> bool:
        """Wait until the optimized code runs the song's next call (benchmarks, tests)."""
        return self.kernel.optimized.wait(timeout)
