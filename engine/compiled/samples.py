"""The mode's value -> sample mapping with the NaN hold, compiled to machine code.

The render loop maps every block of both tiers' values (engine.modes.ChannelHold); in
numpy that took ~7 passes over the block (~10 ns a sample), more than evaluating most
songs. This kernel does it in one vectorisable pass and a hold pass that only runs when
the block has a NaN:

    i64 map(double* values, i64 n, <sample>* out, <sample>* previous)

writes the samples, updates *previous (the channel's last sample, held across blocks)
and returns the number of NaN values. Samples, as the player converts them:
uint8 `ToInt32(v) & 255`, int8 `ToInt32(v + 128) & 255` (a double addition first),
float/func `Math.max(Math.min(v, 1), -1)` rounded to float32.
"""
from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass, field

import llvmlite.ir as ir
import numpy as np

DBL = ir.DoubleType()
I1 = ir.IntType(1)
I8 = ir.IntType(8)
I64 = ir.IntType(64)
FLT = ir.FloatType()
_MAP_TYPE = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p)
_lock = threading.Lock()
_mappers: dict[str, "Mapper"] = {}


def _sample(b: ir.IRBuilder, mode: str, v: ir.Value) -> ir.Value:
    """The sample of a non-NaN value."""
    if mode in ("uint8", "int8"):
        if mode == "int8":
            v = b.fadd(v, ir.Constant(DBL, 128.0))
        # |v| >= 2^63 (and the infinities) is a multiple of 256: its low byte is 0
        fabs = b.call(b.module.declare_intrinsic("llvm.fabs", [DBL]), [v])
        small = b.fcmp_ordered("<", fabs, ir.Constant(DBL, 9223372036854775808.0))
        v = b.select(small, v, ir.Constant(DBL, 0.0))
        return b.trunc(b.fptosi(v, I64), I8)
    v = b.select(b.fcmp_ordered("<", v, ir.Constant(DBL, 1.0)), v, ir.Constant(DBL, 1.0))
    v = b.select(b.fcmp_ordered(">", v, ir.Constant(DBL, -1.0)), v, ir.Constant(DBL, -1.0))
    return b.fptrunc(v, FLT)


def mapper_ir(mode: str) -> str:
    """LLVM IR of the mapping function `fill` for `mode` (see the module docstring)."""
    st = I8 if mode in ("uint8", "int8") else FLT
    module = ir.Module("samples_" + mode)
    fn = ir.Function(module, ir.FunctionType(I64, [DBL.as_pointer(), I64, st.as_pointer(), st.as_pointer()]),
                     "fill")
    values, n, out, prev = fn.args
    for a in (values, out, prev):
        a.add_attribute("noalias")
    entry, head, body, check, hold_head, hold_body, done = (
        fn.append_basic_block(x) for x in ("entry", "head", "body", "check", "hold_head", "hold_body", "done"))
    b = ir.IRBuilder(entry)
    zero = ir.Constant(I64, 0)
    one = ir.Constant(I64, 1)
    b.branch(head)

    # pass 1: every sample (NaN positions: the sample of 0, fixed in pass 2), NaNs counted
    b.position_at_end(head)
    i = b.phi(I64)
    nans = b.phi(I64)
    i.add_incoming(zero, entry)
    nans.add_incoming(zero, entry)
    b.cbranch(b.icmp_signed("<", i, n), body, check)
    b.position_at_end(body)
    v = b.load(b.gep(values, [i]))
    nan = b.fcmp_unordered("uno", v, v)
    b.store(_sample(b, mode, b.select(nan, ir.Constant(DBL, 0.0), v)), b.gep(out, [i]))
    i.add_incoming(b.add(i, one), body)
    nans.add_incoming(b.add(nans, b.zext(nan, I64)), body)
    b.branch(head)

    # pass 2, only for a block with a NaN: each NaN holds the sample before it
    b.position_at_end(check)
    before = b.load(prev)
    b.cbranch(b.icmp_signed("==", nans, zero), done, hold_head)
    b.position_at_end(hold_head)
    j = b.phi(I64)
    held = b.phi(st)
    j.add_incoming(zero, check)
    held.add_incoming(before, check)
    last = fn.append_basic_block("hold_end")
    b.cbranch(b.icmp_signed("<", j, n), hold_body, last)
    b.position_at_end(hold_body)
    vj = b.load(b.gep(values, [j]))
    slot = b.gep(out, [j])
    s = b.select(b.fcmp_unordered("uno", vj, vj), held, b.load(slot))
    b.store(s, slot)
    j.add_incoming(b.add(j, one), hold_body)
    held.add_incoming(s, hold_body)
    b.branch(hold_head)
    b.position_at_end(last)
    b.branch(done)

    b.position_at_end(done)
    has_any = b.icmp_signed(">", n, zero)
    with b.if_then(has_any):
        b.store(b.load(b.gep(out, [b.sub(n, one)])), prev)
    b.ret(nans)
    return str(module)


@dataclass
class Mapper:
    """The compiled mapping of one mode: quick code first, optimized code when ready
    (engine.compiled.jit.compile_kernel replaces `fill`)."""
    ir_text: str
    fill: object = None
    optimized: threading.Event = field(default_factory=threading.Event)
    optimize = True
    engine_part = True      # the same for every song: cached with the engine, not with songs' kernels
    signature = _MAP_TYPE


def mapper(mode: str) -> Mapper:
    """The compiled mapping of `mode` (compiled once per process)."""
    from engine.compiled.jit import compile_kernel  # noqa: PLC0415
    key = "float" if mode == "func" else mode
    with _lock:
        m = _mappers.get(key)
        if m is None:
            m = Mapper(mapper_ir(key))
            compile_kernel(m)
            _mappers[key] = m
        return m


def warm_up() -> None:
    """Compile every mode's mapping now, optimized (a pool worker before its first job)."""
    for mode in ("uint8", "int8", "float"):
        mapper(mode).optimized.wait()


def map_block(mode: str, values: np.ndarray, out: np.ndarray, previous: np.ndarray) -> int:
    """Samples of `values` into `out`, holding `previous[0]` over NaNs; returns the NaN count."""
    n = len(values)
    assert values.dtype == np.float64 and values.flags.c_contiguous and len(out) >= n
    assert out.flags.c_contiguous and previous.dtype == out.dtype
    return mapper(mode).fill(values.ctypes.data, n, out.ctypes.data, previous.ctypes.data)
