"""Method calls through a global holding the method's name: `c='charCodeAt', s[c](i)`.

Packed songs save characters this way. `s[c](i)` is `s.charCodeAt(i)` whenever `c` holds
the string "charCodeAt", which is certain when the song's only write of `c` is the
top-level comma item `c='charCodeAt'` and every such call sits in a later item (inside
a function or not: a function written there cannot run before the item did in the
first sample, and later samples keep the name). `method_names_in_globals` rewrites those
calls to the member call the compiled tier takes; `c` itself stays an ordinary global.
"""
from __future__ import annotations

from engine.compiled import parser as P
from engine.compiled.renames import replace_nodes

METHODS = frozenset(("charCodeAt",))     # methods the compiled tier calls as `s.name(...)`


def written_names(nodes) -> dict:
    """{name: number of writes}, declarations and parameters counting as many."""
    writes: dict = {}
    for n in nodes:
        if isinstance(n, (P.Assign, P.Update)):
            t = n.target
            name = t.name if isinstance(t, P.Ident) else (t.prop if isinstance(t, P.Member) else None)
            if name is not None:
                writes[name] = writes.get(name, 0) + 1
            elif not isinstance(t, P.Index):
                for x in P.walk(t):
                    if isinstance(x, P.Ident):
                        writes[x.name] = 99
        elif isinstance(n, P.VarDecl):
            for target, _ in n.decls:
                for x in P.walk(target):
                    if isinstance(x, P.Ident):
                        writes[x.name] = 99
        elif isinstance(n, (P.Param, P.ForInOf)):
            for x in P.walk(n.target if isinstance(n, P.Param) else n.left):
                if isinstance(x, P.Ident):
                    writes[x.name] = 99
    return writes


def method_names_in_globals(tree):
    """The tree with `s[c](...)` rewritten to `s.charCodeAt(...)` where `c` surely holds
    "charCodeAt" (see the module docstring)."""
    if not isinstance(tree, P.Sequence):
        return tree
    writes = written_names(P.walk(tree))
    new: dict = {}
    for i, item in enumerate(tree.exprs):
        if not (isinstance(item, P.Assign) and item.op == "=" and isinstance(item.target, P.Ident) and
                isinstance(item.value, P.Str) and item.value.value in METHODS):
            continue
        name, method = item.target.name, item.value.value
        if writes.get(name) != 1:
            continue
        uses = [n for k, later in enumerate(tree.exprs) for n in P.walk(later)
                if isinstance(n, P.Call) and not n.optional and isinstance(n.callee, P.Index) and
                not n.callee.optional and isinstance(n.callee.index, P.Ident) and n.callee.index.name == name
                and k > i]
        early = any(isinstance(n, P.Call) and isinstance(n.callee, P.Index) and
                    isinstance(n.callee.index, P.Ident) and n.callee.index.name == name
                    for earlier in tree.exprs[:i + 1] for n in P.walk(earlier))
        if early:
            continue
        for call in uses:
            c = call.callee
            new[id(c)] = P.Member(c.pos, c.obj, method, False, c.index.pos)
    return replace_nodes(tree, new) if new else tree
