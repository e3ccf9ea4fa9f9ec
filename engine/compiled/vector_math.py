"""Vector variants of the fdlibm port's functions, for LLVM's loop vectoriser.

A loop with a call in it is vectorised only if the callee has vector variants, named on
the scalar function by the attribute `vector-function-abi-variant` (LLVM's vector-function
ABI). Each of the port's functions gets variants for 2, 4 and 8 lanes:

* `sin`, `cos` and `tan` compute every lane at once: the same double operations, in the
  same order, as the port's s_sin.c / s_cos.c / s_tan.c, e_rem_pio2.c (up to 2^19*pi/2),
  k_sin.c, k_cos.c and k_tan.c, with selects instead of branches, so each lane has the scalar function's bits
  (tests/engine/test_vector_math). A vector with a lane the selects do not cover (an
  argument beyond 2^19*pi/2, one whose reduction depends on fdlibm's table of multiples
  of pi/2, or tan's of a reduced argument below 2^-28) is computed lane by lane by the
  scalar function.
* the others call the scalar function lane by lane: the call stays scalar, and the rest
  of the song's loop is vectorised around it.

The variants are one module of LLVM IR, compiled once per machine (cached with the
engine's own modules) and loaded into the optimizing JIT before any kernel that names
them (engine.compiled.jit).
"""
from __future__ import annotations

import functools
import struct

FDLIBM_SYMBOL_PREFIX = "bytebeat_fdlibm_"     # the port's functions, as kernels call them
VECTOR_SYMBOL_PREFIX = "bytebeat_vector_"
LANES = (2, 4, 8)
VECTORISED = ("sin", "cos", "tan", "pow")     # the others: lane by lane
BINARY = ("atan2", "pow")


def vector_symbol(name: str, lanes: int) -> str:
    return f"{VECTOR_SYMBOL_PREFIX}{name}_{lanes}"


def abi_variants(name: str) -> str:
    """The value of the scalar function's `vector-function-abi-variant` attribute."""
    params = "vv" if name in BINARY else "v"
    return ",".join(f"_ZGV_LLVM_N{w}{params}_{FDLIBM_SYMBOL_PREFIX}{name}({vector_symbol(name, w)})"
                    for w in LANES)


def _double(c: float) -> str:
    return "0x%016X" % struct.unpack("<Q", struct.pack("<d", c))[0]


class _Vec:
    """Emits the IR of one function over <lanes x T> values; every value is an SSA name."""

    def __init__(self, lanes: int):
        self.lanes = lanes
        self.lines: list[str] = []
        self.count = 0

    def ty(self, scalar: str) -> str:
        return f"<{self.lanes} x {scalar}>"

    def splat(self, scalar: str, value) -> str:
        text = _double(value) if scalar == "double" else str(value)
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

    def from_high_word(self, hi: str) -> str:
        """INSERT_WORDS(x, hi, 0)."""
        wide = self.emit(f"zext {self.ty('i32')} {hi} to {self.ty('i64')}")
        bits = self.emit(f"shl {self.ty('i64')} {wide}, {self.splat('i64', 32)}")
        return self.emit(f"bitcast {self.ty('i64')} {bits} to {self.ty('double')}")


# e_rem_pio2.c, k_sin.c, k_cos.c constants (the port's engine.fdlibm.trig)
_INVPIO2 = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e+00
_PIO2_1T = 6.07710050650619224932e-11
_PIO2_2 = 6.07710050630396597660e-11
_PIO2_2T = 2.02226624879595063154e-21
_PIO2_3 = 2.02226624871116645580e-21
_PIO2_3T = 8.47842766036889956997e-32
_S = (-1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04,
      2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10)
_C = (4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05,
      -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11)


def _kernel_sin(v: _Vec, x: str, y, iy: int) -> str:
    """__kernel_sin(x, y, iy) on every lane."""
    ix = v.i("and", v.high_word(x), 0x7FFFFFFF)
    z = v.mul(x, x)
    w = v.mul(z, x)
    r = v.add(_S[1], v.mul(z, v.add(_S[2], v.mul(z, v.add(_S[3], v.mul(z, v.add(_S[4], v.mul(z, _S[5]))))))))
    if iy == 0:
        result = v.add(x, v.mul(w, v.add(_S[0], v.mul(z, r))))
    else:
        result = v.sub(x, v.sub(v.sub(v.mul(z, v.sub(v.mul(0.5, y), v.mul(w, r))), y), v.mul(w, _S[0])))
    return v.select(v.icmp("ult", ix, 0x3E400000), "double", x, result)


def _kernel_cos(v: _Vec, x: str, y) -> str:
    """__kernel_cos(x, y) on every lane."""
    ix = v.i("and", v.high_word(x), 0x7FFFFFFF)
    z = v.mul(x, x)
    r = v.mul(z, v.add(_C[0], v.mul(z, v.add(_C[1], v.mul(z, v.add(_C[2], v.mul(z, v.add(
        _C[3], v.mul(z, v.add(_C[4], v.mul(z, _C[5])))))))))))
    zr_xy = v.sub(v.mul(z, r), v.mul(x, y))
    near = v.sub(1.0, v.sub(v.mul(0.5, z), zr_xy))
    qx = v.select(v.icmp("sgt", ix, 0x3FE90000), "double", 0.28125, v.from_high_word(v.i("sub", ix, 0x00200000)))
    far = v.sub(v.sub(1.0, qx), v.sub(v.sub(v.mul(0.5, z), qx), zr_xy))
    result = v.select(v.icmp("slt", ix, 0x3FD33333), "double", near, far)
    return v.select(v.icmp("ult", ix, 0x3E400000), "double", 1.0, result)


_T = (3.33333333333334091986e-01, 1.33333333333201242699e-01, 5.39682539762260521377e-02,
      2.18694882948595424599e-02, 8.86323982359930005737e-03, 3.59207910759131235356e-03,
      1.45620945432529025516e-03, 5.88041240820264096874e-04, 2.46463134818469906812e-04,
      7.81794442939557092300e-05, 7.14072491382608190305e-05, -1.85586374855275456654e-05,
      2.59073051863633712884e-05)
_PIO4 = 7.85398163397448278999e-01
_PIO4LO = 3.06161699786838301793e-17


def _kernel_tan(v: _Vec, x: str, y, odd: str) -> tuple[str, str]:
    """__kernel_tan(x, y, iy) on every lane, iy = -1 where `odd` else 1: (result, lanes it
    does not cover: |x| < 2^-28 with iy = -1)."""
    hx = v.high_word(x)
    ix = v.i("and", hx, 0x7FFFFFFF)
    tiny = v.icmp("slt", ix, 0x3E300000)
    big = v.icmp("sge", ix, 0x3FE59428)
    negative = v.icmp("slt", hx, 0)
    xs = v.select(negative, "double", v.neg(x), x)
    ys = v.select(negative, "double", v.neg(y), y) if isinstance(y, str) else \
        v.select(negative, "double", -y, y)
    folded = v.add(v.sub(_PIO4, xs), v.sub(_PIO4LO, ys))
    x1 = v.select(big, "double", folded, x)
    y1 = v.select(big, "double", 0.0, y)
    z = v.mul(x1, x1)
    w = v.mul(z, z)
    r = v.add(_T[1], v.mul(w, v.add(_T[3], v.mul(w, v.add(_T[5], v.mul(w, v.add(_T[7], v.mul(w, v.add(
        _T[9], v.mul(w, _T[11]))))))))))
    q = v.mul(z, v.add(_T[2], v.mul(w, v.add(_T[4], v.mul(w, v.add(_T[6], v.mul(w, v.add(_T[8], v.mul(w, v.add(
        _T[10], v.mul(w, _T[12])))))))))))
    s = v.mul(z, x1)
    r = v.add(y1, v.mul(z, v.add(v.mul(s, v.add(r, q)), y1)))
    r = v.add(r, v.mul(_T[0], s))
    w = v.add(x1, r)
    iy = v.select(odd, "double", -1.0, 1.0)
    far = v.mul(v.select(negative, "double", -1.0, 1.0),
                v.sub(iy, v.mul(2.0, v.sub(x1, v.sub(v.f("fdiv", v.mul(w, w), v.add(w, iy)), r)))))
    # iy = -1: -1/(x+r) computed with the high words of w and of -1/w
    z2 = _low_word_cleared(v, w)
    q2 = v.sub(r, v.sub(z2, x1))
    a = v.f("fdiv", -1.0, w)
    t = _low_word_cleared(v, a)
    s2 = v.add(1.0, v.mul(t, z2))
    inverse = v.add(t, v.mul(a, v.add(s2, v.mul(t, q2))))
    near = v.select(odd, "double", inverse, w)
    result = v.select(big, "double", far, near)
    result = v.select(tiny, "double", x, result)
    return result, v.both(tiny, odd)


def _low_word_cleared(v: _Vec, x: str) -> str:
    """SET_LOW_WORD(x, 0)."""
    bits = v.emit(f"bitcast {v.ty('double')} {x} to {v.ty('i64')}")
    high = v.emit(f"and {v.ty('i64')} {bits}, {v.splat('i64', -(1 << 32))}")
    return v.emit(f"bitcast {v.ty('i64')} {high} to {v.ty('double')}")


def _reduce(v: _Vec, x: str, hx: str, ix: str):
    """__ieee754_rem_pio2 for |x| in (pi/4, 2^19*pi/2]: (n, y0, y1, lanes it does not cover)."""
    # |x| < 3pi/4: n = +-1
    positive = v.icmp("sgt", hx, 0)
    z = v.select(positive, "double", v.sub(x, _PIO2_1), v.add(x, _PIO2_1))
    near_y0 = v.select(positive, "double", v.sub(z, _PIO2_1T), v.add(z, _PIO2_1T))
    near_y1 = v.select(positive, "double", v.sub(v.sub(z, near_y0), _PIO2_1T), v.add(v.sub(z, near_y0), _PIO2_1T))
    near_n = v.select(positive, "i32", 1, -1)
    near = v.icmp("slt", ix, 0x4002D97C)
    # medium: n = nearest integer to |x|*2/pi, up to three rounds of Cody-Waite
    medium = v.icmp("sle", ix, 0x413921FB)
    t = v.select(medium, "double", v.emit(f"call {v.ty('double')} @llvm.fabs.{_vt(v)}({v.ty('double')} {x})"), 0.0)
    n = v.emit(f"fptosi {v.ty('double')} {v.add(v.mul(t, _INVPIO2), 0.5)} to {v.ty('i32')}")
    fn = v.emit(f"sitofp {v.ty('i32')} {n} to {v.ty('double')}")
    r = v.sub(t, v.mul(fn, _PIO2_1))
    w = v.mul(fn, _PIO2_1T)
    y0 = v.sub(r, w)
    j = v.i("lshr", ix, 20)

    def exponent_gap(y: str) -> str:
        return v.i("sub", j, v.i("and", v.i("lshr", v.high_word(y), 20), 0x7FF))
    second = v.icmp("sgt", exponent_gap(y0), 16)
    r2 = v.sub(r, v.mul(fn, _PIO2_2))
    w2 = v.sub(v.mul(fn, _PIO2_2T), v.sub(v.sub(r, r2), v.mul(fn, _PIO2_2)))
    y0_2 = v.sub(r2, w2)
    third = v.both(second, v.icmp("sgt", exponent_gap(y0_2), 49))
    r3 = v.sub(r2, v.mul(fn, _PIO2_3))
    w3 = v.sub(v.mul(fn, _PIO2_3T), v.sub(v.sub(r2, r3), v.mul(fn, _PIO2_3)))
    y0_3 = v.sub(r3, w3)
    r = v.select(third, "double", r3, v.select(second, "double", r2, r))
    w = v.select(third, "double", w3, v.select(second, "double", w2, w))
    y0 = v.select(third, "double", y0_3, v.select(second, "double", y0_2, y0))
    y1 = v.sub(v.sub(r, y0), w)
    table_due = v.both(second, v.icmp("slt", n, 32))
    negative = v.icmp("slt", hx, 0)
    y0 = v.select(negative, "double", v.neg(y0), y0)
    y1 = v.select(negative, "double", v.neg(y1), y1)
    n = v.select(negative, "i32", v.i("sub", 0, n), n)
    # Not covered: beyond 2^19*pi/2; the (3pi/4) case at x = +-pi/2's high word; and
    # n < 32 with a second round due, where fdlibm first compares x with its table.
    uncovered = v.either(v.negate(medium), v.both(near, v.icmp("eq", ix, 0x3FF921FB)))
    uncovered = v.either(uncovered, v.both(v.negate(near), table_due))
    n = v.select(near, "i32", near_n, n)
    y0 = v.select(near, "double", near_y0, y0)
    y1 = v.select(near, "double", near_y1, y1)
    return n, y0, y1, uncovered


def _vt(v: _Vec) -> str:
    return f"v{v.lanes}f64"


def _trig(name: str, lanes: int) -> str:
    """sin, cos or tan on every lane (s_sin.c / s_cos.c / s_tan.c)."""
    v = _Vec(lanes)
    hx = v.high_word("%x")
    ix = v.i("and", hx, 0x7FFFFFFF)
    n, y0, y1, uncovered = _reduce(v, "%x", hx, ix)
    if name == "tan":
        odd = v.icmp("ne", v.i("and", n, 1), 0)
        result, tiny_odd = _kernel_tan(v, y0, y1, odd)
        small, _ = _kernel_tan(v, "%x", 0.0, v.icmp("ne", ix, ix))    # iy = 1
        uncovered = v.either(uncovered, tiny_odd)
    else:
        quadrant = v.i("and", n, 3)
        s = _kernel_sin(v, y0, y1, 1)
        c = _kernel_cos(v, y0, y1)
        if name == "sin":
            small, by_quadrant = _kernel_sin(v, "%x", 0.0, 0), (s, c, v.neg(s), v.neg(c))
        else:
            small, by_quadrant = _kernel_cos(v, "%x", 0.0), (c, v.neg(s), v.neg(c), s)
        result = by_quadrant[3]
        for q in (2, 1, 0):
            result = v.select(v.icmp("eq", quadrant, q), "double", by_quadrant[q], result)
    finite = v.icmp("slt", ix, 0x7FF00000)
    result = v.select(finite, "double", result, v.sub("%x", "%x"))
    is_small = v.icmp("sle", ix, 0x3FE921FB)
    result = v.select(is_small, "double", small, result)
    uncovered = v.both(uncovered, v.both(finite, v.negate(is_small)))
    mask = v.emit(f"bitcast {v.ty('i1')} {uncovered} to i{lanes}")
    any_uncovered = v.emit(f"icmp ne i{lanes} {mask}, 0")
    head = "\n".join(v.lines)
    vt = v.ty("double")
    return (f"define {vt} @{vector_symbol(name, lanes)}({vt} %x) nounwind {{\n"
            f"entry:\n{head}\n  br i1 {any_uncovered}, label %by_lane, label %done\n"
            f"by_lane:\n{_by_lane(name, lanes, ['%x'])}"
            f"  ret {vt} %lane{lanes - 1}\n"
            f"done:\n  ret {vt} {result}\n}}\n")


def _by_lane(name: str, lanes: int, args: list[str]) -> str:
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


def _lane_by_lane(name: str, lanes: int) -> str:
    vt = f"<{lanes} x double>"
    args = ["%x", "%y"] if name in BINARY else ["%x"]
    params = ", ".join(f"{vt} {a}" for a in args)
    return (f"define {vt} @{vector_symbol(name, lanes)}({params}) nounwind {{\nentry:\n"
            f"{_by_lane(name, lanes, args)}  ret {vt} %lane{lanes - 1}\n}}\n")


def declarations(names) -> str:
    """IR declaring the variants of the functions `names` in a kernel's module, kept by
    `llvm.compiler.used` until the loop vectoriser has run (unused declarations are
    dropped before it otherwise)."""
    symbols = [vector_symbol(name, w) for name in sorted(names) for w in LANES]
    lines = []
    for name in sorted(names):
        arity = 2 if name in BINARY else 1
        for w in LANES:
            vt = f"<{w} x double>"
            lines.append(f"declare {vt} @{vector_symbol(name, w)}({', '.join([vt] * arity)}) nounwind memory(none)")
    used = ", ".join(f"ptr @{s}" for s in symbols)
    lines.append(f'@llvm.compiler.used = appending global [{len(symbols)} x ptr] [{used}], section "llvm.metadata"')
    return "\n".join(lines) + "\n"


@functools.cache
def variants_ir(name: str) -> str:
    """The module of the variants of the port's function `name` (one module a function:
    a kernel loads only those it calls)."""
    arity = 2 if name in BINARY else 1
    parts = [f"declare double @{FDLIBM_SYMBOL_PREFIX}{name}({', '.join(['double'] * arity)}) nounwind readnone"]
    for lanes in LANES:
        if name == "pow":
            parts.append(_pow(lanes))
        elif name in VECTORISED:
            parts.append(_trig(name, lanes))
        else:
            parts.append(_lane_by_lane(name, lanes))
        parts.append(f"declare <{lanes} x double> @llvm.fabs.v{lanes}f64(<{lanes} x double>)")
    return "\n".join(parts)


# e_pow.c constants (the port's engine.fdlibm.pow)
_DP_H1 = 5.84962487220764160156e-01
_DP_L1 = 1.35003920212974897128e-08
_L = (5.99999999999994648725e-01, 4.28571428578550184252e-01, 3.33333329818377432918e-01,
      2.72728123808534006489e-01, 2.30660745775561754067e-01, 2.06975017800338417784e-01)
_P = (1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05,
      -1.65339022054652515390e-06, 4.13813679705723846039e-08)
_LG2 = 6.93147180559945286227e-01
_LG2_H = 6.93147182464599609375e-01
_LG2_L = -1.90465429995776804525e-09
_CP = 9.61796693925975554329e-01
_CP_H = 9.61796700954437255859e-01
_CP_L = -7.02846165095275826516e-09


def _words(v: _Vec, hi: str, lo) -> str:
    """INSERT_WORDS(x, hi, lo) (lo: an i32 vector or 0)."""
    wide = v.emit(f"zext {v.ty('i32')} {hi} to {v.ty('i64')}")
    bits = v.emit(f"shl {v.ty('i64')} {wide}, {v.splat('i64', 32)}")
    if lo != 0:
        low = v.emit(f"zext {v.ty('i32')} {lo} to {v.ty('i64')}")
        bits = v.emit(f"or {v.ty('i64')} {bits}, {low}")
    return v.emit(f"bitcast {v.ty('i64')} {bits} to {v.ty('double')}")


def _low_word(v: _Vec, x: str) -> str:
    bits = v.emit(f"bitcast {v.ty('double')} {x} to {v.ty('i64')}")
    return v.emit(f"trunc {v.ty('i64')} {bits} to {v.ty('i32')}")


def _pow(lanes: int) -> str:
    """pow(x, y) on every lane, for x a positive normal number other than 1 and y finite,
    non-zero, below 2^31 in magnitude and none of 1, -1, 2, 0.5, with a result neither
    overflowing nor below the normal range: e_pow.c's path for those, selects for its
    branches. Other lanes make the vector go lane by lane through the scalar function."""
    v = _Vec(lanes)
    x, y = "%x", "%y"
    hx, lx, hy, ly = v.high_word(x), _low_word(v, x), v.high_word(y), _low_word(v, y)
    ix = v.i("and", hx, 0x7FFFFFFF)
    iy = v.i("and", hy, 0x7FFFFFFF)
    covered = v.both(v.icmp("sge", hx, 0x00100000), v.icmp("slt", hx, 0x7FF00000))
    covered = v.both(covered, v.negate(v.both(v.icmp("eq", hx, 0x3FF00000), v.icmp("eq", lx, 0))))
    covered = v.both(covered, v.icmp("sle", iy, 0x41E00000))
    covered = v.both(covered, v.icmp("ne", v.i("or", iy, ly), 0))
    special_y = v.either(v.icmp("eq", iy, 0x3FF00000), v.either(v.icmp("eq", hy, 0x40000000),
                                                               v.icmp("eq", hy, 0x3FE00000)))
    covered = v.both(covered, v.negate(v.both(v.icmp("eq", ly, 0), special_y)))
    # log2(x) = t1 + t2 in extra precision
    n = v.i("sub", v.i("ashr", ix, 20), 0x3FF)
    j = v.i("and", ix, 0x000FFFFF)
    ix = v.i("or", j, 0x3FF00000)
    k1 = v.both(v.icmp("sgt", j, 0x3988E), v.icmp("slt", j, 0xBB67A))
    above = v.icmp("sge", j, 0xBB67A)
    n = v.select(above, "i32", v.i("add", n, 1), n)
    ix = v.select(above, "i32", v.i("sub", ix, 0x00100000), ix)
    ax = _words(v, ix, lx)                 # |x| with the high word ix (hx > 0: ax = x)
    bp = v.select(k1, "double", 1.5, 1.0)
    dp_h = v.select(k1, "double", _DP_H1, 0.0)
    dp_l = v.select(k1, "double", _DP_L1, 0.0)
    u = v.sub(ax, bp)
    w = v.f("fdiv", 1.0, v.add(ax, bp))
    ss = v.mul(u, w)
    s_h = _low_word_cleared(v, ss)
    k18 = v.select(k1, "i32", 1 << 18, 0)
    t_h = _words(v, v.i("add", v.i("add", v.i("or", v.i("ashr", ix, 1), 0x20000000), 0x00080000), k18), 0)
    t_l = v.sub(ax, v.sub(t_h, bp))
    s_l = v.mul(w, v.sub(v.sub(u, v.mul(s_h, t_h)), v.mul(s_h, t_l)))
    s2 = v.mul(ss, ss)
    r = v.mul(v.mul(s2, s2), v.add(_L[0], v.mul(s2, v.add(_L[1], v.mul(s2, v.add(_L[2], v.mul(s2, v.add(
        _L[3], v.mul(s2, v.add(_L[4], v.mul(s2, _L[5])))))))))))
    r = v.add(r, v.mul(s_l, v.add(s_h, ss)))
    s2 = v.mul(s_h, s_h)
    t_h = _low_word_cleared(v, v.add(v.add(3.0, s2), r))
    t_l = v.sub(r, v.sub(v.sub(t_h, 3.0), s2))
    u = v.mul(s_h, t_h)
    w = v.add(v.mul(s_l, t_h), v.mul(t_l, ss))
    p_h = _low_word_cleared(v, v.add(u, w))
    p_l = v.sub(w, v.sub(p_h, u))
    z_h = v.mul(_CP_H, p_h)
    z_l = v.add(v.add(v.mul(_CP_L, p_h), v.mul(p_l, _CP)), dp_l)
    t = v.emit(f"sitofp {v.ty('i32')} {n} to {v.ty('double')}")
    t1 = _low_word_cleared(v, v.add(v.add(v.add(z_h, z_l), dp_h), t))
    t2 = v.sub(z_l, v.sub(v.sub(v.sub(t1, t), dp_h), z_h))
    # y * log2(x) = p_h + p_l, then 2^that
    y1 = _low_word_cleared(v, y)
    p_l = v.add(v.mul(v.sub(y, y1), t1), v.mul(y, t2))
    p_h = v.mul(y1, t1)
    z = v.add(p_l, p_h)
    j = v.high_word(z)
    covered = v.both(covered, v.icmp("slt", j, 0x40900000))                                   # no overflow
    covered = v.both(covered, v.icmp("slt", v.i("and", j, 0x7FFFFFFF), 0x4090CC00))           # no underflow
    i = v.i("and", j, 0x7FFFFFFF)
    whole = v.icmp("sgt", i, 0x3FE00000)
    k = v.select(whole, "i32", v.i("sub", v.i("ashr", i, 20), 0x3FF), 0)
    m = v.i("add", j, v.i("lshr", 0x00100000, v.i("add", k, 1)))
    k = v.select(whole, "i32", v.i("sub", v.i("lshr", v.i("and", m, 0x7FFFFFFF), 20), 0x3FF), 0)
    t = _words(v, v.i("and", m, v.i("xor", v.i("lshr", 0x000FFFFF, k), -1)), 0)
    m = v.i("lshr", v.i("or", v.i("and", m, 0x000FFFFF), 0x00100000), v.i("sub", 20, k))
    m = v.select(v.icmp("slt", j, 0), "i32", v.i("sub", 0, m), m)
    n = v.select(whole, "i32", m, 0)
    p_h = v.select(whole, "double", v.sub(p_h, t), p_h)
    t = _low_word_cleared(v, v.add(p_l, p_h))
    u = v.mul(t, _LG2_H)
    w = v.add(v.mul(v.sub(p_l, v.sub(t, p_h)), _LG2), v.mul(t, _LG2_L))
    z = v.add(u, w)
    w = v.sub(w, v.sub(z, u))
    t = v.mul(z, z)
    t1 = v.sub(z, v.mul(t, v.add(_P[0], v.mul(t, v.add(_P[1], v.mul(t, v.add(_P[2], v.mul(t, v.add(
        _P[3], v.mul(t, _P[4]))))))))))
    r = v.f("fdiv", v.mul(z, t1), v.sub(v.sub(t1, 2.0), v.add(w, v.mul(z, w))))
    z = v.sub(1.0, v.sub(r, z))
    high = v.i("add", v.high_word(z), v.i("shl", n, 20))
    covered = v.both(covered, v.icmp("sgt", v.i("ashr", high, 20), 0))                        # a normal result
    result = _words(v, high, _low_word(v, z))
    uncovered = v.negate(covered)
    mask = v.emit(f"bitcast {v.ty('i1')} {uncovered} to i{lanes}")
    any_uncovered = v.emit(f"icmp ne i{lanes} {mask}, 0")
    vt = v.ty("double")
    return (f"define {vt} @{vector_symbol('pow', lanes)}({vt} %x, {vt} %y) nounwind {{\n"
            f"entry:\n" + "\n".join(v.lines) + f"\n  br i1 {any_uncovered}, label %by_lane, label %done\n"
            f"by_lane:\n{_by_lane('pow', lanes, ['%x', '%y'])}"
            f"  ret {vt} %lane{lanes - 1}\n"
            f"done:\n  ret {vt} {result}\n}}\n")
