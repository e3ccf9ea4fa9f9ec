"""Globals that only ever hold a built-in function: `p=parseInt, ..., p(s, 36)`.

The subset calls parseInt, isNaN and isFinite by name but takes no function values. A global
whose every assignment is `name = <that built-in>` and whose every other use is a call
`name(...)` is rewritten so the call names the built-in: `(name, parseInt(s, 36))`. The read of
`name` stays in front, so a call before the assignment ran still throws a ReferenceError, and
the assignment stores 0 instead, which no remaining read can tell apart (each is discarded).
"""
from __future__ import annotations

from engine.compiled import parser as P
from engine.compiled.arrays import plain_assignments
from engine.compiled.conststrings import binds, function_names

CALLABLE_BUILTINS = ("parseInt", "isNaN", "isFinite")


def rewrite(tree, rest: tuple, reserved: frozenset) -> tuple:
    """(tree, rest) with calls through aliases of built-ins made calls of the built-ins.
    `reserved`: names that are not plain globals (the song function's parameters); names of
    function literals are not either."""
    nodes = [n for root in (tree,) + tuple(rest) for n in P.walk(root)]
    builtins = {b for b in CALLABLE_BUILTINS if not any(binds(n, b) for n in nodes)}
    aliases = {}
    reserved = reserved | function_names(nodes)
    for name, values in plain_assignments(nodes).items():
        held = {v.name for v in values if isinstance(v, P.Ident)}
        if name not in reserved and len(held) == 1 and len(values) == len([v for v in values if isinstance(v, P.Ident)]):
            builtin = held.pop()
            if builtin in builtins:
                aliases[name] = builtin
    if not aliases:
        return tree, rest
    callees = {id(n.callee) for n in nodes if isinstance(n, P.Call)}
    targets = {id(n.target) for n in nodes if isinstance(n, P.Assign)}
    for n in nodes:
        if isinstance(n, P.Ident) and n.name in aliases and id(n) not in callees | targets:
            aliases.pop(n.name, None)      # used as a value: the analyzer refuses it as before
        elif isinstance(n, P.Member) and n.prop in aliases:
            aliases.pop(n.prop, None)      # maybe read as this.name / window.name
    if not aliases:
        return tree, rest
    mapper = _Mapper(aliases)
    return mapper.map(tree), tuple(mapper.map(st) for st in rest)


class _Mapper:
    def __init__(self, aliases: dict):
        self.aliases = aliases

    def map(self, node):
        node = P.map_children(node, self.map)
        if isinstance(node, P.Call) and isinstance(node.callee, P.Ident) and node.callee.name in self.aliases:
            builtin = P.Ident(node.callee.pos, self.aliases[node.callee.name])
            call = P.Call(node.pos, builtin, node.args, node.optional)
            return P.Sequence(node.pos, (node.callee, call))
        if isinstance(node, P.Assign) and isinstance(node.target, P.Ident) and node.target.name in self.aliases:
            return P.Assign(node.pos, node.op, node.target, P.Num(node.value.pos, 0.0), node.op_pos)
        return node
