"""Word access for float64 inside numba-compiled code.

fdlibm manipulates the two 32-bit halves of an IEEE double (GET_HIGH_WORD,
GET_LOW_WORD, INSERT_WORDS, SET_HIGH_WORD, SET_LOW_WORD).  Here the double is
bit-cast to an int64 with an LLVM ``bitcast`` (via ``numba.extending.intrinsic``),
so no memory round trip or allocation is needed.

Conventions (all values are Python/numba int64):
  * ``_hi(x)``  high word as a *signed* int32 value (like fdlibm's ``int32_t hx``)
  * ``_lo(x)``  low word as an *unsigned* uint32 value (like ``uint32_t lx``)
  * ``_from_words(hi, lo)`` uses only the low 32 bits of each argument, so
    int32 wrap-around of the C code is reproduced automatically.
"""
import numba
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

_JIT = dict(cache=True, nogil=True, error_model="numpy")
njit = numba.njit


@intrinsic
def _f64_bits(typingctx, x):
    if x != types.float64:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _bits_f64(typingctx, b):
    if not isinstance(b, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        v = context.cast(builder, args[0], b, types.int64)
        return builder.bitcast(v, ir.DoubleType())

    return types.float64(b), codegen


def _stack_array(dtype, count: int):
    """An intrinsic returning a pointer to `count` zeroed `dtype`s on the caller's stack.

    fdlibm's __kernel_rem_pio2 works in small local arrays; np.zeros would allocate them
    through numba's runtime (NRT) on every call, and machine code calling NRT cannot be
    loaded without numba (engine.compiled.fdlibm_object loads the port's code without it).
    Wrap the pointer with numba.carray(ptr, count).
    """
    @intrinsic
    def stack_array(typingctx):
        def codegen(context, builder, sig, args):
            return cgutils.alloca_once(builder, context.get_value_type(dtype), size=count, zfill=True)

        return types.CPointer(dtype)(), codegen

    return stack_array


_stack_f64_20 = _stack_array(types.float64, 20)
_stack_i64_20 = _stack_array(types.int64, 20)


@njit(inline="always", **_JIT)
def _hi(x):
    return _f64_bits(x) >> 32


@njit(inline="always", **_JIT)
def _lo(x):
    return _f64_bits(x) & 0xFFFFFFFF


@njit(inline="always", **_JIT)
def _from_words(hi, lo):
    return _bits_f64(((hi & 0xFFFFFFFF) << 32) | (lo & 0xFFFFFFFF))


@njit(inline="always", **_JIT)
def _set_lo(x, lo):
    return _from_words(_hi(x), lo)


@njit(inline="always", **_JIT)
def _set_hi(x, hi):
    return _from_words(hi, _lo(x))


_TWO1023 = 8.98846567431158e307           # 2^1023
_TWOM969 = 2.0 ** -969                    # 2^-1022 * 2^53


@njit(**_JIT)
def _scalbn(x, n):
    """x * 2**n correctly rounded (musl scalbn)."""
    y = x
    if n > 1023:
        y *= _TWO1023
        n -= 1023
        if n > 1023:
            y *= _TWO1023
            n -= 1023
            if n > 1023:
                n = 1023
    elif n < -1022:
        y *= _TWOM969
        n += 1022 - 53
        if n < -1022:
            y *= _TWOM969
            n += 1022 - 53
            if n < -1022:
                n = -1022
    return y * _from_words((0x3FF + n) << 20, 0)
