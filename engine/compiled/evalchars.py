"""`eval("10h0s..."[i])`: a direct eval of one character of a constant string.

Songs spell a rhythm as text whose characters are digits or the names of voices computed
earlier, `h=1&t, s=sin(t>>5), ... eval('10h0s0h0'[i])`, and eval the character picked. The
compiled subset has no eval of a string chosen at run time, so the call is rewritten to an
array of the expressions the characters hold, indexed the same way:

    eval('10h0s0h0'[i])   ->   [1,0,h,0,s,0,h,0][i]

An index out of the string gives undefined both ways, and eval(undefined) is undefined. The
array reads every name before the index runs (the eval reads one, after), so the rewrite is
taken only when that cannot be seen:
* each character is a number literal or a global set by a plain `name = ...` in an earlier
  item of the song's top-level comma list, and the eval is in a later item outside any
  function: the name is set whenever the eval runs, its read has no effect and cannot throw;
* the index is built only from names, literals, indexing and operators without effects, and
  the song has no object literal, so no user valueOf/toString can run while it is computed
  (built-in prototypes are frozen, so no other value can carry one).
Anything else stays a call of eval, which the analyzer refuses with its position.
"""
from __future__ import annotations

from engine.compiled import consteval
from engine.compiled import parser as P
from engine.compiled.conststrings import binds

PURE_UNARY = {"-", "+", "!", "~"}
PURE_INDEX_NODES = (P.Num, P.Str, P.Ident, P.Binary, P.Logical, P.Conditional, P.Index)


def rewrite(tree, rest: tuple):
    """The song's top-level comma list with each takeable `eval(<string>[i])` rewritten."""
    nodes = [n for root in (tree,) + tuple(rest) for n in P.walk(root)]
    if not isinstance(tree, P.Sequence) or any(binds(n, "eval") for n in nodes) \
            or any(isinstance(n, P.ObjectLit) for n in nodes):
        return tree
    items, assigned = [], set()
    for item in tree.exprs:
        items.append(_rewrite_item(item, frozenset(assigned)))
        if isinstance(item, P.Assign) and item.op == "=" and isinstance(item.target, P.Ident):
            assigned.add(item.target.name)
    return P.Sequence(tree.pos, tuple(items)) if any(a is not b for a, b in zip(items, tree.exprs)) else tree


def _rewrite_item(node, assigned: frozenset):
    if isinstance(node, P.Func):
        return node                      # may run before the globals are set
    node = P.map_children(node, lambda child: _rewrite_item(child, assigned))
    table = _choice_table(node, assigned)
    return node if table is None else table


def _choice_table(node, assigned: frozenset):
    """`[e0, e1, ...][i]` for a takeable `eval(S[i])`, else None."""
    if not (isinstance(node, P.Call) and not node.optional and isinstance(node.callee, P.Ident)
            and node.callee.name == "eval" and len(node.args) == 1):
        return None
    arg = node.args[0]
    if not (isinstance(arg, P.Index) and not arg.optional and isinstance(arg.obj, P.Str)
            and arg.obj.value and _pure(arg.index)):
        return None
    if any(ord(char) > 0xFFFF for char in arg.obj.value):
        return None                      # JS indexes UTF-16 units: one such char is two
    elements = []
    for char in arg.obj.value:
        expr = consteval.parsed_expression(char, node.pos)
        if isinstance(expr, P.Num) or isinstance(expr, P.Ident) and expr.name in assigned:
            elements.append(expr)
        else:
            return None
    return P.Index(node.pos, P.ArrayLit(arg.obj.pos, tuple(elements)), arg.index, False)


def _pure(node) -> bool:
    """Is computing `node` free of effects (assignments, calls, user conversions)?"""
    for n in P.walk(node):
        if isinstance(n, P.Unary):
            if n.op not in PURE_UNARY:
                return False
        elif not isinstance(n, PURE_INDEX_NODES) or getattr(n, "optional", False):
            return False
    return True
