"""Stage 5: LLVM IR text -> machine code, quick first, optimized in the background.

Two MCJIT engines per process, each with its own LLVM context and lock:

* `OPTIMIZED`: LLVM's O2 IR pipeline and code generator, for this CPU. Its object files
  are kept on disk (engine.compiled.objcache), so a formula compiled once is loaded in
  milliseconds by any later process.
* `QUICK`: four cheap IR passes (inline the helpers, locals to registers, peephole
  combine, simplify the control flow) and the fast instruction selector (codegen -O0):
  4-15x less compile time for 2-5x slower code, so the first samples come out sooner.
  (Without the passes the code generator has more IR to translate, so they cost about
  nothing, and the code runs up to 2x faster: tests/engine/test_speed_paths.)

A never-seen kernel is compiled by QUICK and handed to a background thread that compiles
the same IR with OPTIMIZED and then swaps the kernel's function. Both are the same IR
with IEEE semantics (no fast-math flags, no FMA contraction), so they compute the same
bits; the song's state lives in the runner's state array, not in the code, so the swap
is exact at any call boundary, stateful songs included. (llvmlite serialises every call
into LLVM with one lock: a quick compile may wait for the background thread's current
LLVM call, while the songs' machine code runs outside it.)
"""
from __future__ import annotations

import atexit
import logging
import queue
import re
import threading

import llvmlite.binding as llvm

from engine.compiled.analysis import fdlibm_address, fdlibm_names
from engine.compiled import vector_math
from engine.compiled.vector_math import FDLIBM_SYMBOL_PREFIX, VECTOR_SYMBOL_PREFIX
from engine.compiled.objcache import ObjectCache, module_key

log = logging.getLogger(__name__)
QUICK_START = True     # False: compile every kernel optimized before its first call


class Jit:
    """One MCJIT engine: a target machine at a code generation level, a context, a lock."""

    def __init__(self, codegen_opt: int, ir_passes: str | None, cache: bool):
        self.codegen_opt = codegen_opt
        self.ir_passes = ir_passes
        self.use_cache = cache
        self.lock = threading.RLock()
        self.tm = None
        self.engine = None
        self.context = None
        self.cache: ObjectCache | None = None
        self.addresses: dict[str, int] = {}    # function name -> address, every module added
        self.vector_variants_loaded: set[str] = set()

    def target_machine(self):
        with self.lock:
            if self.tm is None:
                llvm.initialize_native_target()
                llvm.initialize_native_asmprinter()
                target = llvm.Target.from_default_triple()
                # this machine's CPU (vector units, SSE4.1 rounding, ...), not generic x86-64;
                # IEEE results do not depend on it (LLVM fuses only fmuladd, never emitted)
                self.tm = target.create_target_machine(
                    cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(),
                    opt=self.codegen_opt, jit=True)
                self.context = llvm.create_context()
                empty = llvm.parse_assembly("", context=self.context)
                empty.triple = llvm.get_process_triple()
                self.engine = llvm.create_mcjit_compiler(empty, self.tm)
                if self.use_cache:
                    self.cache = ObjectCache()
                    self.engine.set_object_cache(self.cache.put, self.cache.get)
            return self.tm

    def key(self, ir_text: str, optimize: bool, engine_part: bool) -> str:
        """The module's name: in memory, and in the disk cache."""
        return module_key(ir_text, bool(optimize and self.ir_passes), engine_part)

    def is_cached(self, ir_text: str, optimize: bool, engine_part: bool = False) -> bool:
        self.target_machine()
        key = self.key(ir_text, optimize, engine_part)
        return f"fill_{key}" in self.addresses or (self.cache is not None and self.cache.load(key) is not None)

    def compile(self, ir_text: str, optimize: bool = True, engine_part: bool = False) -> int:
        """Address of the module's function `fill` (optimize=False: no IR passes;
        engine_part: one of the engine's own modules, cached apart from songs' kernels)."""
        with self.lock:
            tm = self.target_machine()
            passes = self.ir_passes if optimize else None
            key = self.key(ir_text, optimize, engine_part)
            name = f"fill_{key}"
            if name in self.addresses:
                return self.addresses[name]
            if passes == "O2" and VECTOR_SYMBOL_PREFIX in ir_text:
                self.load_vector_variants(set(_VECTOR_FUNCTION.findall(ir_text)))
            if vector_math.REMAINDER_SYMBOL in ir_text:
                OPTIMIZED.load_vector_variants({"remainder"})     # its scalar function, for any engine
            self._add(ir_text.replace('@"fill"', f'@"{name}"'), key, passes)
            self.addresses[name] = self.engine.get_function_address(name)
            return self.addresses[name]

    def _add(self, ir_text: str, key: str, passes: str | None) -> None:
        """Parse, optimize and load one module; or, when the disk cache has its machine
        code, load that under an empty module of the same name (MCJIT asks the cache by
        module, so the text is not parsed again: 267 KB of vector variants take 16 ms)."""
        if FDLIBM_SYMBOL_PREFIX in ir_text:
            register_fdlibm_symbols(set(_FDLIBM_SYMBOL.findall(ir_text)))
        cached = self.cache.load(key) if self.cache is not None else None
        if cached is not None:
            self.cache.pinned[key] = cached
            mod = llvm.parse_assembly("", context=self.context)
        else:
            mod = llvm.parse_assembly(ir_text, context=self.context)
        mod.name = key
        mod.triple = llvm.get_process_triple()
        if cached is None:
            mod.verify()
            if passes:
                run_ir_passes(mod, self.tm, passes)
        self.engine.add_module(mod)
        self.engine.finalize_object()

    def load_vector_variants(self, names) -> None:
        """The vector variants of the fdlibm functions `names` (engine.compiled.vector_math),
        which the loop vectoriser calls from optimized kernels: loaded once, before the
        first kernel that names them."""
        with self.lock:
            self.target_machine()
            for name in sorted(set(names) - self.vector_variants_loaded):
                ir_text = vector_math.variants_ir(name)
                self._add(ir_text, self.key(ir_text, True, engine_part=True), self.ir_passes)
                if name == "remainder":       # called by quick code too: known to every engine
                    llvm.add_symbol(vector_math.REMAINDER_SYMBOL,
                                    self.engine.get_function_address(vector_math.REMAINDER_SYMBOL))
                self.vector_variants_loaded.add(name)


def run_ir_passes(mod, tm, passes: str) -> None:
    """LLVM's O2 pipeline ("O2"), or the quick code's four passes ("light")."""
    pto = llvm.create_pipeline_tuning_options(speed_level=2 if passes == "O2" else 0)
    pb = llvm.create_pass_builder(tm, pto)
    if passes == "O2":
        pb.getModulePassManager().run(mod, pb)
        return
    mpm = llvm.create_new_module_pass_manager()
    mpm.add_always_inliner_pass()
    mpm.add_sroa_pass()
    mpm.add_instruction_combine_pass()
    mpm.add_simplify_cfg_pass()
    mpm.run(mod, pb)


OPTIMIZED = Jit(codegen_opt=2, ir_passes="O2", cache=True)
QUICK = Jit(codegen_opt=0, ir_passes="light", cache=False)

_symbols_lock = threading.Lock()
_fdlibm_registered: set[str] = set()
_FDLIBM_SYMBOL = re.compile(r'@"?' + re.escape(FDLIBM_SYMBOL_PREFIX) + r'(\w+)')
_VECTOR_FUNCTION = re.compile(r'@"?' + re.escape(VECTOR_SYMBOL_PREFIX) + r'([a-z0-9]+)_\d+\b')


def register_fdlibm_symbols(names=None) -> None:
    """Make the fdlibm port's C functions known to the JIT's symbol resolver: `names`
    (those a module calls), or all of them (a pool process warming up)."""
    with _symbols_lock:
        for name in sorted(fdlibm_names() if names is None else names):
            if name not in _fdlibm_registered:
                llvm.add_symbol(FDLIBM_SYMBOL_PREFIX + name, fdlibm_address(name))
                _fdlibm_registered.add(name)


class _BackgroundOptimizer:
    """One daemon thread compiling queued kernels with OPTIMIZED. At exit it finishes the
    compile in progress (so LLVM is not torn down under it) and drops the rest."""

    def __init__(self):
        self.jobs: queue.Queue = queue.Queue()
        self.thread: threading.Thread | None = None
        self.stopping = False
        self.lock = threading.Lock()

    def submit(self, item) -> None:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="kernel-optimizer", daemon=True)
                self.thread.start()
                atexit.register(self.stop)
        self.jobs.put(item)

    def _run(self) -> None:
        while (item := self.jobs.get()) is not None:
            try:
                if not self.stopping:
                    item.fill = item.signature(OPTIMIZED.compile(item.ir_text, item.optimize, item.engine_part))
            except Exception:  # noqa: BLE001 - the quick code stays: slower, same samples
                log.warning("optimizing a kernel failed; it keeps its quick code", exc_info=True)
            finally:
                item.optimized.set()

    def stop(self) -> None:
        self.stopping = True
        self.jobs.put(None)
        if self.thread is not None:
            self.thread.join()


_optimizer = _BackgroundOptimizer()


def compile_kernel(item) -> None:
    """Set item.fill: the optimized code when it is cached (memory or disk) or QUICK_START is
    off; else quick code now and the optimized code later (item.optimized is set then)."""
    if not QUICK_START or OPTIMIZED.is_cached(item.ir_text, item.optimize, item.engine_part):
        item.fill = item.signature(OPTIMIZED.compile(item.ir_text, item.optimize, item.engine_part))
        item.optimized.set()
        return
    item.fill = item.signature(QUICK.compile(item.ir_text, item.optimize))
    _optimizer.submit(item)


def target_machine():
    """The optimizing engine's target machine (created with the engine on first use)."""
    QUICK.target_machine()
    return OPTIMIZED.target_machine()


def object_cache_hits() -> int:
    return OPTIMIZED.cache.hits if OPTIMIZED.cache is not None else 0
