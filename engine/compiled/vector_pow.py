"""pow on 2, 4 or 8 lanes at once: the port's e_pow.c (engine.fdlibm.pow, V8's
legacy::pow) on its common path, the same double operations in the same order, with
selects instead of branches, so every lane has the scalar function's bits
(tests/engine/test_vector_math).
The constants are restated from engine.fdlibm.pow: importing the port imports numba, which a
render process never loads; the lane-by-lane comparisons with the port catch any
difference.
"""
from __future__ import annotations

from engine.compiled.vector_ir import Vec, function_ir

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


def pow_variant(lanes: int) -> str:
    """pow(x, y) on every lane, for x a positive normal number other than 1 and y finite,
    non-zero, below 2^31 in magnitude and none of 1, -1, 2, 0.5, with a result neither
    overflowing nor below the normal range: e_pow.c's path for those, selects for its
    branches. Other lanes make the vector go lane by lane through the scalar function."""
    v = Vec(lanes)
    x, y = "%x", "%y"
    hx, lx, hy, ly = v.high_word(x), v.low_word(x), v.high_word(y), v.low_word(y)
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
    ax = v.words(ix, lx)                 # |x| with the high word ix (hx > 0: ax = x)
    bp = v.select(k1, "double", 1.5, 1.0)
    dp_h = v.select(k1, "double", _DP_H1, 0.0)
    dp_l = v.select(k1, "double", _DP_L1, 0.0)
    u = v.sub(ax, bp)
    w = v.f("fdiv", 1.0, v.add(ax, bp))
    ss = v.mul(u, w)
    s_h = v.low_word_cleared(ss)
    k18 = v.select(k1, "i32", 1 << 18, 0)
    t_h = v.words(v.i("add", v.i("add", v.i("or", v.i("ashr", ix, 1), 0x20000000), 0x00080000), k18), 0)
    t_l = v.sub(ax, v.sub(t_h, bp))
    s_l = v.mul(w, v.sub(v.sub(u, v.mul(s_h, t_h)), v.mul(s_h, t_l)))
    s2 = v.mul(ss, ss)
    r = v.mul(v.mul(s2, s2), v.add(_L[0], v.mul(s2, v.add(_L[1], v.mul(s2, v.add(_L[2], v.mul(s2, v.add(
        _L[3], v.mul(s2, v.add(_L[4], v.mul(s2, _L[5])))))))))))
    r = v.add(r, v.mul(s_l, v.add(s_h, ss)))
    s2 = v.mul(s_h, s_h)
    t_h = v.low_word_cleared(v.add(v.add(3.0, s2), r))
    t_l = v.sub(r, v.sub(v.sub(t_h, 3.0), s2))
    u = v.mul(s_h, t_h)
    w = v.add(v.mul(s_l, t_h), v.mul(t_l, ss))
    p_h = v.low_word_cleared(v.add(u, w))
    p_l = v.sub(w, v.sub(p_h, u))
    z_h = v.mul(_CP_H, p_h)
    z_l = v.add(v.add(v.mul(_CP_L, p_h), v.mul(p_l, _CP)), dp_l)
    t = v.emit(f"sitofp {v.ty('i32')} {n} to {v.ty('double')}")
    t1 = v.low_word_cleared(v.add(v.add(v.add(z_h, z_l), dp_h), t))
    t2 = v.sub(z_l, v.sub(v.sub(v.sub(t1, t), dp_h), z_h))
    # y * log2(x) = p_h + p_l, then 2^that
    y1 = v.low_word_cleared(y)
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
    t = v.words(v.i("and", m, v.i("xor", v.i("lshr", 0x000FFFFF, k), -1)), 0)
    m = v.i("lshr", v.i("or", v.i("and", m, 0x000FFFFF), 0x00100000), v.i("sub", 20, k))
    m = v.select(v.icmp("slt", j, 0), "i32", v.i("sub", 0, m), m)
    n = v.select(whole, "i32", m, 0)
    p_h = v.select(whole, "double", v.sub(p_h, t), p_h)
    t = v.low_word_cleared(v.add(p_l, p_h))
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
    result = v.words(high, v.low_word(z))
    return function_ir("pow", v, ["%x", "%y"], result, v.negate(covered))
