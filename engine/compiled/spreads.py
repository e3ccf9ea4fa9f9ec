"""`I=[4,7,11], J=[0,2,...I,7,...I]`: spreading a global that holds a constant array.

When the global's only write is that literal of numbers, and it is an earlier item of the
comma sequence that builds the spreading literal (so it has surely run: otherwise JS would
throw a ReferenceError), `...I` is its elements, written out: `[0,2,4,7,11,7,4,7,11]`.
"""
from __future__ import annotations

from engine.compiled import parser as P
from engine.compiled.folds import copy_tree
from engine.compiled.named_methods import written_names
from engine.compiled.renames import replace_nodes


def _constants(node) -> bool:
    return isinstance(node, P.ArrayLit) and all(
        isinstance(e, P.Num) or isinstance(e, P.Unary) and e.op in "-+" and isinstance(e.arg, P.Num)
        for e in node.elements)


def inline_constant_spreads(tree):
    """The tree with `[..., ...I, ...]` written out where I surely holds a constant array."""
    everywhere = list(P.walk(tree))
    written = written_names(everywhere)
    new: dict = {}
    for seq in everywhere:
        if not isinstance(seq, P.Sequence):
            continue
        defined: dict = {}
        for item in seq.exprs:
            for lit in P.walk(item):
                if not isinstance(lit, P.ArrayLit) or not any(
                        isinstance(e, P.Spread) and isinstance(e.arg, P.Ident) and e.arg.name in defined
                        for e in lit.elements):
                    continue
                elements = []
                for e in lit.elements:
                    if isinstance(e, P.Spread) and isinstance(e.arg, P.Ident) and e.arg.name in defined:
                        elements.extend(copy_tree(x) for x in defined[e.arg.name].elements)
                    else:
                        elements.append(e)
                new[id(lit)] = P.ArrayLit(lit.pos, tuple(elements))
            if isinstance(item, P.Assign) and item.op == "=" and isinstance(item.target, P.Ident) and \
                    _constants(item.value) and written.get(item.target.name) == 1:
                defined[item.target.name] = item.value
    return replace_nodes(tree, new) if new else tree
