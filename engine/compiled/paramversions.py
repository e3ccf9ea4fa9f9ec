"""A parameter given a new value by a statement of the function body: a new variable from there.

Helpers reuse a parameter for another kind of value: `sq=(n,$)=>{ $=parseInt($,36); n=t*f(n)/256;
...}` receives strings and goes on with numbers. The analysis gives each variable one kind for
the whole function, so the mix is refused. When the assignment is a statement of the body's
top level (it runs once per call, and nothing after it can run before it), every later
occurrence of the name reads or writes the value it set, so from there on the parameter can
be a new variable:

    $=parseInt($,36); n=t*f(n)/256; if (...) n*=2;
    ->  var $' = parseInt($,36); var n' = t*f(n)/256; if (...) n'*=2;

Nested functions that mention the name would see the parameter change under them (or close
over it), so the rewrite skips such a parameter. The new names are no JS identifiers.

The song itself is a function whose parameters (Math names, int, t) are reset every sample:
`E='L  EGELKG', F=E+'N'+E` at the top level of the song's comma sequence likewise starts a
new variable E (`rewrite_song`), when no function of the song mentions E.
"""
from __future__ import annotations

import dataclasses

from engine.compiled import parser as P


def rewrite(node):
    """The tree with each top-level reassignment of a parameter starting a new variable."""
    node = P.map_children(node, rewrite)
    if isinstance(node, P.Func) and not node.expression_body:
        body = _versioned(node)
        if body is not node.body:
            return dataclasses.replace(node, body=body)
    return node


def rewrite_song(tree, rest: tuple, params: frozenset):
    """The song's comma sequence with each top-level reassignment of one of `params` (the
    song function's parameters) starting a new variable."""
    if not isinstance(tree, P.Sequence):
        return tree
    mentioned = {n.name for root in (tree,) + tuple(rest) for f in P.walk(root) if isinstance(f, P.Func)
                 for n in P.walk(f) if isinstance(n, P.Ident)}
    items = list(tree.exprs)
    candidates = set(params) - mentioned
    for i, item in enumerate(items):
        if isinstance(item, P.Assign) and item.op == "=" and isinstance(item.target, P.Ident) \
                and item.target.name in candidates:
            name, new = item.target.name, f"{item.target.name} from {item.pos}"
            items[i] = P.Assign(item.pos, "=", P.Ident(item.target.pos, new), item.value, item.op_pos)
            items[i + 1:] = [_renamed(later, name, new) for later in items[i + 1:]]
            candidates = (candidates - {name}) | {new}
    if all(a is b for a, b in zip(items, tree.exprs)):
        return tree
    return P.Sequence(tree.pos, tuple(items))


def _versioned(func: P.Func) -> tuple:
    params = {p.target.name for p in func.params if isinstance(p.target, P.Ident)}
    closed_over = {n.name for st in func.body for f in P.walk(st) if isinstance(f, P.Func)
                   for n in P.walk(f) if isinstance(n, P.Ident)}
    body = list(func.body)
    for i, st in enumerate(body):
        name = _reassigned_param(st, params - closed_over)
        if name is None:
            continue
        new = f"{name} from {st.pos}"
        assign = st.expr
        body[i] = P.VarDecl(st.pos, "var", ((P.Ident(assign.target.pos, new), assign.value),))
        body[i + 1:] = [_renamed(later, name, new) for later in body[i + 1:]]
        params = (params - {name}) | {new}
    return tuple(body) if any(a is not b for a, b in zip(body, func.body)) else func.body


def _reassigned_param(st, candidates) -> str | None:
    if isinstance(st, P.ExprStmt) and isinstance(st.expr, P.Assign) and st.expr.op == "=" and \
            isinstance(st.expr.target, P.Ident) and st.expr.target.name in candidates:
        return st.expr.target.name
    return None


def _renamed(node, name: str, new: str):
    if isinstance(node, P.Func):
        return node          # mentions no candidate (see closed_over)
    node = P.map_children(node, lambda child: _renamed(child, name, new))
    if isinstance(node, P.Ident) and node.name == name:
        return P.Ident(node.pos, new)
    return node
