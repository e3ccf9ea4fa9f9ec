"""A global that holds one kind of value first and another later in each sample.

Songs write `kick=pan=>..., kick=[kick(0),kick(1)], ... kick[0] ...`,
`bass=<number>, bass=[bass,bass*1.3]` or `q=[1,2,3], q=q[t>>9&3]`: from one comma item to
the next the global holds a function (or a number, or an array), after that an array (or
a number). The compiled tier gives each global one
kind of value, so `split_reused_names` renames the first part: the assignments before
the last one and the reads after the first up to (and inside) the last one; a helper's
or an array's part ends at the next assignment. That is exact when nothing else can see the global
while it holds the first value: the assignments are top-level comma items and the only
writes of the name, no property access (`this.kick`) names it, and no function the items
in between can call reads it (such reads stay with the second value).
Reads before the first assignment see the last value of the sample before: unrenamed.
"""
from __future__ import annotations

import dataclasses

from engine.compiled import parser as P


def replace_nodes(node, new: dict):
    """A copy of `node` with the nodes whose id is in `new` replaced (the rest shared)."""
    if id(node) in new:
        return new[id(node)]
    changes = {}
    for name in node.__slots__:
        value = getattr(node, name)
        out = _replace_in(value, new)
        if out is not value:
            changes[name] = out
    return dataclasses.replace(node, **changes) if changes else node


def _replace_in(value, new: dict):
    if isinstance(value, P.Node):
        return replace_nodes(value, new)
    if isinstance(value, tuple):
        out = tuple(_replace_in(v, new) for v in value)
        return value if all(a is b for a, b in zip(out, value)) else out
    return value


def _song_level(node):
    """Nodes of `node` outside function literals."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(c for c in P.children(n) if not isinstance(c, P.Func))


def _assigned_ident(item, name):
    return isinstance(item, P.Assign) and item.op == "=" and isinstance(item.target, P.Ident) and \
        item.target.name == name


def function_holders(nodes) -> dict:
    """{name: [Func literals]} for every `name = <literal>` and `x.name = <literal>`."""
    out: dict = {}
    for n in nodes:
        if isinstance(n, P.Assign) and n.op == "=" and isinstance(n.value, P.Func):
            t = n.target
            name = t.name if isinstance(t, P.Ident) else (t.prop if isinstance(t, P.Member) else None)
            if name is not None:
                out.setdefault(name, []).append(n.value)
    return out


def _calls_unknown_code(n) -> bool:
    """`this.f()`, `window.f()`: a call of a function found by property, not by name."""
    return isinstance(n, (P.Call, P.New)) and isinstance(n.callee, P.Member) and (
        isinstance(n.callee.obj, P.This) or
        isinstance(n.callee.obj, P.Ident) and n.callee.obj.name in ("window", "globalThis"))


def names_in_callable_code(start, holders) -> set | None:
    """Names mentioned in the function literals that running `start` (song-level code)
    may call: a literal counts as called when its holder's name is mentioned (called or
    passed along) or it is called where written. None when a call may reach code not
    found that way."""
    names: set = set()
    seen: set = set()
    pending = []
    for root in start:
        for n in _song_level(root):
            if _calls_unknown_code(n):
                return None
            if isinstance(n, P.Ident):
                pending.extend(holders.get(n.name, ()))
            elif isinstance(n, P.Call) and isinstance(n.callee, P.Func):
                pending.append(n.callee)
    while pending:
        f = pending.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        for n in P.walk(f):
            if _calls_unknown_code(n):
                return None
            if isinstance(n, P.Ident):
                names.add(n.name)
                pending.extend(holders.get(n.name, ()))
    return names


def split_reused_names(tree):
    """The song's tree with each global that holds first a function or number, then an
    array (see the module docstring) split in two names. Every write of the name must be
    a top-level item: the renamed part runs from the first to just before the last (the
    next, for a function)."""
    if not isinstance(tree, P.Sequence):
        return tree
    items = tree.exprs
    everywhere = list(P.walk(tree))
    taken = {n.name for n in everywhere if isinstance(n, P.Ident)}
    members = {n.prop for n in everywhere if isinstance(n, P.Member)}
    holders = function_holders(everywhere)
    writes: dict = {}
    for n in everywhere:
        if isinstance(n, (P.Assign, P.Update)):
            first = next((x for x in P.walk(n.target) if isinstance(x, P.Ident)), None)
            if first is not None:
                writes[first.name] = writes.get(first.name, 0) + 1
        elif isinstance(n, P.VarDecl):
            for target, _ in n.decls:
                for x in P.walk(target):
                    if isinstance(x, P.Ident):
                        writes[x.name] = 99      # a declaration: not (only) the song's global
    new: dict = {}
    for i, item in enumerate(items):
        if not (isinstance(item, P.Assign) and item.op == "=" and isinstance(item.target, P.Ident)):
            continue
        name = item.target.name
        later = [k for k in range(i + 1, len(items)) if _assigned_ident(items[k], name)]
        if not later or writes.get(name) != 1 + len(later) or name in members or \
                any(id(items[k].target) in new for k in later) or id(item.target) in new:
            continue
        if any(isinstance(items[k].value, P.Func) for k in later):
            continue
        if isinstance(item.value, (P.Func, P.ArrayLit)):
            j = later[0]          # the helper's (or array's) part ends at the next assignment
        elif isinstance(items[later[-1]].value, P.ArrayLit):
            j = later[-1]         # everything before the array
        else:
            continue
        between = [*items[i + 1:j], items[j].value]
        callable_names = names_in_callable_code(between, holders)
        if callable_names is None or name in callable_names:
            continue
        if isinstance(item.value, P.Func) and name in {n.name for n in P.walk(item.value) if isinstance(n, P.Ident)}:
            continue
        # reads before item i see the value left by the sample before: the last write, not renamed
        fresh = name + "$first"
        while fresh in taken:
            fresh += "$"
        taken.add(fresh)
        reads = [item.target]
        for root in between:
            reads.extend(n for n in _song_level(root) if isinstance(n, P.Ident) and n.name == name)
        for n in reads:
            new[id(n)] = P.Ident(n.pos, fresh)
    return replace_nodes(tree, new) if new else tree
