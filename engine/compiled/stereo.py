"""Stereo results written through a name nobody reads: `..., c=[l, r]` as the song's value.

The player only looks at the value the song returns: `[l, r]` is stereo whether or not it
was also stored in a global on the way. When nothing in the song reads that global (no
identifier and no property of the name anywhere else), the store cannot be observed and
the result is the array literal itself, which the compiled tier takes as stereo.
"""
from __future__ import annotations

from engine.compiled import parser as P
from engine.compiled.renames import replace_nodes


def result_nodes(node):
    """The nodes whose value can be the song's result (through `,` and `?:`)."""
    if isinstance(node, P.Sequence):
        yield from result_nodes(node.exprs[-1])
    elif isinstance(node, P.Conditional):
        yield from result_nodes(node.cons)
        yield from result_nodes(node.alt)
    else:
        yield node


def unstored_stereo_results(tree):
    """The tree with each result `name = [l, r]` whose name nothing reads replaced by `[l, r]`."""
    everywhere = list(P.walk(tree))
    new = {}
    for node in result_nodes(tree):
        if isinstance(node, P.Assign) and node.op == "=" and isinstance(node.target, P.Ident) and \
                isinstance(node.value, P.ArrayLit):
            name = node.target.name
            if any(isinstance(n, P.Ident) and n.name == name and n is not node.target or
                   isinstance(n, P.Member) and n.prop == name for n in everywhere):
                continue
            new[id(node)] = node.value
    return replace_nodes(tree, new) if new else tree
