"""`[c1, c2, ...].includes(x)` with constant elements: `(v => v === c1 || v === c2 || ...)(x)`.

includes compares with SameValueZero, which differs from `===` only in finding NaN, and the
rewrite takes number and string literals only (no NaN, no holes, which read as undefined).
x is evaluated once, as the argument of the inlined arrow; its parameter has a name no JS
identifier can spell, so it hides nothing the elements could mean.
"""
from __future__ import annotations

from engine.compiled import parser as P


def rewrite(node):
    """The tree with each includes of a literal of constants made a chain of `===`."""
    node = P.map_children(node, rewrite)
    if _is_constant_includes(node):
        pos = node.pos
        value = P.Ident(pos, f"includes value {pos}")
        tests = [P.Binary(e.pos, "===", value, e, e.pos) for e in node.callee.obj.elements]
        body = tests[0] if tests else P.Literal(pos, False)
        for test in tests[1:]:
            body = P.Logical(pos, "||", body, test, test.pos)
        func = P.Func(pos, None, (P.Param(pos, value, None, False),), body, True, True)
        return P.Call(pos, func, node.args, False)
    return node


def _is_constant_includes(node) -> bool:
    return (isinstance(node, P.Call) and not node.optional and len(node.args) == 1
            and not isinstance(node.args[0], P.Spread)
            and isinstance(node.callee, P.Member) and node.callee.prop == "includes" and not node.callee.optional
            and isinstance(node.callee.obj, P.ArrayLit)
            and all(_is_constant(e) for e in node.callee.obj.elements))


def _is_constant(e) -> bool:
    return isinstance(e, (P.Num, P.Str)) or (isinstance(e, P.Unary) and e.op == "-" and isinstance(e.arg, P.Num))
