"""C-callable (numba.cfunc) wrappers of the fdlibm ports, for LLVM-IR callers.

Each wrapper has the C signature ``double f(double)`` (``double f(double,
double)`` for atan2 and pow; atan2 takes (y, x) like Math.atan2) and is
compiled with ``cache=True``: the first process pays the numba compile
(tens of seconds for all 21), later processes load the machine code from
numba's on-disk cache (``__pycache__`` next to this file, or
``NUMBA_CACHE_DIR``), about 25 ms per function.

Wrappers are compiled or loaded one at a time, when `cfunc(name)` first asks
for them: a song that calls only Math.sin does not wait for the other 20.
"""
import threading

import numba

from .exp_log import cbrt, exp, expm1, log, log1p, log2, log10
from .hyperbolic import acosh, asinh, atanh, cosh, sinh, tanh
from .pow import pow
from .trig import acos, asin, atan, atan2, cos, sin, tan

_U = "float64(float64)"
_B = "float64(float64, float64)"


def c_sin(x):
    return sin(x)


def c_cos(x):
    return cos(x)


def c_tan(x):
    return tan(x)


def c_asin(x):
    return asin(x)


def c_acos(x):
    return acos(x)


def c_atan(x):
    return atan(x)


def c_atan2(y, x):
    return atan2(y, x)


def c_exp(x):
    return exp(x)


def c_expm1(x):
    return expm1(x)


def c_log(x):
    return log(x)


def c_log1p(x):
    return log1p(x)


def c_log2(x):
    return log2(x)


def c_log10(x):
    return log10(x)


def c_cbrt(x):
    return cbrt(x)


def c_sinh(x):
    return sinh(x)


def c_cosh(x):
    return cosh(x)


def c_tanh(x):
    return tanh(x)


def c_asinh(x):
    return asinh(x)


def c_acosh(x):
    return acosh(x)


def c_atanh(x):
    return atanh(x)


def c_pow(x, y):
    return pow(x, y)


WRAPPERS = {
    "sin": c_sin, "cos": c_cos, "tan": c_tan, "asin": c_asin, "acos": c_acos,
    "atan": c_atan, "atan2": c_atan2, "exp": c_exp, "expm1": c_expm1,
    "log": c_log, "log1p": c_log1p, "log2": c_log2, "log10": c_log10,
    "cbrt": c_cbrt, "sinh": c_sinh, "cosh": c_cosh, "tanh": c_tanh,
    "asinh": c_asinh, "acosh": c_acosh, "atanh": c_atanh, "pow": c_pow,
}
BINARY_WRAPPERS = {"atan2", "pow"}

_compiled: dict = {}
_lock = threading.Lock()


def cfunc(name: str):
    """The numba cfunc of Math.<name>, compiled (or loaded from numba's cache) on first use."""
    with _lock:
        cf = _compiled.get(name)
        if cf is None:
            signature = _B if name in BINARY_WRAPPERS else _U
            cf = _compiled[name] = numba.cfunc(signature, cache=True)(WRAPPERS[name])
        return cf
