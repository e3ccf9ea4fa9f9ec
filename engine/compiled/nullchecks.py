"""`x == null` and `x != null` in songs whose values are never null.

Songs test for a missing value with `p == null` (an array hole, an omitted argument). Loose
equality with null is true exactly for null and undefined, and no value of the compiled
subset is null (the literal `null` anywhere else is refused), so the test is `p === undefined`,
which the subset takes. The rewrite is skipped when the song binds a name `undefined` itself.
"""
from __future__ import annotations

from engine.compiled import parser as P

LOOSE_TO_STRICT = {"==": "===", "!=": "!=="}


def rewrite(node, binds_undefined: bool):
    """The tree with each loose comparison against the literal null made strict against
    undefined (unchanged when `binds_undefined`)."""
    if binds_undefined:
        return node
    return _map(node)


def _map(node):
    node = P.map_children(node, _map)
    if isinstance(node, P.Binary) and node.op in LOOSE_TO_STRICT:
        if _is_null(node.right):
            return P.Binary(node.pos, LOOSE_TO_STRICT[node.op], node.left, _undefined(node.right), node.op_pos)
        if _is_null(node.left):
            return P.Binary(node.pos, LOOSE_TO_STRICT[node.op], _undefined(node.left), node.right, node.op_pos)
    return node


def _is_null(node) -> bool:
    return isinstance(node, P.Literal) and node.value is None


def _undefined(null_literal) -> P.Ident:
    return P.Ident(null_literal.pos, "undefined")
