"""pow (Math.pow and `**`) of V8 11.3: base::ieee754::legacy::pow.

This is fdlibm 5.3 e_pow.c as modified in V8's src/base/ieee754.cc.  V8 11.3's
math::pow calls legacy::pow directly (the --use-std-math-pow flag is off).
NOTE the V8-specific deviation from fdlibm, reproduced here on purpose: when
V8 replaced '/' by base::Divide it changed
    r = (z*t1)/(t1-two) - (w + z*w);
into
    r = base::Divide(z*t1, (t1-two) - (w + z*w));
which changes about 2 % of results compared with stock fdlibm.
"""
import math

from ._bits import _JIT, _from_words, _hi, _lo, _scalbn, _set_hi, _set_lo, njit

_DP_H1 = 5.84962487220764160156e-01
_DP_L1 = 1.35003920212974897128e-08
_TWO53 = 9007199254740992.0
_HUGE = 1.0e300
_TINY = 1.0e-300
_L1 = 5.99999999999994648725e-01
_L2 = 4.28571428578550184252e-01
_L3 = 3.33333329818377432918e-01
_L4 = 2.72728123808534006489e-01
_L5 = 2.30660745775561754067e-01
_L6 = 2.06975017800338417784e-01
_P1 = 1.66666666666666019037e-01
_P2 = -2.77777777770155933842e-03
_P3 = 6.61375632143793436117e-05
_P4 = -1.65339022054652515390e-06
_P5 = 4.13813679705723846039e-08
_LG2 = 6.93147180559945286227e-01
_LG2_H = 6.93147182464599609375e-01
_LG2_L = -1.90465429995776804525e-09
_OVT = 8.0085662595372944372e-0017
_CP = 9.61796693925975554329e-01
_CP_H = 9.61796700954437255859e-01
_CP_L = -7.02846165095275826516e-09
_IVLN2 = 1.44269504088896338700e+00
_IVLN2_H = 1.44269502162933349609e+00
_IVLN2_L = 1.92596299112661746887e-08


@njit(**_JIT)
def pow(x, y):
    """Math.pow(x, y) / x ** y of V8 11.3 (legacy::pow)."""
    hx = _hi(x)
    lx = _lo(x)
    hy = _hi(y)
    ly = _lo(y)
    ix = hx & 0x7FFFFFFF
    iy = hy & 0x7FFFFFFF

    if (iy | ly) == 0:
        return 1.0
    if (ix > 0x7FF00000 or (ix == 0x7FF00000 and lx != 0) or
            iy > 0x7FF00000 or (iy == 0x7FF00000 and ly != 0)):
        return x + y

    yisint = 0
    if hx < 0:
        if iy >= 0x43400000:
            yisint = 2
        elif iy >= 0x3FF00000:
            k = (iy >> 20) - 0x3FF
            if k > 20:
                j = ly >> (52 - k)
                if ((j << (52 - k)) & 0xFFFFFFFF) == ly:
                    yisint = 2 - (j & 1)
            elif ly == 0:
                j = iy >> (20 - k)
                if (j << (20 - k)) == iy:
                    yisint = 2 - (j & 1)

    if ly == 0:
        if iy == 0x7FF00000:
            if ((ix - 0x3FF00000) | lx) == 0:
                return y - y
            if ix >= 0x3FF00000:
                return y if hy >= 0 else 0.0
            return -y if hy < 0 else 0.0
        if iy == 0x3FF00000:
            if hy < 0:
                return 1.0 / x
            return x
        if hy == 0x40000000:
            return x * x
        if hy == 0x3FE00000:
            if hx >= 0:
                return math.sqrt(x)

    ax = abs(x)
    if lx == 0:
        if ix == 0x7FF00000 or ix == 0 or ix == 0x3FF00000:
            z = ax
            if hy < 0:
                z = 1.0 / z
            if hx < 0:
                if ((ix - 0x3FF00000) | yisint) == 0:
                    z = math.nan
                elif yisint == 1:
                    z = -z
            return z

    n = (hx >> 31) + 1
    if (n | yisint) == 0:
        return math.nan
    s = 1.0
    if (n | (yisint - 1)) == 0:
        s = -1.0

    if iy > 0x41E00000:
        if iy > 0x43F00000:
            if ix <= 0x3FEFFFFF:
                return _HUGE * _HUGE if hy < 0 else _TINY * _TINY
            if ix >= 0x3FF00000:
                return _HUGE * _HUGE if hy > 0 else _TINY * _TINY
        if ix < 0x3FEFFFFF:
            return s * _HUGE * _HUGE if hy < 0 else s * _TINY * _TINY
        if ix > 0x3FF00000:
            return s * _HUGE * _HUGE if hy > 0 else s * _TINY * _TINY
        t = ax - 1.0
        w = (t * t) * (0.5 - t * (0.3333333333333333333333 - t * 0.25))
        u = _IVLN2_H * t
        v = t * _IVLN2_L - w * _IVLN2
        t1 = u + v
        t1 = _set_lo(t1, 0)
        t2 = v - (t1 - u)
    else:
        n = 0
        if ix < 0x00100000:
            ax *= _TWO53
            n -= 53
            ix = _hi(ax)
        n += (ix >> 20) - 0x3FF
        j = ix & 0x000FFFFF
        ix = j | 0x3FF00000
        if j <= 0x3988E:
            k = 0
        elif j < 0xBB67A:
            k = 1
        else:
            k = 0
            n += 1
            ix -= 0x00100000
        ax = _set_hi(ax, ix)
        bp = 1.5 if k == 1 else 1.0
        dp_h = _DP_H1 if k == 1 else 0.0
        dp_l = _DP_L1 if k == 1 else 0.0

        u = ax - bp
        v = 1.0 / (ax + bp)
        ss = u * v
        s_h = _set_lo(ss, 0)
        t_h = _from_words(((ix >> 1) | 0x20000000) + 0x00080000 + (k << 18), 0)
        t_l = ax - (t_h - bp)
        s_l = v * ((u - s_h * t_h) - s_h * t_l)
        s2 = ss * ss
        r = s2 * s2 * (_L1 + s2 * (_L2 + s2 * (_L3 + s2 * (_L4 + s2 * (_L5 + s2 * _L6)))))
        r += s_l * (s_h + ss)
        s2 = s_h * s_h
        t_h = 3.0 + s2 + r
        t_h = _set_lo(t_h, 0)
        t_l = r - ((t_h - 3.0) - s2)
        u = s_h * t_h
        v = s_l * t_h + t_l * ss
        p_h = u + v
        p_h = _set_lo(p_h, 0)
        p_l = v - (p_h - u)
        z_h = _CP_H * p_h
        z_l = _CP_L * p_h + p_l * _CP + dp_l
        t = float(n)
        t1 = (((z_h + z_l) + dp_h) + t)
        t1 = _set_lo(t1, 0)
        t2 = z_l - (((t1 - t) - dp_h) - z_h)

    y1 = _set_lo(y, 0)
    p_l = (y - y1) * t1 + y * t2
    p_h = y1 * t1
    z = p_l + p_h
    j = _hi(z)
    i = _lo(z)
    if j >= 0x40900000:
        if ((j - 0x40900000) | i) != 0:
            return s * _HUGE * _HUGE
        if p_l + _OVT > z - p_h:
            return s * _HUGE * _HUGE
    elif (j & 0x7FFFFFFF) >= 0x4090CC00:
        if (j & 0xFFFFFFFF) != 0xC090CC00 or i != 0:
            return s * _TINY * _TINY
        if p_l <= z - p_h:
            return s * _TINY * _TINY
    i = j & 0x7FFFFFFF
    k = (i >> 20) - 0x3FF
    n = 0
    if i > 0x3FE00000:
        n = j + (0x00100000 >> (k + 1))
        k = ((n & 0x7FFFFFFF) >> 20) - 0x3FF
        t = _from_words(n & ~(0x000FFFFF >> k), 0)
        n = ((n & 0x000FFFFF) | 0x00100000) >> (20 - k)
        if j < 0:
            n = -n
        p_h -= t
    t = p_l + p_h
    t = _set_lo(t, 0)
    u = t * _LG2_H
    v = (p_l - (t - p_h)) * _LG2 + t * _LG2_L
    z = u + v
    w = v - (z - u)
    t = z * z
    t1 = z - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    r = (z * t1) / ((t1 - 2.0) - (w + z * w))  # sic, see module docstring
    z = 1.0 - (r - z)
    j = _hi(z)
    j += n << 20
    if (j >> 20) <= 0:
        z = _scalbn(z, n)
    else:
        z = _set_hi(z, _hi(z) + (n << 20))
    return s * z
