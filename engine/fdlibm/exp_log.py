"""exp, expm1, log, log1p, log2, log10, cbrt ported from V8 11.3 src/base/ieee754.cc.

Sources in V8's file: fdlibm 5.3 e_exp.c (with V8's exp(1) == E special case),
s_expm1.c, e_log.c, s_log1p.c, FreeBSD e_log2.c + k_log.h, e_log10.c (fdlibm
variant), FreeBSD s_cbrt.c.
"""
import numpy as np

from ._bits import _JIT, _f64_bits, _bits_f64, _from_words, _hi, _lo, _set_hi, _set_lo, njit

_O_THRESHOLD = 7.09782712893383973096e+02
_U_THRESHOLD = -7.45133219101941108420e+02
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INVLN2 = 1.44269504088896338700e+00
_P1 = 1.66666666666666019037e-01
_P2 = -2.77777777770155933842e-03
_P3 = 6.61375632143793436117e-05
_P4 = -1.65339022054652515390e-06
_P5 = 4.13813679705723846039e-08
_E = 2.718281828459045
_HUGE = 1.0e+300
_TINY = 1.0e-300
_TWOM1000 = 9.33263618503218878990e-302
_TWO1023 = 8.988465674311579539e307


@njit(**_JIT)
def exp(x):
    """Math.exp of V8 11.3 (fdlibm e_exp.c, exp(1) returns E exactly)."""
    hi = 0.0
    lo = 0.0
    k = 0
    hx = _hi(x)
    xsb = (hx >> 31) & 1
    hx &= 0x7FFFFFFF
    if hx >= 0x40862E42:
        if hx >= 0x7FF00000:
            if ((hx & 0xFFFFF) | _lo(x)) != 0:
                return x + x
            return x if xsb == 0 else 0.0
        if x > _O_THRESHOLD:
            return _HUGE * _HUGE
        if x < _U_THRESHOLD:
            return _TWOM1000 * _TWOM1000
    if hx > 0x3FD62E42:
        if hx < 0x3FF0A2B2:
            if x == 1.0:
                return _E
            if xsb == 0:
                hi = x - _LN2_HI
                lo = _LN2_LO
                k = 1
            else:
                hi = x + _LN2_HI
                lo = -_LN2_LO
                k = -1
        else:
            k = int(_INVLN2 * x + (0.5 if xsb == 0 else -0.5))
            t = float(k)
            hi = x - t * _LN2_HI
            lo = t * _LN2_LO
        x = hi - lo
    elif hx < 0x3E300000:
        if _HUGE + x > 1.0:
            return 1.0 + x
    else:
        k = 0
    t = x * x
    if k >= -1021:
        twopk = _from_words(0x3FF00000 + (k << 20), 0)
    else:
        twopk = _from_words(0x3FF00000 + ((k + 1000) << 20), 0)
    c = x - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    if k == 0:
        return 1.0 - ((x * c) / (c - 2.0) - x)
    y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi)
    if k >= -1021:
        if k == 1024:
            return y * 2.0 * _TWO1023
        return y * twopk
    return y * twopk * _TWOM1000


_Q1 = -3.33333333333331316428e-02
_Q2 = 1.58730158725481460165e-03
_Q3 = -7.93650757867487942473e-05
_Q4 = 4.00821782732936239552e-06
_Q5 = -2.01099218183624371326e-07


@njit(**_JIT)
def expm1(x):
    """Math.expm1 of V8 11.3 (fdlibm s_expm1.c)."""
    c = 0.0
    hi = 0.0
    lo = 0.0
    k = 0
    hx = _hi(x)
    xsb = hx & 0x80000000
    hx &= 0x7FFFFFFF
    if hx >= 0x4043687A:
        if hx >= 0x40862E42:
            if hx >= 0x7FF00000:
                if ((hx & 0xFFFFF) | _lo(x)) != 0:
                    return x + x
                return x if xsb == 0 else -1.0
            if x > _O_THRESHOLD:
                return _HUGE * _HUGE
        if xsb != 0:
            if x + _TINY < 0.0:
                return _TINY - 1.0
    if hx > 0x3FD62E42:
        if hx < 0x3FF0A2B2:
            if xsb == 0:
                hi = x - _LN2_HI
                lo = _LN2_LO
                k = 1
            else:
                hi = x + _LN2_HI
                lo = -_LN2_LO
                k = -1
        else:
            k = int(_INVLN2 * x + (0.5 if xsb == 0 else -0.5))
            t = float(k)
            hi = x - t * _LN2_HI
            lo = t * _LN2_LO
        x = hi - lo
        c = (hi - x) - lo
    elif hx < 0x3C900000:
        t = _HUGE + x
        return x - (t - (_HUGE + x))
    else:
        k = 0
    hfx = 0.5 * x
    hxs = x * hfx
    r1 = 1.0 + hxs * (_Q1 + hxs * (_Q2 + hxs * (_Q3 + hxs * (_Q4 + hxs * _Q5))))
    t = 3.0 - r1 * hfx
    e = hxs * ((r1 - t) / (6.0 - x * t))
    if k == 0:
        return x - (x * e - hxs)
    twopk = _from_words(0x3FF00000 + (k << 20), 0)
    e = (x * (e - c) - c)
    e -= hxs
    if k == -1:
        return 0.5 * (x - e) - 0.5
    if k == 1:
        if x < -0.25:
            return -2.0 * (e - (x + 0.5))
        return 1.0 + 2.0 * (x - e)
    if k <= -2 or k > 56:
        y = 1.0 - (e - x)
        if k == 1024:
            y = y * 2.0 * 8.98846567431158e+307
        else:
            y = y * twopk
        return y - 1.0
    if k < 20:
        t = _from_words(0x3FF00000 - (0x200000 >> k), 0)
        y = t - (e - x)
        y = y * twopk
    else:
        t = _from_words((0x3FF - k) << 20, 0)
        y = x - (e + t)
        y += 1.0
        y = y * twopk
    return y


_TWO54 = 1.80143985094819840000e+16
_Lg1 = 6.666666666666735130e-01
_Lg2 = 3.999999999940941908e-01
_Lg3 = 2.857142874366239149e-01
_Lg4 = 2.222219843214978396e-01
_Lg5 = 1.818357216161805012e-01
_Lg6 = 1.531383769920937332e-01
_Lg7 = 1.479819860511658591e-01


@njit(**_JIT)
def log(x):
    """Math.log of V8 11.3 (fdlibm e_log.c)."""
    k = 0
    hx = _hi(x)
    lx = _lo(x)
    if hx < 0x00100000:
        if ((hx & 0x7FFFFFFF) | lx) == 0:
            return -np.inf
        if hx < 0:
            return np.nan
        k -= 54
        x *= _TWO54
        hx = _hi(x)
    if hx >= 0x7FF00000:
        return x + x
    k += (hx >> 20) - 1023
    hx &= 0x000FFFFF
    i = (hx + 0x95F64) & 0x100000
    x = _set_hi(x, hx | (i ^ 0x3FF00000))
    k += (i >> 20)
    f = x - 1.0
    if (0x000FFFFF & (2 + hx)) < 3:
        if f == 0.0:
            if k == 0:
                return 0.0
            dk = float(k)
            return dk * _LN2_HI + dk * _LN2_LO
        R = f * f * (0.5 - 0.33333333333333333 * f)
        if k == 0:
            return f - R
        dk = float(k)
        return dk * _LN2_HI - ((R - dk * _LN2_LO) - f)
    s = f / (2.0 + f)
    dk = float(k)
    z = s * s
    i = hx - 0x6147A
    w = z * z
    j = 0x6B851 - hx
    t1 = w * (_Lg2 + w * (_Lg4 + w * _Lg6))
    t2 = z * (_Lg1 + w * (_Lg3 + w * (_Lg5 + w * _Lg7)))
    i |= j
    R = t2 + t1
    if i > 0:
        hfsq = 0.5 * f * f
        if k == 0:
            return f - (hfsq - s * (hfsq + R))
        return dk * _LN2_HI - ((hfsq - (s * (hfsq + R) + dk * _LN2_LO)) - f)
    if k == 0:
        return f - s * (f - R)
    return dk * _LN2_HI - ((s * (f - R) - dk * _LN2_LO) - f)


@njit(**_JIT)
def log1p(x):
    """Math.log1p of V8 11.3 (fdlibm s_log1p.c)."""
    f = 0.0
    c = 0.0
    hu = 0
    hx = _hi(x)
    ax = hx & 0x7FFFFFFF
    k = 1
    if hx < 0x3FDA827A:
        if ax >= 0x3FF00000:
            if x == -1.0:
                return -np.inf
            return np.nan
        if ax < 0x3E200000:
            if _TWO54 + x > 0.0 and ax < 0x3C900000:
                return x
            return x - x * x * 0.5
        if hx > 0 or hx <= -1076707644:  # (int32_t)0xBFD2BEC4
            k = 0
            f = x
            hu = 1
    if hx >= 0x7FF00000:
        return x + x
    if k != 0:
        if hx < 0x43400000:
            u = 1.0 + x
            hu = _hi(u)
            k = (hu >> 20) - 1023
            c = 1.0 - (u - x) if k > 0 else x - (u - 1.0)
            c /= u
        else:
            u = x
            hu = _hi(u)
            k = (hu >> 20) - 1023
            c = 0.0
        hu &= 0x000FFFFF
        if hu < 0x6A09E:
            u = _set_hi(u, hu | 0x3FF00000)
        else:
            k += 1
            u = _set_hi(u, hu | 0x3FE00000)
            hu = (0x00100000 - hu) >> 2
        f = u - 1.0
    hfsq = 0.5 * f * f
    if hu == 0:
        if f == 0.0:
            if k == 0:
                return 0.0
            c += k * _LN2_LO
            return k * _LN2_HI + c
        R = hfsq * (1.0 - 0.66666666666666666 * f)
        if k == 0:
            return f - R
        return k * _LN2_HI - ((R - (k * _LN2_LO + c)) - f)
    s = f / (2.0 + f)
    z = s * s
    R = z * (_Lg1 + z * (_Lg2 + z * (_Lg3 + z * (_Lg4 + z * (_Lg5 + z * (_Lg6 + z * _Lg7))))))
    if k == 0:
        return f - (hfsq - s * (hfsq + R))
    return k * _LN2_HI - ((hfsq - (s * (hfsq + R) + (k * _LN2_LO + c))) - f)


@njit(**_JIT)
def _k_log1p(f):
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_Lg2 + w * (_Lg4 + w * _Lg6))
    t2 = z * (_Lg1 + w * (_Lg3 + w * (_Lg5 + w * _Lg7)))
    R = t2 + t1
    hfsq = 0.5 * f * f
    return s * (hfsq + R)


_IVLN2HI = 1.44269504072144627571e+00
_IVLN2LO = 1.67517131648865118353e-10


@njit(**_JIT)
def log2(x):
    """Math.log2 of V8 11.3 (FreeBSD e_log2.c / k_log.h)."""
    k = 0
    hx = _hi(x)
    lx = _lo(x)
    if hx < 0x00100000:
        if ((hx & 0x7FFFFFFF) | lx) == 0:
            return -np.inf
        if hx < 0:
            return np.nan
        k -= 54
        x *= _TWO54
        hx = _hi(x)
    if hx >= 0x7FF00000:
        return x + x
    if hx == 0x3FF00000 and lx == 0:
        return 0.0
    k += (hx >> 20) - 1023
    hx &= 0x000FFFFF
    i = (hx + 0x95F64) & 0x100000
    x = _set_hi(x, hx | (i ^ 0x3FF00000))
    k += (i >> 20)
    y = float(k)
    f = x - 1.0
    hfsq = 0.5 * f * f
    r = _k_log1p(f)
    hi = f - hfsq
    hi = _set_lo(hi, 0)
    lo = (f - hi) - hfsq + r
    val_hi = hi * _IVLN2HI
    val_lo = (lo + hi) * _IVLN2LO + lo * _IVLN2HI
    w = y + val_hi
    val_lo += (y - w) + val_hi
    val_hi = w
    return val_lo + val_hi


_IVLN10 = 4.34294481903251816668e-01
_LOG10_2HI = 3.01029995663611771306e-01
_LOG10_2LO = 3.69423907715893078616e-13


@njit(**_JIT)
def log10(x):
    """Math.log10 of V8 11.3 (fdlibm e_log10.c variant, calls log)."""
    k = 0
    hx = _hi(x)
    lx = _lo(x)
    if hx < 0x00100000:
        if ((hx & 0x7FFFFFFF) | lx) == 0:
            return -np.inf
        if hx < 0:
            return np.nan
        k -= 54
        x *= _TWO54
        hx = _hi(x)
        lx = _lo(x)
    if hx >= 0x7FF00000:
        return x + x
    if hx == 0x3FF00000 and lx == 0:
        return 0.0
    k += (hx >> 20) - 1023
    i = 1 if k < 0 else 0
    hx = (hx & 0x000FFFFF) | ((0x3FF - i) << 20)
    y = float(k + i)
    x = _from_words(hx, lx)
    z = y * _LOG10_2LO + _IVLN10 * log(x)
    return z + y * _LOG10_2HI


_B1 = 715094163
_B2 = 696219795
_CP0 = 1.87595182427177009643
_CP1 = -1.88497979543377169875
_CP2 = 1.621429720105354466140
_CP3 = -0.758397934778766047437
_CP4 = 0.145996192886612446982


@njit(**_JIT)
def cbrt(x):
    """Math.cbrt of V8 11.3 (FreeBSD s_cbrt.c)."""
    hx = _hi(x)
    low = _lo(x)
    sign = 0x80000000 if hx < 0 else 0
    hx &= 0x7FFFFFFF
    if hx >= 0x7FF00000:
        return x + x
    if hx < 0x00100000:
        if (hx | low) == 0:
            return x
        t = _from_words(0x43500000, 0)
        t *= x
        high = _hi(t) & 0x7FFFFFFF
        t = _from_words(sign | (high // 3 + _B2), 0)
    else:
        t = _from_words(sign | (hx // 3 + _B1), 0)
    r = (t * t) * (t / x)
    t = t * ((_CP0 + r * (_CP1 + r * _CP2)) + ((r * r) * r) * (_CP3 + r * _CP4))
    # u.bits = (u.bits + 0x80000000) & 0xFFFFFFFFC0000000 (two's complement int64)
    t = _bits_f64((_f64_bits(t) + 0x80000000) & -0x40000000)
    s = t * t
    r = x / s
    w = t + t
    r = (r - t) / (w + r)
    t = t + t * r
    return t
