"""LLVM IR over vectors of doubles, written the way fdlibm's C reads (GET_HIGH_WORD,
INSERT_WORDS, ...): the emitter of the port's vector variants (engine.compiled.vector_trig,
engine.compiled.vector_pow), their symbols, and the lane-by-lane way through the port's
scalar functions for the lanes a variant does not cover."""
from __future__ import annotations

import struct

FDLIBM_SYMBOL_PREFIX = "bytebeat_fdlibm_"     # the port's functions, as kernels call them
VECTOR_SYMBOL_PREFIX = "bytebeat_vector_"


def vector_symbol(name: str, lanes: int) -> str:
    return f"{VECTOR_SYMBOL_PREFIX}{name}_{lanes}"


def double_literal(c: float) -> str:
    return "0x%016X" % struct.unpack("<Q", struct.pack("<d", c))[0]


class Vec:
    """Emits the IR of one function over <lanes x T> values; every value is an SSA name."""

    def __init__(self, lanes: int):
        self.lanes = lanes
        self.lines: list[str] = []
        self.count = 0

    def ty(self, scalar: str) -> str:
        return f"<{self.lanes} x {scalar}>"

    def splat(self, scalar: str, value) -> str:
        text = double_literal(value) if scalar == "double" else str(value)
        return "<" + ", ".join(f"{scalar} {text}" for _ in range(self.lanes)) + ">"

    def emit(self, rhs: str) -> str:
        self.count += 1
        name = f"%v{self.count}"
        self.lines.append(f"  {name} = {rhs}")
        return name

    def _arg(self, scalar: str, v) -> str:
        return v if isinstance(v, str) else self.splat(scalar, v)

    # doubles
    def f(self, op: str, a, b) -> str:
        return self.emit(f"{op} {self.ty('double')} {self._arg('double', a)}, {self._arg('double', b)}")

    def add(self, a, b): return self.f("fadd", a, b)
    def sub(self, a, b): return self.f("fsub", a, b)
    def mul(self, a, b): return self.f("fmul", a, b)

    def neg(self, a: str) -> str:
        return self.emit(f"fneg {self.ty('double')} {a}")

    # int32 words
    def i(self, op: str, a, b) -> str:
        return self.emit(f"{op} {self.ty('i32')} {self._arg('i32', a)}, {self._arg('i32', b)}")

    def icmp(self, cond: str, a, b) -> str:
        return self.emit(f"icmp {cond} {self.ty('i32')} {self._arg('i32', a)}, {self._arg('i32', b)}")

    def both(self, a: str, b: str) -> str:
        return self.emit(f"and {self.ty('i1')} {a}, {b}")

    def either(self, a: str, b: str) -> str:
        return self.emit(f"or {self.ty('i1')} {a}, {b}")

    def negate(self, a: str) -> str:
        return self.emit(f"xor {self.ty('i1')} {a}, {self.splat('i1', 'true')}")

    def select(self, cond: str, scalar: str, a, b) -> str:
        return self.emit(f"select {self.ty('i1')} {cond}, {self.ty(scalar)} {self._arg(scalar, a)}, "
                         f"{self.ty(scalar)} {self._arg(scalar, b)}")

    def high_word(self, x: str) -> str:
        """fdlibm's GET_HIGH_WORD: the double's upper 32 bits as an int32."""
        bits = self.emit(f"bitcast {self.ty('double')} {x} to {self.ty('i64')}")
        upper = self.emit(f"lshr {self.ty('i64')} {bits}, {self.splat('i64', 32)}")
        return self.emit(f"trunc {self.ty('i64')} {upper} to {self.ty('i32')}")

    def intrinsic(self, name: str, *args: str) -> str:
        """llvm.<name> of doubles (fabs, trunc, copysign)."""
        vt = self.ty("double")
        return self.emit(f"call {vt} @llvm.{name}.v{self.lanes}f64({', '.join(f'{vt} {a}' for a in args)})")

    def fabs(self, x: str) -> str:
        return self.intrinsic("fabs", x)

    def words(self, hi: str, lo) -> str:
        """INSERT_WORDS(x, hi, lo) (lo: an i32 vector or 0)."""
        wide = self.emit(f"zext {self.ty('i32')} {hi} to {self.ty('i64')}")
        bits = self.emit(f"shl {self.ty('i64')} {wide}, {self.splat('i64', 32)}")
        if lo != 0:
            low = self.emit(f"zext {self.ty('i32')} {lo} to {self.ty('i64')}")
            bits = self.emit(f"or {self.ty('i64')} {bits}, {low}")
        return self.emit(f"bitcast {self.ty('i64')} {bits} to {self.ty('double')}")

    def low_word(self, x: str) -> str:
        """GET_LOW_WORD."""
        bits = self.emit(f"bitcast {self.ty('double')} {x} to {self.ty('i64')}")
        return self.emit(f"trunc {self.ty('i64')} {bits} to {self.ty('i32')}")

    def low_word_cleared(self, x: str) -> str:
        """SET_LOW_WORD(x, 0)."""
        bits = self.emit(f"bitcast {self.ty('double')} {x} to {self.ty('i64')}")
        high = self.emit(f"and {self.ty('i64')} {bits}, {self.splat('i64', -(1 << 32))}")
        return self.emit(f"bitcast {self.ty('i64')} {high} to {self.ty('double')}")


def by_lane(name: str, lanes: int, args: list[str]) -> str:
    """IR computing the scalar function on each lane of `args` into %lane<lanes-1>."""
    vt = f"<{lanes} x double>"
    lines = []
    previous = "undef"
    for k in range(lanes):
        scalars = []
        for a, arg in enumerate(args):
            lines.append(f"  %a{a}_{k} = extractelement {vt} {arg}, i32 {k}")
            scalars.append(f"double %a{a}_{k}")
        lines.append(f"  %s{k} = call double @{FDLIBM_SYMBOL_PREFIX}{name}({', '.join(scalars)})")
        lines.append(f"  %lane{k} = insertelement {vt} {previous}, double %s{k}, i32 {k}")
        previous = f"%lane{k}"
    return "\n".join(lines) + "\n"


def intrinsic_declarations(lane_counts) -> str:
    """Declarations of the intrinsics Vec.intrinsic and Vec.fabs call, for vectors of each
    of `lane_counts` lanes (the unused ones cost nothing)."""
    lines = []
    for lanes in lane_counts:
        vt = f"<{lanes} x double>"
        lines += [f"declare {vt} @llvm.{name}.v{lanes}f64({', '.join([vt] * arity)})"
                  for name, arity in (("fabs", 1), ("trunc", 1), ("copysign", 2))]
    return "\n".join(lines)


def function_ir(name: str, v: Vec, params: list[str], result: str, uncovered: str) -> str:
    """The variant `name` for v.lanes lanes: v's code, whose value is `result`, or, if any
    lane is `uncovered`, the scalar function on every lane."""
    lanes = v.lanes
    mask = v.emit(f"bitcast {v.ty('i1')} {uncovered} to i{lanes}")
    any_uncovered = v.emit(f"icmp ne i{lanes} {mask}, 0")
    vt = v.ty("double")
    body = "\n".join(v.lines)
    return (f"define {vt} @{vector_symbol(name, lanes)}({', '.join(f'{vt} {p}' for p in params)}) nounwind {{\n"
            f"entry:\n{body}\n  br i1 {any_uncovered}, label %by_lane, label %done\n"
            f"by_lane:\n{by_lane(name, lanes, params)}"
            f"  ret {vt} %lane{lanes - 1}\n"
            f"done:\n  ret {vt} {result}\n}}\n")
