"""Array-destructuring parameters: `function hash2D([x, y], seed)`, `([q, r, s]) => ...`.

The argument is bound to a hidden parameter (`#arg0`: '#' is in no JS name), then each name of
the pattern is assigned that argument's element, read with the ordinary indexing of the
subset (`#arg0[0]`, `#arg0[1]`...). For an array that is exactly what the array iterator
gives, holes included (undefined); so only arrays are taken as arguments. Nested patterns,
defaults inside the pattern, `...rest` elements and object patterns stay refused.
"""
from __future__ import annotations

from engine.compiled import parser as P


def hidden_name(i: int) -> str:
    """The hidden parameter that holds argument i when its parameter is a pattern."""
    return f"#arg{i}"


def param_name(p: P.Param, i: int) -> str:
    """The local a parameter binds its argument to: its name, or the hidden one of a pattern."""
    return p.target.name if isinstance(p.target, P.Ident) else hidden_name(i)


def pattern_problem(p: P.Param):
    """The first part of a parameter's pattern that is not a plain `[a, , b]`, else None."""
    if not isinstance(p.target, P.ArrayLit):
        return p.target
    for e in p.target.elements:
        if e is not None and not isinstance(e, P.Ident):
            return e
    return None


def pattern_names(p: P.Param) -> list:
    return [e.name for e in p.target.elements if e is not None]


def element_reads(cache: dict, p: P.Param, i: int) -> list:
    """(name, `#argI[j]` node) for each name of parameter i's pattern, the nodes made once per
    parameter so that their kinds persist between the analysis and code generation."""
    key = id(p)
    if key not in cache:
        hidden = P.Ident(p.pos, hidden_name(i))
        cache[key] = [(e.name, P.Index(e.pos, hidden, P.Num(e.pos, float(j)), False))
                      for j, e in enumerate(p.target.elements) if e is not None]
    return cache[key]
