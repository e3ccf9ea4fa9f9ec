"""Stage 5: LLVM IR text -> machine code (llvmlite MCJIT), and the runner around it.

One target machine per process; compiled kernels are cached in memory by
(code, mode, rate). A `CompiledSong` runs the player's test call at t = 0 on creation
and then fills blocks: its state (the song's globals) persists between calls.
"""
from __future__ import annotations

import ctypes
import threading
from collections import OrderedDict
from dataclasses import dataclass

import llvmlite.binding as llvm
import numpy as np

from engine.compiled.analysis import SongInfo, fdlibm_addresses
from engine.compiled.codegen import FDLIBM_SYMBOL_PREFIX, LOOP_BUDGET
from engine.errors import SongRuntimeError

_FILL_TYPE = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p)
_lock = threading.RLock()
_target_machine = None
_engine = None
_serial = 0
CACHE_SIZE = 64


def target_machine():
    """The process's one target machine (owned by the process's one MCJIT engine)."""
    global _target_machine, _engine
    if _target_machine is None:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        target = llvm.Target.from_default_triple()
        _target_machine = target.create_target_machine(opt=2, jit=True)
        empty = llvm.parse_assembly("")
        empty.triple = llvm.get_process_triple()
        _engine = llvm.create_mcjit_compiler(empty, _target_machine)
    return _target_machine


@dataclass
class Kernel:
    """A compiled song: the machine-code fill function and what its state needs."""
    info: SongInfo
    ir_text: str
    engine: object
    fill: object       # ctypes function

    @property
    def state_size(self) -> int:
        return self.info.state_size


def compile_ir(ir_text: str, optimize: bool = True):
    """Optimize (O2) and add the module to the process's engine; returns (module, fill)."""
    global _serial
    with _lock:
        tm = target_machine()
        _serial += 1
        name = f"fill_{_serial}"
        mod = llvm.parse_assembly(ir_text.replace('@"fill"', f'@"{name}"'))
        mod.triple = llvm.get_process_triple()
        mod.verify()
        if FDLIBM_SYMBOL_PREFIX in ir_text:
            register_fdlibm_symbols()
        if optimize:
            pto = llvm.create_pipeline_tuning_options(speed_level=2)
            pb = llvm.create_pass_builder(tm, pto)
            pb.getModulePassManager().run(mod, pb)
        _engine.add_module(mod)
        _engine.finalize_object()
        addr = _engine.get_function_address(name)
        return mod, _FILL_TYPE(addr)


_fdlibm_registered = False


def register_fdlibm_symbols() -> None:
    """Make the fdlibm port's C functions known to the JIT's symbol resolver."""
    global _fdlibm_registered
    if not _fdlibm_registered:
        for name, addr in fdlibm_addresses().items():
            llvm.add_symbol(FDLIBM_SYMBOL_PREFIX + name, addr)
        _fdlibm_registered = True


_cache: "OrderedDict[tuple, Kernel]" = OrderedDict()


def get_kernel(key: tuple, build) -> Kernel:
    """The cached kernel for `key`, or build() -> (info, ir_text) compiled now."""
    with _lock:
        k = _cache.get(key)
        if k is not None:
            _cache.move_to_end(key)
            return k
        info, ir_text = build()
        engine, fill = compile_ir(ir_text, info.optimize)
        k = Kernel(info, ir_text, engine, fill)
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
        r = self.kernel.fill(left.ctypes.data, right.ctypes.data, int(t0), n, self.state.ctypes.data)
        if r < 0:
            raise SongRuntimeError(
                f"the song ran more than {LOOP_BUDGET} loop iterations in {n} samples from t={t0}; "
                "stopped (it would hang the player)")
        return bool(r)

    def fill(self, t0: int, left: np.ndarray, right: np.ndarray) -> bool:
        return self._call(t0, left, right)
