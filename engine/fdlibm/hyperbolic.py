"""sinh, cosh, tanh, asinh, acosh, atanh ported from V8 11.3 src/base/ieee754.cc.

sinh/cosh are V8's rewrites of fdlibm e_sinh.c/e_cosh.c (ES6 comments, same
thresholds); tanh, asinh, acosh, atanh are fdlibm s_tanh.c, s_asinh.c,
e_acosh.c, e_atanh.c.
"""
import math

import numpy as np

from ._bits import _JIT, _hi, _lo, _set_hi, njit
from .exp_log import exp, expm1, log, log1p

_KOVF = 710.4758600739439
_HUGE = 1.0e300
_TINY = 1.0e-300
_TWO_M28 = 3.725290298461914e-9
_LOG_MAXD = 709.7822265625
_LN2 = 6.93147180559945286227e-01


@njit(**_JIT)
def cosh(x):
    """Math.cosh of V8 11.3."""
    ix = _hi(x) & 0x7FFFFFFF
    if ix < 0x3FD62E43:
        t = expm1(abs(x))
        w = 1.0 + t
        if ix < 0x3C800000:
            return w
        return 1.0 + (t * t) / (w + w)
    if ix < 0x40360000:
        t = exp(abs(x))
        return 0.5 * t + 0.5 / t
    if ix < 0x40862E42:
        return 0.5 * exp(abs(x))
    if abs(x) <= _KOVF:
        w = exp(0.5 * abs(x))
        t = 0.5 * w
        return t * w
    if ix >= 0x7FF00000:
        return x * x
    return _HUGE * _HUGE


@njit(**_JIT)
def sinh(x):
    """Math.sinh of V8 11.3."""
    h = -0.5 if x < 0 else 0.5
    ax = abs(x)
    if ax < 22:
        if ax < _TWO_M28:
            return x
        t = expm1(ax)
        if ax < 1:
            return h * (2 * t - t * t / (t + 1))
        return h * (t + t / (t + 1))
    if ax < _LOG_MAXD:
        return h * exp(ax)
    if ax <= _KOVF:
        w = exp(0.5 * ax)
        t = h * w
        return t * w
    return x * 1.0e307


@njit(**_JIT)
def tanh(x):
    """Math.tanh of V8 11.3 (fdlibm s_tanh.c)."""
    jx = _hi(x)
    ix = jx & 0x7FFFFFFF
    if ix >= 0x7FF00000:
        if jx >= 0:
            return 1.0 / x + 1.0
        return 1.0 / x - 1.0
    if ix < 0x40360000:
        if ix < 0x3E300000:
            if _HUGE + x > 1.0:
                return x
        if ix >= 0x3FF00000:
            t = expm1(2.0 * abs(x))
            z = 1.0 - 2.0 / (t + 2.0)
        else:
            t = expm1(-2.0 * abs(x))
            z = -t / (t + 2.0)
    else:
        z = 1.0 - _TINY
    return z if jx >= 0 else -z


@njit(**_JIT)
def asinh(x):
    """Math.asinh of V8 11.3 (fdlibm s_asinh.c)."""
    hx = _hi(x)
    ix = hx & 0x7FFFFFFF
    if ix >= 0x7FF00000:
        return x + x
    if ix < 0x3E300000:
        if _HUGE + x > 1.0:
            return x
    if ix > 0x41B00000:
        w = log(abs(x)) + _LN2
    elif ix > 0x40000000:
        t = abs(x)
        w = log(2.0 * t + 1.0 / (math.sqrt(x * x + 1.0) + t))
    else:
        t = x * x
        w = log1p(abs(x) + t / (1.0 + math.sqrt(1.0 + t)))
    return w if hx > 0 else -w


@njit(**_JIT)
def acosh(x):
    """Math.acosh of V8 11.3 (fdlibm e_acosh.c)."""
    hx = _hi(x)
    lx = _lo(x)
    if hx < 0x3FF00000:
        return np.nan
    if hx >= 0x41B00000:
        if hx >= 0x7FF00000:
            return x + x
        return log(x) + _LN2
    if ((hx - 0x3FF00000) | lx) == 0:
        return 0.0
    if hx > 0x40000000:
        t = x * x
        return log(2.0 * x - 1.0 / (x + math.sqrt(t - 1.0)))
    t = x - 1.0
    return log1p(t + math.sqrt(2.0 * t + t * t))


@njit(**_JIT)
def atanh(x):
    """Math.atanh of V8 11.3 (fdlibm e_atanh.c)."""
    hx = _hi(x)
    lx = _lo(x)
    ix = hx & 0x7FFFFFFF
    if (ix | (1 if lx != 0 else 0)) > 0x3FF00000:
        return np.nan
    if ix == 0x3FF00000:
        return np.inf if x > 0 else -np.inf
    if ix < 0x3E300000 and (_HUGE + x) > 0.0:
        return x
    x = _set_hi(x, ix)
    if ix < 0x3FE00000:
        t = x + x
        t = 0.5 * log1p(t + t * x / (1.0 - x))
    else:
        t = 0.5 * log1p((x + x) / (1.0 - x))
    return t if hx >= 0 else -t
