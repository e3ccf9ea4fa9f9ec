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

The song itself is a function whose parameters (Math names, int) are reset every sample:
`E='L  EGELKG', F=E+'N'+E` at the top level of the song's comma sequence likewise starts a
new variable E (`rewrite_song`), when no function of the song mentions E; so does a global
that each sample sets before reading, `q=[1.05,0,1.5], q=q[t>>9&1]`.
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


def rewrite_song(tree, rest: tuple, params: frozenset, builtins: frozenset):
    """The song's comma sequence (or each comma sequence branch of a song `c ? (...) : (...)`)
    with each top-level reassignment of a variable that every sample sets afresh starting a
    new variable: one of `params` (the song function's parameters, t aside), or a global
    whose first mention in the sequence is a top-level `name = <value not mentioning it>`
    (so no sample reads what an earlier one left). Names that functions, `this.x`/`window.x`
    or an eval could reach, the frozen `builtins`, and for a branch the names the test or
    the other branch mention, are left alone."""
    nodes = [n for root in (tree,) + tuple(rest) for n in P.walk(root)]
    if any(isinstance(n, P.Ident) and n.name == "eval" for n in nodes):
        return tree
    reachable = {n.name for f in nodes if isinstance(f, P.Func) for n in P.walk(f) if isinstance(n, P.Ident)}
    reachable |= {n.prop for n in nodes if isinstance(n, P.Member)} | builtins | {"t"}
    if isinstance(tree, P.Sequence):
        return _versioned_sequence(tree, params, reachable)
    if isinstance(tree, P.Conditional):
        cons, alt = tree.cons, tree.alt
        if isinstance(cons, P.Sequence):
            cons = _versioned_sequence(cons, params, reachable | _names(tree.test) | _names(alt))
        if isinstance(alt, P.Sequence):
            alt = _versioned_sequence(alt, params, reachable | _names(tree.test) | _names(tree.cons))
        if cons is not tree.cons or alt is not tree.alt:
            return P.Conditional(tree.pos, tree.test, cons, alt)
    return tree


def _names(node) -> set:
    return {n.name for n in P.walk(node) if isinstance(n, P.Ident)}


def _versioned_sequence(seq: P.Sequence, params: frozenset, excluded: set) -> P.Sequence:
    items = list(seq.exprs)
    fresh_globals = _set_first(items) - excluded - params
    versionable = set(params) - excluded         # globals join once their first assignment ran
    for i, item in enumerate(items):
        name = _item_assignment(item)
        if name in fresh_globals and name not in versionable:
            versionable.add(name)
        elif name in versionable:
            new = f"{name} (version at {item.pos})"
            items[i] = P.Assign(item.pos, "=", P.Ident(item.target.pos, new), item.value, item.op_pos)
            items[i + 1:] = [_renamed(later, name, new) for later in items[i + 1:]]
            versionable = (versionable - {name}) | {new}
    if all(a is b for a, b in zip(items, seq.exprs)):
        return seq
    return P.Sequence(seq.pos, tuple(items))


def _item_assignment(item) -> str | None:
    """x for a comma item `x = <value>`."""
    if isinstance(item, P.Assign) and item.op == "=" and isinstance(item.target, P.Ident):
        return item.target.name
    return None


def _set_first(items) -> set:
    """Globals whose first mention in the items is an item `name = <value not mentioning it>`."""
    seen, out = set(), set()
    for item in items:
        name = _item_assignment(item)
        if name is not None and name not in seen and \
                not any(isinstance(n, P.Ident) and n.name == name for n in P.walk(item.value)):
            out.add(name)
        seen |= {n.name for n in P.walk(item) if isinstance(n, P.Ident)}
    return out


def _versioned(func: P.Func) -> tuple:
    if any(isinstance(n, P.Ident) and n.name == "eval" for n in P.walk(func)):
        return func.body         # eval'd code would read the parameter by its old name
    params = {p.target.name for p in func.params if isinstance(p.target, P.Ident)}
    closed_over = {n.name for st in func.body for f in P.walk(st) if isinstance(f, P.Func)
                   for n in P.walk(f) if isinstance(n, P.Ident)}
    body = list(func.body)
    for i, st in enumerate(body):
        name = _reassigned_param(st, params - closed_over)
        if name is None:
            continue
        new = f"{name} (version at {st.pos})"
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
