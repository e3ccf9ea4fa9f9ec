"""JS `%` of two doubles without fmod where that is exact, as one scalar function and
its vector variants for 2, 4 and 8 lanes (engine.compiled.vector_math).

`%` of doubles is C's fmod (V8 calls it too): a library call, one value at a time. For a
divisor C = |c| that is an integer in [1, 2^53) and a dividend with |a| < 2^53,

    a - C * trunc(a / C), with a's sign

is fmod(a, c) exactly. a is a multiple of u = ulp(a) <= 1, and so is every multiple of
C, so a lies at least u from a multiple of C unless it is one: a/C lies at least u/C
from an integer, more than half an ulp of a/C (below u/C because a/C < 2^(e+1)/C for
a's exponent e), so rounding a/C never reaches the next integer and trunc gives the
true quotient k. C*k is an integer of at most |a|, below 2^53: exact. a - C*k is fmod's
result, which is representable: exact. A zero takes a's sign, as fmod's does; an
infinite or NaN dividend gives NaN, as fmod does. Other lanes (a divisor that is not
such an integer, a larger dividend) are computed with `frem`, which is fmod.
tests/engine/test_semantics compares with fmod.
"""
from __future__ import annotations

from engine.compiled.vector_ir import Vec, vector_symbol

SYMBOL = "bytebeat_remainder"
_TWO53 = 2.0 ** 53


def _remainder(v: Vec, a: str, c: str) -> tuple[str, str]:
    """(a % c on every lane where the fast path is exact, the lanes where it is not)."""
    divisor = v.fabs(c)
    integral = v.emit(f"fcmp oeq {v.ty('double')} {divisor}, {v.intrinsic('trunc', divisor)}")
    in_range = v.both(v.emit(f"fcmp oge {v.ty('double')} {divisor}, {v.splat('double', 1.0)}"),
                      v.emit(f"fcmp olt {v.ty('double')} {divisor}, {v.splat('double', _TWO53)}"))
    magnitude = v.fabs(a)
    small = v.emit(f"fcmp olt {v.ty('double')} {magnitude}, {v.splat('double', _TWO53)}")
    not_finite = v.emit(f"fcmp ueq {v.ty('double')} {magnitude}, {v.splat('double', float('inf'))}")
    covered = v.both(v.both(integral, in_range), v.either(small, not_finite))
    k = v.intrinsic("trunc", v.f("fdiv", a, divisor))
    return v.intrinsic("copysign", v.sub(a, v.mul(divisor, k)), a), v.negate(covered)


def _any(v: Vec, lanes_mask: str) -> str:
    mask = v.emit(f"bitcast {v.ty('i1')} {lanes_mask} to i{v.lanes}")
    return v.emit(f"icmp ne i{v.lanes} {mask}, 0")


def scalar_ir() -> str:
    """`double bytebeat_remainder(double a, double c)`: the fast path, else frem."""
    v = Vec(1)
    result, uncovered = _remainder(v, "%x", "%y")
    slow = _any(v, uncovered)
    body = "\n".join(v.lines)
    return (f"define double @{SYMBOL}(double %a, double %c) nounwind {{\nentry:\n"
            f"  %x = insertelement <1 x double> undef, double %a, i32 0\n"
            f"  %y = insertelement <1 x double> undef, double %c, i32 0\n{body}\n"
            f"  br i1 {slow}, label %by_fmod, label %done\n"
            f"by_fmod:\n  %f = frem double %a, %c\n  ret double %f\n"
            f"done:\n  %r = extractelement <1 x double> {result}, i32 0\n  ret double %r\n}}\n")


def variant_ir(lanes: int) -> str:
    """The variant for `lanes` lanes: the fast path, or frem on every lane if a lane needs it."""
    v = Vec(lanes)
    result, uncovered = _remainder(v, "%x", "%y")
    slow = _any(v, uncovered)
    vt = v.ty("double")
    body = "\n".join(v.lines)
    return (f"define {vt} @{vector_symbol('remainder', lanes)}({vt} %x, {vt} %y) nounwind {{\nentry:\n{body}\n"
            f"  br i1 {slow}, label %by_fmod, label %done\n"
            f"by_fmod:\n  %f = frem {vt} %x, %y\n  ret {vt} %f\n"
            f"done:\n  ret {vt} {result}\n}}\n")
