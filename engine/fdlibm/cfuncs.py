"""C-callable (numba.cfunc) wrappers of the fdlibm ports, for LLVM-IR callers.

Each wrapper has the C signature ``double f(double)`` (``double f(double,
double)`` for atan2 and pow; atan2 takes (y, x) like Math.atan2) and is
compiled with ``cache=True``: the first process pays the numba compile
(tens of seconds for all 21), later processes load the machine code from
numba's on-disk cache (``__pycache__`` next to this file, or
``NUMBA_CACHE_DIR``) in well under a second per function.

Importing this module compiles/loads every wrapper; use
``engine.fdlibm.cfunc_addresses()`` for lazy access.
"""
import numba

from .exp_log import cbrt, exp, expm1, log, log1p, log2, log10
from .hyperbolic import acosh, asinh, atanh, cosh, sinh, tanh
from .pow import pow
from .trig import acos, asin, atan, atan2, cos, sin, tan

_U = "float64(float64)"
_B = "float64(float64, float64)"


@numba.cfunc(_U, cache=True)
def c_sin(x):
    return sin(x)


@numba.cfunc(_U, cache=True)
def c_cos(x):
    return cos(x)


@numba.cfunc(_U, cache=True)
def c_tan(x):
    return tan(x)


@numba.cfunc(_U, cache=True)
def c_asin(x):
    return asin(x)


@numba.cfunc(_U, cache=True)
def c_acos(x):
    return acos(x)


@numba.cfunc(_U, cache=True)
def c_atan(x):
    return atan(x)


@numba.cfunc(_B, cache=True)
def c_atan2(y, x):
    return atan2(y, x)


@numba.cfunc(_U, cache=True)
def c_exp(x):
    return exp(x)


@numba.cfunc(_U, cache=True)
def c_expm1(x):
    return expm1(x)


@numba.cfunc(_U, cache=True)
def c_log(x):
    return log(x)


@numba.cfunc(_U, cache=True)
def c_log1p(x):
    return log1p(x)


@numba.cfunc(_U, cache=True)
def c_log2(x):
    return log2(x)


@numba.cfunc(_U, cache=True)
def c_log10(x):
    return log10(x)


@numba.cfunc(_U, cache=True)
def c_cbrt(x):
    return cbrt(x)


@numba.cfunc(_U, cache=True)
def c_sinh(x):
    return sinh(x)


@numba.cfunc(_U, cache=True)
def c_cosh(x):
    return cosh(x)


@numba.cfunc(_U, cache=True)
def c_tanh(x):
    return tanh(x)


@numba.cfunc(_U, cache=True)
def c_asinh(x):
    return asinh(x)


@numba.cfunc(_U, cache=True)
def c_acosh(x):
    return acosh(x)


@numba.cfunc(_U, cache=True)
def c_atanh(x):
    return atanh(x)


@numba.cfunc(_B, cache=True)
def c_pow(x, y):
    return pow(x, y)


CFUNCS = {
    "sin": c_sin, "cos": c_cos, "tan": c_tan, "asin": c_asin, "acos": c_acos,
    "atan": c_atan, "atan2": c_atan2, "exp": c_exp, "expm1": c_expm1,
    "log": c_log, "log1p": c_log1p, "log2": c_log2, "log10": c_log10,
    "cbrt": c_cbrt, "sinh": c_sinh, "cosh": c_cosh, "tanh": c_tanh,
    "asinh": c_asinh, "acosh": c_acosh, "atanh": c_atanh, "pow": c_pow,
}
