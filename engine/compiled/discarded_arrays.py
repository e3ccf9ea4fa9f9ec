"""`[a, f(x)]` whose value the song throws away: only its elements' evaluations remain.

Songs leave a stereo pair they no longer use in the middle of a comma list,
`a-=t/616, [a, t>>r&255], t=a>>1, ...`. An array literal evaluates its elements left to
right and then makes an array, which has no effect of its own, so where the value is
discarded (a comma item but the last, an expression statement) the
literal is the comma sequence of its elements: `(a, t>>r&255)`. Literals with a spread
(which runs an iterator) or without elements are left alone.
"""
from __future__ import annotations

from engine.compiled import parser as P


def rewrite(node):
    """`node` with every discarded array literal replaced by its elements' sequence."""
    node = P.map_children(node, rewrite)
    if isinstance(node, P.Sequence):
        items = tuple(_evaluations(e) for e in node.exprs[:-1]) + node.exprs[-1:]
        return node if all(a is b for a, b in zip(items, node.exprs)) else P.Sequence(node.pos, items)
    if isinstance(node, P.ExprStmt):
        expr = _evaluations(node.expr)
        return node if expr is node.expr else P.ExprStmt(node.pos, expr)
    return node


def _evaluations(node):
    if not isinstance(node, P.ArrayLit) or any(isinstance(e, P.Spread) for e in node.elements):
        return node
    elements = tuple(_evaluations(e) for e in node.elements if e is not None)   # all discarded too
    if not elements:
        return node
    return elements[0] if len(elements) == 1 else P.Sequence(node.pos, elements)
