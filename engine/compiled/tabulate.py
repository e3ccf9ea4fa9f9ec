"""Values that depend on one constant table's element only, found in the generated IR.

Songs pick notes from constant tables and turn them into frequencies with Math calls:
`2**(notes[t>>12&15]/12)`, `2**(parseInt("KMNPRTU"[t>>11],36)/12)`. The call's argument
is then a pure function of the table's element: a DAG of IR instructions (arithmetic,
comparisons, selects, floor and the like, other fdlibm calls) whose only varying leaf is
the load of the element. `element_function` finds that DAG; codegen evaluates it, with
the call, for every element at compile time (IEEE double arithmetic in Python is the
machine's) and emits one lookup instead of a call per sample.

The load is guarded by the index's range test: `select(out_of_range, NaN, element)`.
That select's condition does not depend on the element; one such condition is allowed,
and the DAG is evaluated for both of its values.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import llvmlite.ir as ir
import numpy as np

from engine.compiled.jsvalues import fold_binary
from engine.compiled.vector_ir import FDLIBM_SYMBOL_PREFIX
from engine.compiled.vector_rem import SYMBOL as REMAINDER_SYMBOL

MAX_TABLE = 4096
MAX_NODES = 200
NAN = math.nan

_FLOAT_OPS = {"fadd": "+", "fsub": "-", "fmul": "*", "fdiv": "/", "frem": "%"}   # JS = IEEE semantics
_INTRINSICS = {"llvm.floor.f64": np.floor, "llvm.ceil.f64": np.ceil, "llvm.trunc.f64": np.trunc,
               "llvm.fabs.f64": np.fabs, "llvm.sqrt.f64": np.sqrt, "llvm.copysign.f64": np.copysign}
_FCMP = {"oeq": lambda a, c: a == c, "one": lambda a, c: a != c and a == a and c == c,
         "olt": lambda a, c: a < c, "ole": lambda a, c: a <= c, "ogt": lambda a, c: a > c,
         "oge": lambda a, c: a >= c, "ord": lambda a, c: a == a and c == c,
         "uno": lambda a, c: a != a or c != c, "ueq": lambda a, c: not (a < c or a > c),
         "une": lambda a, c: a != c, "ult": lambda a, c: not a >= c, "ule": lambda a, c: not a > c,
         "ugt": lambda a, c: not a <= c, "uge": lambda a, c: not a < c}


@dataclass
class ElementFunction:
    root: ir.Value
    element: ir.LoadInstr
    index: ir.Value             # the element's index in the table
    table: list                 # the table's values
    cond: ir.Value | None       # the one condition independent of the element, if any

    def evaluate(self, element: float, cond: bool, fdlibm_scalar) -> float:
        memo: dict[int, object] = {}

        def ev(v):
            key = id(v)
            if key not in memo:
                memo[key] = _value(v)
            return memo[key]

        def _value(v):
            if v is self.element:
                return element
            if isinstance(v, ir.Constant):
                return bool(v.constant) if v.type == ir.IntType(1) else float(v.constant)
            if isinstance(v, ir.SelectInstr):
                c, a, b = v.operands
                return ev(a) if (cond if c is self.cond else ev(c)) else ev(b)
            if isinstance(v, ir.FCMPInstr):
                return _FCMP[v.op](ev(v.operands[0]), ev(v.operands[1]))
            if isinstance(v, ir.CallInstr):
                args = [ev(a) for a in v.args]
                name = v.callee.name
                if name in _INTRINSICS:
                    return float(_INTRINSICS[name](*map(np.float64, args)))
                if name == REMAINDER_SYMBOL:
                    return fold_binary("%", args[0], args[1], None)
                return fdlibm_scalar(name.removeprefix(FDLIBM_SYMBOL_PREFIX))(*args)
            op = v.opname
            if op == "fneg":
                return -ev(v.operands[0])
            if op in _FLOAT_OPS:
                return fold_binary(_FLOAT_OPS[op], ev(v.operands[0]), ev(v.operands[1]), None)
            if op in ("and", "or", "xor"):
                a, b = ev(v.operands[0]), ev(v.operands[1])
                return (a and b) if op == "and" else (a or b) if op == "or" else (a != b)
            raise AssertionError(op)
        with np.errstate(all="ignore"):
            return ev(self.root)


def element_function(root: ir.Value, tables) -> ElementFunction | None:
    """The DAG computing `root` from one element of one of `tables`, or None."""
    tables = list(tables)
    found = {"element": None, "cond": None, "nodes": 0}

    def walk(v) -> bool:
        """Whether v is computed from the element and constants (and the one condition)."""
        found["nodes"] += 1
        if found["nodes"] > MAX_NODES:
            return False
        if isinstance(v, ir.Constant):
            return v.type in (ir.DoubleType(), ir.IntType(1))
        if isinstance(v, ir.LoadInstr):
            gep = v.operands[0]
            if not (isinstance(gep, ir.GEPInstr) and any(gep.pointer is t for t in tables)
                    and len(gep.indices) == 2 and isinstance(gep.indices[0], ir.Constant)
                    and gep.indices[0].constant == 0 and v.type == ir.DoubleType()):
                return False
            if found["element"] is not None and found["element"] is not v:
                return False
            found["element"] = v
            return True
        if isinstance(v, ir.SelectInstr):
            c, a, b = v.operands
            if not (walk(a) and walk(b)):
                return False
            if c is found["cond"] or _walk_quietly(c, walk, found):
                return True
            # a condition from elsewhere (the index's range test): one is allowed
            if found["cond"] is None and (isinstance(a, ir.Constant) or isinstance(b, ir.Constant)):
                found["cond"] = c
                return True
            return False
        if isinstance(v, ir.FCMPInstr):
            return v.op in _FCMP and all(walk(o) for o in v.operands)
        if isinstance(v, ir.CallInstr):
            name = getattr(v.callee, "name", "")
            return (name in _INTRINSICS or name.startswith(FDLIBM_SYMBOL_PREFIX) or name == REMAINDER_SYMBOL) \
                and all(walk(a) for a in v.args)
        if isinstance(v, ir.Instruction) and v.opname in ("fneg", *_FLOAT_OPS):
            return all(walk(o) for o in v.operands)
        if isinstance(v, ir.Instruction) and v.opname in ("and", "or", "xor") and v.type == ir.IntType(1):
            return all(walk(o) for o in v.operands)
        return False

    if not walk(root) or found["element"] is None:
        return None
    element = found["element"]
    gep = element.operands[0]
    table = [float(c.constant) for c in gep.pointer.initializer.constant]
    if len(table) > MAX_TABLE:
        return None
    return ElementFunction(root, element, gep.indices[1], table, found["cond"])


def _walk_quietly(v, walk, found) -> bool:
    """walk(v) without keeping what a failed attempt found."""
    saved = dict(found)
    if walk(v):
        return True
    found.update(saved)
    return False
