"""Globals that hold one of several helper functions, picked at run time: `V=[Q,T,W,S][i]`,
then `V(x)`.

The global keeps the index of the function it holds; a call of it runs the chosen function,
inlined once per candidate behind a switch on that index. An index off the list leaves the
global undefined, and calling it then throws (TypeError), as in JavaScript. Only functions that
read nothing from the scope they were created in (no t, no enclosing locals) are candidates:
the global may hold a closure made in an earlier sample, and such a function behaves the same
whichever sample made it.
"""
from __future__ import annotations

from engine.compiled import parser as P


def choice_site(node):
    """(element names, index node) when `node` is `[f1, f2, ...][index]` of bare names."""
    if isinstance(node, P.Index) and not node.optional and isinstance(node.obj, P.ArrayLit) and \
            node.obj.elements and all(isinstance(e, P.Ident) for e in node.obj.elements):
        return tuple(e.name for e in node.obj.elements), node.index
    return None


def find_choices(plain: dict, candidates: dict) -> dict:
    """{global: (fid of each element)} for globals assigned only `[f1, ...][index]` (`plain`:
    names assigned by plain `=` only -> the values) whose elements all name functions in
    `candidates` (name -> fid)."""
    out = {}
    for name, values in plain.items():
        sites = [choice_site(v) for v in values]
        if not values or any(s is None for s in sites):
            continue
        names = sites[0][0]
        if any(s[0] != names for s in sites) or any(n not in candidates for n in names):
            continue
        out[name] = tuple(candidates[n] for n in names)
    return out
