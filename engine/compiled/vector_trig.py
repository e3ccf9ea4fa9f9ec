"""sin, cos and tan on 2, 4 or 8 lanes at once: the port's s_sin.c, s_cos.c, s_tan.c,
e_rem_pio2.c (up to 2^19*pi/2), k_sin.c, k_cos.c and k_tan.c (engine.fdlibm.trig), the
same double operations in the same order, with selects instead of branches, so every lane
has the scalar function's bits (tests/engine/test_vector_math). A lane beyond 2^19*pi/2,
one whose reduction depends on fdlibm's table of multiples of pi/2, or tan's of a reduced
argument below 2^-28 in an odd quadrant, sends the vector lane by lane through the
scalar function.
The constants are restated from engine.fdlibm.trig: importing the port imports numba, which a
render process never loads; the lane-by-lane comparisons with the port catch any
difference.
"""
from __future__ import annotations

from engine.compiled.vector_ir import Vec, function_ir

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


def _kernel_sin(v: Vec, x: str, y, iy: int) -> str:
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


def _kernel_cos(v: Vec, x: str, y) -> str:
    """__kernel_cos(x, y) on every lane."""
    ix = v.i("and", v.high_word(x), 0x7FFFFFFF)
    z = v.mul(x, x)
    r = v.mul(z, v.add(_C[0], v.mul(z, v.add(_C[1], v.mul(z, v.add(_C[2], v.mul(z, v.add(
        _C[3], v.mul(z, v.add(_C[4], v.mul(z, _C[5])))))))))))
    zr_xy = v.sub(v.mul(z, r), v.mul(x, y))
    near = v.sub(1.0, v.sub(v.mul(0.5, z), zr_xy))
    qx = v.select(v.icmp("sgt", ix, 0x3FE90000), "double", 0.28125, v.words(v.i("sub", ix, 0x00200000), 0))
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


def _kernel_tan(v: Vec, x: str, y, odd: str) -> tuple[str, str]:
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
    z2 = v.low_word_cleared(w)
    q2 = v.sub(r, v.sub(z2, x1))
    a = v.f("fdiv", -1.0, w)
    t = v.low_word_cleared(a)
    s2 = v.add(1.0, v.mul(t, z2))
    inverse = v.add(t, v.mul(a, v.add(s2, v.mul(t, q2))))
    near = v.select(odd, "double", inverse, w)
    result = v.select(big, "double", far, near)
    result = v.select(tiny, "double", x, result)
    return result, v.both(tiny, odd)


def _reduce(v: Vec, x: str, hx: str, ix: str):
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
    t = v.select(medium, "double", v.fabs(x), 0.0)
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


def trig(name: str, lanes: int) -> str:
    """sin, cos or tan on every lane (s_sin.c / s_cos.c / s_tan.c)."""
    v = Vec(lanes)
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
    return function_ir(name, v, ["%x"], result, uncovered)
