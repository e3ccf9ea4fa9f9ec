"""`n.toString(radix)[i]`: one character of an integer written in another base.

Songs read digits as melody, `16*(f=t>>3, f.toString(8)[t>>3&15])`. When n is surely an
integer (a result of `>> << >>> & | ^ ~`, an integer literal, or a global only ever assigned
those), its text in base r (2 <= r <= 36, a constant) is the sign, then its digits, with no
fraction or exponent part, so character i is found with integer arithmetic:

    "-0123456789abcdefghijklmnopqrstuvwxyz"[position(n, i)]

where `position` (an inlined arrow, n and i evaluated once and in order) gives 0 for the
sign, 1 + digit for a digit, and an index past the table (undefined, as the string's own
out-of-range or non-integer index gives) otherwise. `-0` is written "0", and a `-0` index
reads the first character, as in JavaScript.
"""
from __future__ import annotations

import dataclasses

from engine.compiled import parser as P
from engine.compiled.arrays import plain_assignments

TABLE = "-0123456789abcdefghijklmnopqrstuvwxyz"
INTEGER_OPS = (">>", "<<", ">>>", "&", "|", "^")
POSITION = """(n, i) => {
  var m = n < 0 ? -n : n, sign = n < 0 ? 1 : 0, digits = 1, p = m;
  while (p >= R) { p = (p - p % R) / R; digits++ }
  if (!(i >= 0 && i < digits + sign && i % 1 == 0)) return 99;
  if (i < sign) return 0;
  for (var k = digits + sign - 1 - i; k > 0; k--) m = (m - m % R) / R;
  return m % R + 1
}"""


def rewrite(tree, rest: tuple, params: frozenset) -> tuple:
    """(tree, rest) with each digit read of an integer's text in a constant base rewritten.
    `params`: the song function's parameters (they hold a value before any assignment)."""
    nodes = [n for root in (tree,) + tuple(rest) for n in P.walk(root)]
    integer_globals = {name for name, values in plain_assignments(nodes).items()
                       if name not in params and all(_is_integer(v, frozenset()) for v in values)}

    def map_node(node):
        node = P.map_children(node, map_node)
        radix = _digit_read(node, integer_globals)
        if radix is None:
            return node
        call = P.Call(node.pos, _position_function(radix, node.pos), (node.obj.callee.obj, node.index), False)
        return P.Index(node.pos, P.Str(node.pos, TABLE), call, False)

    return map_node(tree), tuple(map_node(st) for st in rest)


def _digit_read(node, integer_globals) -> int | None:
    """The radix of `n.toString(radix)[i]` with n surely an integer, else None."""
    if not (isinstance(node, P.Index) and not node.optional and isinstance(node.obj, P.Call)):
        return None
    call = node.obj
    if call.optional or len(call.args) != 1 or not isinstance(call.callee, P.Member):
        return None
    member = call.callee
    if member.prop != "toString" or member.optional or not _is_integer(member.obj, integer_globals):
        return None
    radix = call.args[0]
    if isinstance(radix, P.Num) and radix.value in range(2, 37):
        return int(radix.value)
    return None


def _is_integer(node, integer_globals) -> bool:
    if isinstance(node, P.Num):
        return abs(node.value) < 2 ** 53 and node.value == int(node.value)
    if isinstance(node, P.Binary):
        return node.op in INTEGER_OPS
    if isinstance(node, P.Unary):
        return node.op == "~"
    return isinstance(node, P.Ident) and node.name in integer_globals


def _position_function(radix: int, pos: int) -> P.Func:
    """The arrow `position` for this radix, placed at `pos`, its names unspellable in JS."""
    text = POSITION.replace("R", str(radix))
    func = P.parse_expression_code(text)
    return _renamed(func, pos)


def _renamed(node, pos: int):
    """Every name of the helper made `<name> of a digit read` (it reads no outer name) and
    every position set to `pos`."""
    node = P.map_children(node, lambda child: _renamed(child, pos))
    if isinstance(node, P.Ident):
        return P.Ident(pos, node.name + " of a digit read")
    fields = {f: pos for f in ("pos", "op_pos", "prop_pos") if hasattr(node, f)}
    return dataclasses.replace(node, **fields)
