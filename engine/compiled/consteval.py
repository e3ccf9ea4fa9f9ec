"""`eval(s)` of a string known at compile time, replaced by the code it runs.

Songs keep a formula in a string and evaluate it inside a helper, `q="t*(t>>5|t>>8)",
h=t=>eval(q)&255`. A direct eval (the callee is the name `eval`) runs the string as a
script in the caller's scope: names resolve as they would in the helper, undeclared
assignments create globals, and the result is the value of the last expression statement.
When the string is a single expression, that is exactly the expression written in place of
the call, which is what `parsed_expression` returns. Any other script (declarations, several
statements, a syntax error the player would throw at run time) is left to the analyzer to
refuse as a call of eval.
"""
from __future__ import annotations

import dataclasses

from engine.compiled import parser as P
from engine.errors import EngineError

POSITION_FIELDS = ("pos", "op_pos", "prop_pos")


def parsed_expression(text: str, pos: int) -> P.Node | None:
    """The single expression `text` consists of, every node placed at `pos` (the call's
    position in the song, so refusals point at the eval), or None."""
    try:
        body = [st for st in P.parse_function_code(text) if not isinstance(st, P.Empty)]
    except EngineError:
        return None
    if len(body) != 1 or not isinstance(body[0], P.ExprStmt):
        return None
    return _placed(body[0].expr, pos)


def _placed(node, pos: int):
    node = P.map_children(node, lambda child: _placed(child, pos))
    fields = {f: pos for f in POSITION_FIELDS if f in _field_names(node)}
    return dataclasses.replace(node, **fields)


def _field_names(node) -> set:
    return {f.name for f in dataclasses.fields(node)}
