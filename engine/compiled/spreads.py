"""`I=[4,7,11], J=[0,2,...I,7,...I]`: spreading a global that holds a constant array.

When the global's only write is that literal of numbers, and it is an earlier item of the
comma sequence that builds the spreading literal (so it has surely run: otherwise JS would
throw a ReferenceError), `...I` is its elements, written out: `[0,2,4,7,11,7,4,7,11]`.

`[].concat(I, I, [1.6,1.5])` with such globals and literals of numbers is the same new array
(concat appends the elements of each array argument; Array.prototype is frozen, so it is the
built-in), written out as one literal.
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
            for call in P.walk(item):
                joined = _concatenated(call, defined)
                if joined is not None:
                    new[id(call)] = joined
            value = new.get(id(item.value), item.value) if isinstance(item, P.Assign) else None
            if isinstance(item, P.Assign) and item.op == "=" and isinstance(item.target, P.Ident) and \
                    _constants(value) and written.get(item.target.name) == 1:
                defined[item.target.name] = value
    return replace_nodes(tree, new) if new else tree


def _concatenated(node, defined: dict):
    """`[].concat(A, ...)` as one literal, when every argument is a literal of numbers (holes
    allowed) or a global in `defined`; else None."""
    if not (isinstance(node, P.Call) and not node.optional and isinstance(node.callee, P.Member)
            and node.callee.prop == "concat" and not node.callee.optional
            and isinstance(node.callee.obj, P.ArrayLit) and not node.callee.obj.elements):
        return None
    elements = []
    for arg in node.args:
        if isinstance(arg, P.Ident) and arg.name in defined:
            elements.extend(copy_tree(x) for x in defined[arg.name].elements)
        elif isinstance(arg, P.ArrayLit) and _constants(P.ArrayLit(arg.pos, tuple(e for e in arg.elements if e))):
            elements.extend(arg.elements)            # holes stay holes
        else:
            return None
    return P.ArrayLit(node.pos, tuple(elements))
