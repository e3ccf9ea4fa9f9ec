"""`(f = x => ...)(args)`: a helper defined and called in one expression.

The value of `f = <function>` is the function, so calling it is calling f right after the
assignment: `(f = x => ..., f(args))`. Both forms evaluate the assignment, then read the
callee, then the arguments; f holds the function from then on in both. Written that way the
song uses only helper definitions and calls, which the subset takes.
"""
from __future__ import annotations

from engine.compiled import parser as P


def rewrite(node):
    """The tree with each call of an assignment of a function literal split in two."""
    node = P.map_children(node, rewrite)
    if isinstance(node, P.Call) and not node.optional and isinstance(node.callee, P.Assign):
        assign = node.callee
        if assign.op == "=" and isinstance(assign.target, P.Ident) and isinstance(assign.value, P.Func):
            call = P.Call(node.pos, P.Ident(assign.target.pos, assign.target.name), node.args, False)
            return P.Sequence(node.pos, (assign, call))
    return node
