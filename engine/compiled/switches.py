"""`switch` statements, lowered to statements the compiled subset already takes.

    switch (d) { case a: A; case b: B; default: C; case e: E }

runs like

    { var v = d;                                  // the discriminant, evaluated once
      var k = v === a ? 0 : v === b ? 1 : v === e ? 3 : 2;   // first matching clause, else default
      do { if (k <= 0) {A} if (k <= 1) {B} if (k <= 2) {C} if (k <= 3) {E} } while (0) }

The case tests are evaluated in source order, skipping `default`, until one is strictly equal
(ECMAScript's CaseBlockEvaluation: the clauses before default, then those after it); without a
match the clauses run from `default`, or none run. Each clause falls through to the next, and
`break` leaves the one-pass loop as it leaves the switch. A `continue` inside the switch would
be caught by that loop instead of the enclosing one, so it is refused. The two locals have
names no JS identifier can spell, one pair per switch (by its position).
"""
from __future__ import annotations

from engine.compiled import parser as P
from engine.errors import NotCompiledError, SourcePosition

LOOPS = (P.For, P.ForInOf, P.While, P.DoWhile)


def lower(node, code: str):
    """The tree with every switch statement lowered (innermost first)."""
    node = P.map_children(node, lambda child: lower(child, code))
    return _lowered(node, code) if isinstance(node, P.Switch) else node


def _lowered(switch: P.Switch, code: str) -> P.Block:
    for case in switch.cases:
        for st in case.body:
            jump = _continue_of_enclosing_loop(st)
            if jump is not None:
                raise NotCompiledError("'continue' inside a switch statement", SourcePosition.at(code, jump.pos))
    pos = switch.pos
    value = P.Ident(pos, f"switch value {pos}")
    clause = P.Ident(pos, f"switch clause {pos}")
    default = next((i for i, c in enumerate(switch.cases) if c.test is None), len(switch.cases))
    choice = P.Num(pos, float(default))
    for i, case in reversed(list(enumerate(switch.cases))):
        if case.test is not None:
            match = P.Binary(case.pos, "===", value, case.test, case.pos)
            choice = P.Conditional(case.pos, match, P.Num(case.pos, float(i)), choice)
    clauses = tuple(P.If(c.pos, P.Binary(c.pos, "<=", clause, P.Num(c.pos, float(i)), c.pos), P.Block(c.pos, c.body), None)
                    for i, c in enumerate(switch.cases))
    return P.Block(pos, (P.VarDecl(pos, "var", ((value, switch.disc),)),
                         P.VarDecl(pos, "var", ((clause, choice),)),
                         P.DoWhile(pos, P.Block(pos, clauses), P.Num(pos, 0.0))))


def _continue_of_enclosing_loop(node):
    """A `continue` in `node` that is not inside a loop or function of its own, if any."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, P.Jump) and n.kind == "continue":
            return n
        stack.extend(c for c in P.children(n) if not isinstance(c, LOOPS + (P.Func,)))
    return None
