"""Funcbeat bodies that declare a name the song function's scope already has.

A Funcbeat body is a function body: its `var t`, `function sin(x, t){...}` or `let tau` are
locals of the outer call, shadowing the player's parameters (Math names, `int`, `window`) and
built-in globals for the body and every function written in it. The compiled tier gives
those names their player meaning everywhere, so each such name is renamed, throughout the
body, to one no JS identifier can spell (`sin of the Funcbeat body`). Inside the body every
`sin` means the body's binding or a binding of an inner function, never the player's, so
renaming all of them (declarations, parameters and references alike) keeps every reference
bound where it was.
"""
from __future__ import annotations

import dataclasses

from engine.compiled import parser as P

SUFFIX = " of the Funcbeat body"


def body_declared_names(body) -> dict:
    """name -> the first node declaring it among the body's own statements."""
    out = {}
    for st in body:
        if isinstance(st, P.FuncDecl) and st.func.name is not None:
            out.setdefault(st.func.name, st)
        elif isinstance(st, P.VarDecl):
            for target, _ in st.decls:
                if isinstance(target, P.Ident):
                    out.setdefault(target.name, target)
    return out


def rename(body: list, names: set) -> list:
    """The body with every identifier and function name in `names` renamed."""
    if not names:
        return body
    return [_renamed(st, frozenset(names)) for st in body]


def _renamed(node, names: frozenset):
    node = P.map_children(node, lambda child: _renamed(child, names))
    if isinstance(node, P.Ident) and node.name in names:
        return P.Ident(node.pos, node.name + SUFFIX)
    if isinstance(node, P.Func) and node.name in names:
        return dataclasses.replace(node, name=node.name + SUFFIX)
    return node
