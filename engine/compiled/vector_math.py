"""Vector variants of the fdlibm port's functions, for LLVM's loop vectoriser.

A loop with a call in it is vectorised only if the callee has vector variants, named on
the scalar function by the attribute `vector-function-abi-variant` (LLVM's vector-function
ABI). Each of the port's functions gets variants for 2, 4 and 8 lanes:

* `sin`, `cos`, `tan` (engine.compiled.vector_trig) and `pow` (engine.compiled.vector_pow)
  compute every lane at once, with the port's double operations in the port's order, so
  each lane has the scalar function's bits; a vector with a lane off their common path
  goes lane by lane through the scalar function.
* the others call the scalar function lane by lane: the call stays scalar, and the rest
  of the song's loop is vectorised around it.

Each function's variants are one module of LLVM IR, compiled once per machine (cached
with the engine's own modules) and loaded into the optimizing JIT before the first
kernel that names them (engine.compiled.jit).
"""
from __future__ import annotations

import functools

from engine.compiled import vector_rem
from engine.compiled.vector_ir import (FDLIBM_SYMBOL_PREFIX, VECTOR_SYMBOL_PREFIX, by_lane, intrinsic_declarations,
                                       vector_symbol)
from engine.compiled.vector_pow import pow_variant
from engine.compiled.vector_trig import trig

__all__ = ["FDLIBM_SYMBOL_PREFIX", "VECTOR_SYMBOL_PREFIX", "abi_variants", "declarations", "variants_ir",
           "vector_symbol"]
LANES = (2, 4, 8)
VECTORISED = ("sin", "cos", "tan", "pow")     # the others: lane by lane
BINARY = ("atan2", "pow", "remainder")
REMAINDER_SYMBOL = vector_rem.SYMBOL           # JS % of doubles (engine.compiled.vector_rem)


def arity(name: str) -> int:
    return 2 if name in BINARY else 1


def scalar_symbol(name: str) -> str:
    """The scalar function a kernel calls: the port's `name`, or "remainder" (JS %)."""
    return REMAINDER_SYMBOL if name == "remainder" else FDLIBM_SYMBOL_PREFIX + name


def abi_variants(name: str) -> str:
    """The value of the scalar function's `vector-function-abi-variant` attribute."""
    params = "v" * arity(name)
    return ",".join(f"_ZGV_LLVM_N{w}{params}_{scalar_symbol(name)}({vector_symbol(name, w)})"
                    for w in LANES)


def _lane_by_lane(name: str, lanes: int) -> str:
    vt = f"<{lanes} x double>"
    args = ["%x", "%y"][:arity(name)]
    params = ", ".join(f"{vt} {a}" for a in args)
    return (f"define {vt} @{vector_symbol(name, lanes)}({params}) nounwind {{\nentry:\n"
            f"{by_lane(name, lanes, args)}  ret {vt} %lane{lanes - 1}\n}}\n")


def declarations(names) -> str:
    """IR declaring the variants of the functions `names` in a kernel's module, kept by
    `llvm.compiler.used` until the loop vectoriser has run (unused declarations are
    dropped before it otherwise)."""
    symbols = [vector_symbol(name, w) for name in sorted(names) for w in LANES]
    lines = []
    for name in sorted(names):
        for w in LANES:
            vt = f"<{w} x double>"
            lines.append(f"declare {vt} @{vector_symbol(name, w)}({', '.join([vt] * arity(name))}) nounwind memory(none)")
    used = ", ".join(f"ptr @{s}" for s in symbols)
    lines.append(f'@llvm.compiler.used = appending global [{len(symbols)} x ptr] [{used}], section "llvm.metadata"')
    return "\n".join(lines) + "\n"


@functools.cache
def variants_ir(name: str) -> str:
    """The module of the variants of the port's function `name` (one module a function:
    a kernel loads only those it calls); "remainder": JS % of doubles, with its scalar
    function."""
    if name == "remainder":
        return "\n".join([vector_rem.scalar_ir(), *(vector_rem.variant_ir(w) for w in LANES),
                          intrinsic_declarations((1, *LANES))])
    parts = [f"declare double @{FDLIBM_SYMBOL_PREFIX}{name}({', '.join(['double'] * arity(name))}) nounwind readnone"]
    for lanes in LANES:
        if name == "pow":
            parts.append(pow_variant(lanes))
        elif name in VECTORISED:
            parts.append(trig(name, lanes))
        else:
            parts.append(_lane_by_lane(name, lanes))
    parts.append(intrinsic_declarations(LANES))
    return "\n".join(parts)
