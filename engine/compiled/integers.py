"""Integer code for values proven to be integers: JavaScript's double results, computed
in i64/i32 where that is exact.

A value's integer fact is an i64 `i` equal to its double (so never -0) and Python bounds
(lo, hi) with |lo|, |hi| <= 2^53, where every integer is a double. Facts start at `t`
(the sample index, 0 <= t < 2^31 by the kernel's contract), integer literals, booleans
and the results of bitwise operators, and flow through + - * % when the result's bounds
stay exact. With them ToInt32 is a truncation, `%` an srem instead of fmod (8x faster)
and the double is only made (sitofp) where a double is needed; LLVM then vectorises.
"""
from __future__ import annotations

import math

import llvmlite.ir as ir

DBL = ir.DoubleType()
I1 = ir.IntType(1)
I32 = ir.IntType(32)
I64 = ir.IntType(64)
EXACT = 1 << 53
INT32 = (-(1 << 31), (1 << 31) - 1)
UINT32 = (0, (1 << 32) - 1)
Range = tuple[int, int]


def literal(x: float) -> tuple[ir.Constant, Range] | None:
    """The fact of a number literal, if it is an exact integer (not -0)."""
    if not math.isfinite(x) or x != math.floor(x) or abs(x) > EXACT or math.copysign(1.0, x) < 0:
        return None
    return ir.Constant(I64, int(x)), (int(x), int(x))


def exact(r: Range) -> Range | None:
    return r if -EXACT <= r[0] and r[1] <= EXACT else None


def to_int32(b: ir.IRBuilder, i: ir.Value) -> ir.Value:
    """ToInt32 of an exact integer: its low 32 bits."""
    return b.trunc(i, I32)


def int32_range(r: Range) -> Range:
    """Bounds of ToInt32 of a value in r."""
    return r if INT32[0] <= r[0] and r[1] <= INT32[1] else INT32


def bitwise32(b: ir.IRBuilder, op: str, x, xr: Range, y, yr: Range, shift: int | None):
    """`x op y` of two i32 (ToInt32 of the operands, within xr and yr; shift: y & 31 when
    known): the result's fact (i64, range). A bitwise result is always an integer."""
    if op in ("&", "|", "^"):
        r = {"&": b.and_, "|": b.or_, "^": b.xor}[op](x, y)
        rng = INT32
        if op == "&" and (xr[0] >= 0 or yr[0] >= 0):
            rng = (0, min(h for lo, h in (xr, yr) if lo >= 0))
        elif xr[0] >= 0 and yr[0] >= 0:
            # | and ^ of non-negative values stay below the next power of two
            rng = (0, (1 << max(xr[1], yr[1]).bit_length()) - 1)
        return b.sext(r, I64), rng
    s = b.and_(y, ir.Constant(I32, 31))
    if op == "<<":
        rng = INT32
        if shift is not None and xr[0] >= 0 and (xr[1] << shift) <= INT32[1]:
            rng = (0, xr[1] << shift)
        return b.sext(b.shl(x, s), I64), rng
    if op == ">>":
        rng = (xr[0] >> shift, xr[1] >> shift) if shift is not None else INT32
        return b.sext(b.ashr(x, s), I64), rng
    # >>>: ToUint32(x) >> s
    rng = UINT32
    if shift is not None:
        rng = (xr[0] >> shift, xr[1] >> shift) if xr[0] >= 0 else (0, UINT32[1] >> shift)
    return b.zext(b.lshr(x, s), I64), rng


def binary(b: ir.IRBuilder, op: str, a, ar: Range, c, cr: Range):
    """`a op c` for two integer facts and an arithmetic operator (bitwise ones: bitwise32):
    (double, i64 or None, range or None), or None when the double code must be used (the
    result may not be an exact integer)."""
    if op in ("+", "-"):
        rng = exact((ar[0] + cr[0], ar[1] + cr[1]) if op == "+" else (ar[0] - cr[1], ar[1] - cr[0]))
        if rng is None:
            return None
        # x + (-x) and x - x are +0 in IEEE arithmetic too, and -0 is never a fact
        i = b.add(a, c, flags=["nsw"]) if op == "+" else b.sub(a, c, flags=["nsw"])
        return b.sitofp(i, DBL), i, rng
    if op == "*":
        products = [p * q for p in ar for q in cr]
        rng = exact((min(products), max(products)))
        # 0 * negative is -0 in doubles: the fact holds unless one side may be 0 while
        # the other may be negative
        if rng is None or _has_zero(ar) and cr[0] < 0 or _has_zero(cr) and ar[0] < 0:
            return None
        i = b.mul(a, c, flags=["nsw"])
        return b.sitofp(i, DBL), i, rng
    if op == "%":
        return _remainder(b, a, ar, c, cr)
    return None


def _within(r: Range, bounds: Range) -> bool:
    return bounds[0] <= r[0] and r[1] <= bounds[1]


def _has_zero(r: Range) -> bool:
    return r[0] <= 0 <= r[1]


def _remainder(b: ir.IRBuilder, a, ar: Range, c, cr: Range):
    """JS `%` of integers: the sign of the dividend (0 from a negative one is -0), NaN for 0."""
    zero = ir.Constant(I64, 0)
    divisor_zero = _has_zero(cr)
    if divisor_zero:
        is_zero = b.icmp_signed("==", c, zero)
        c = b.select(is_zero, ir.Constant(I64, 1), c)   # srem by 0 is undefined behaviour
    if _within(ar, INT32) and _within(cr, INT32) and (ar[0] > INT32[0] or cr[0] >= 0):
        # 32-bit division (LLVM vectorises it; there is no vector 64-bit one), unsigned when
        # neither side is negative; -2^31 % -1 (which traps) cannot occur
        x, y = b.trunc(a, I32), b.trunc(c, I32)
        r = b.sext(b.urem(x, y) if ar[0] >= 0 and cr[0] >= 0 else b.srem(x, y), I64)
    else:
        r = b.srem(a, c)
    d = b.sitofp(r, DBL)
    fact = None
    if ar[0] >= 0:
        bound = max(abs(cr[0]), abs(cr[1])) - 1
        fact = (0, max(0, min(ar[1], bound)))
    else:
        neg_zero = b.and_(b.icmp_signed("==", r, zero), b.icmp_signed("<", a, zero))
        d = b.select(neg_zero, ir.Constant(DBL, -0.0), d)
    if divisor_zero:
        d = b.select(is_zero, ir.Constant(DBL, math.nan), d)
        fact = None
    return (d, r, fact) if fact is not None else (d, None, None)


def compare(b: ir.IRBuilder, op: str, a, c) -> ir.Value:
    """A relational or (non-strict or same-type strict) equality test of two integers."""
    pred = {"==": "==", "===": "==", "!=": "!=", "!==": "!="}.get(op, op)
    return b.icmp_signed(pred, a, c)
