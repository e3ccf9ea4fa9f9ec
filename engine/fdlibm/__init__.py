"""Bit-exact ports of V8 11.3's (Node 20's) Math functions for numba.

V8 computes Math.sin/cos/tan/asin/acos/atan/atan2/exp/expm1/log/log1p/log2/
log10/cbrt/sinh/cosh/tanh/asinh/acosh/atanh/pow (and ``**``) with its fdlibm
port in ``src/base/ieee754.cc``; glibc (Python's ``math``) rounds differently
in a few % of cases, so these are straight ports of V8's C code.
The same algorithms exist in JavaScript in ``engine/v8/fdlibm.js``.

API
  * njit functions (float64 -> float64; atan2(y, x) and pow(x, y) take two):
    ``sin cos tan asin acos atan atan2 exp expm1 log log1p log2 log10 cbrt
    sinh cosh tanh asinh acosh atanh pow`` -- call them from numba code or
    from Python (pass float64 values; call float(x) on ints first).
    ``FUNCTIONS`` maps the Math member name to each.
  * ``cfunc_addresses() -> dict[str, int]``: addresses of C-ABI wrappers
    (``double(double)``, ``double(double, double)`` for atan2/pow) usable from
    llvmlite MCJIT code or ctypes in this process.  Compiled lazily on first
    call with ``cache=True``: the first process compiles everything
    (about 9 s for all njit functions + 21 cfuncs on this machine), later
    processes load numba's disk cache (about 0.5 s for import + all 21
    addresses).  The cache lives in ``engine/fdlibm/__pycache__`` (or under
    NUMBA_CACHE_DIR / the user cache dir when that is not writable); it is
    wiped automatically when any source file of this package changes.
  * ``ADDRESSES``: the same dict, built lazily on first attribute access.
  * ``sqrt`` is not here: Math.sqrt is correctly rounded, use the native one.

Compiled songs do not call these through numba: ``object_code`` builds the port into one
object file that engine.compiled.fdlibm_object loads without numba; ``cfuncs`` is the
fallback when that cannot be built.

Modules: ``_bits`` (word access, stack arrays), ``trig`` (rem_pio2 kernels, sin cos tan,
asin acos atan atan2), ``exp_log`` (exp expm1 log log1p log2 log10 cbrt),
``hyperbolic`` (sinh cosh tanh asinh acosh atanh), ``pow``, ``cfuncs``, ``object_code``.
"""
import numba

from .exp_log import cbrt, exp, expm1, log, log1p, log2, log10
from .hyperbolic import acosh, asinh, atanh, cosh, sinh, tanh
from .pow import pow
from .trig import acos, asin, atan, atan2, cos, sin, tan

FUNCTIONS = {
    "sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos,
    "atan": atan, "atan2": atan2, "exp": exp, "expm1": expm1, "log": log,
    "log1p": log1p, "log2": log2, "log10": log10, "cbrt": cbrt, "sinh": sinh,
    "cosh": cosh, "tanh": tanh, "asinh": asinh, "acosh": acosh,
    "atanh": atanh, "pow": pow,
}
UNARY = tuple(n for n in FUNCTIONS if n not in ("atan2", "pow"))
BINARY = ("atan2", "pow")

_addresses: dict = {}
_SUBMODULES = ("_bits.", "trig.", "exp_log.", "hyperbolic.", "pow.", "cfuncs.")


def _invalidate_stale_numba_cache():
    """Drop this package's numba disk cache when any of its sources changed.

    numba keys a cached function only on the timestamp of the file that
    defines it, but callees from other modules here are compiled into the
    caller (e.g. cfuncs.c_sin contains trig.sin), so an edit of trig.py would
    otherwise leave stale machine code behind.  A digest of all sources is
    kept next to the cache files.
    """
    import hashlib
    import os
    try:
        cache_dir = sin._cache._cache_path  # numba FunctionCache (private API)
    except AttributeError:
        return
    pkg = os.path.dirname(os.path.abspath(__file__))
    h = hashlib.sha256(numba.__version__.encode())
    for fn in sorted(os.listdir(pkg)):
        if fn.endswith(".py"):
            h.update(fn.encode())
            with open(os.path.join(pkg, fn), "rb") as f:
                h.update(f.read())
    digest = h.hexdigest()
    stamp = os.path.join(cache_dir, "fdlibm-sources.sha256")
    try:
        with open(stamp) as f:
            if f.read().strip() == digest:
                return
    except OSError:
        pass
    try:
        if os.path.isdir(cache_dir):
            for fn in os.listdir(cache_dir):
                if fn.startswith(_SUBMODULES) and fn.endswith((".nbi", ".nbc")):
                    try:
                        os.remove(os.path.join(cache_dir, fn))
                    except OSError:
                        pass
        os.makedirs(cache_dir, exist_ok=True)
        with open(stamp, "w") as f:
            f.write(digest + "\n")
    except OSError:
        pass


_invalidate_stale_numba_cache()


def cfunc_address(name):
    """Address of the C-ABI wrapper of Math.<name>; compiles/loads that one on first call."""
    address = _addresses.get(name)
    if address is None:
        from .cfuncs import cfunc
        address = _addresses[name] = cfunc(name).address
    return address


def cfunc_addresses():
    """Return {Math member name: C function address} of all 21; compiles/loads them."""
    from .cfuncs import WRAPPERS
    return {name: cfunc_address(name) for name in WRAPPERS}


def __getattr__(name):
    if name == "ADDRESSES":
        return cfunc_addresses()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = list(FUNCTIONS) + ["FUNCTIONS", "UNARY", "BINARY", "ADDRESSES", "cfunc_address", "cfunc_addresses"]
