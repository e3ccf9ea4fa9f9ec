"""Strings a song builds from constants, folded to literals before analysis.

Songs spell melodies as text and build it from pieces: `'44EGGGEG'.repeat(3)+'LLJLJJIJ'`,
`a+'4676436'+a` with `a='4679BB...'` set once, `"ACDF"+(t>>22&1?"CCDD":"CACD")`,
`` `@GL@GL@G` ``. The compiled subset takes constant strings as values (indexing, length,
charCodeAt, parseInt) but no string operations, so these are rewritten to the literal they
always produce. Every evaluation the original runs stays, in order, in front of the literal:

    a + 'x' + a            ->  (a, a, '<a>x<a>')       reading a still throws before `a=` ran
    'p' + (c ? 'A' : 'B')  ->  c ? 'pA' : 'pB'

A global counts as a constant string when every assignment anywhere is `name = <the same
string>` (no other write, declaration, parameter or function of that name), so a read that
does not throw gives that string. `.repeat(n)` folds for a constant integer 0 <= n whose result stays
short; a negative or infinite n (a RangeError) is left for the analyzer to refuse.
`escape(s)`, `unescape(s)` and the packer's `s.replace(/u(..)/g, "$1%")` fold too. A direct
`eval` of such a string becomes the expression the string holds (engine.compiled.consteval).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from engine.compiled import consteval
from engine.compiled import parser as P
from engine.compiled.arrays import plain_assignments
from engine.compiled.jsvalues import js_escape, js_unescape, packer_replace, utf16_units

MAX_UNITS = 1 << 20        # longest folded string (code units)
MAX_BRANCHES = 16          # `?:` alternatives a folded concatenation may spread into
MAX_EVAL_DEPTH = 4         # eval'd strings that themselves eval constant strings
MAX_ROUNDS = 4             # foldings until the constant globals settle
STRING_FUNCTIONS = {"escape": js_escape, "unescape": js_unescape}


@dataclass(frozen=True)
class Text:
    """A folded string: `effects` run first, then the value is `value`, or (when `test`
    is set) `then` or `other` depending on it."""
    effects: tuple
    value: str = ""
    test: P.Node | None = None
    then: "Text | None" = None
    other: "Text | None" = None

    def leaves(self) -> int:
        return 1 if self.test is None else self.then.leaves() + self.other.leaves()


def fold(tree, rest: tuple = ()) -> tuple:
    """(tree, rest) with every constant string construction replaced by its literal.

    Which globals are constant strings is read from the folded tree (an inlined eval may
    assign one), so folding repeats until that set is the one it folded with; if it does
    not settle, only literals are folded."""
    nodes = [n for root in (tree,) + tuple(rest) for n in P.walk(root)]
    builtins = {name for name in ("eval", *STRING_FUNCTIONS) if not any(binds(n, name) for n in nodes)}
    literal_only = _Folder({}, builtins).run(tree, rest)
    folded, constants = literal_only, {}
    for _ in range(MAX_ROUNDS):
        found = _constant_globals(folded)
        if found == constants:
            return folded
        constants = found
        folded = _Folder(constants, builtins).run(tree, rest)
    return literal_only


def _constant_globals(folded: tuple) -> dict:
    """{name: string} for globals every assignment of which sets the same string literal
    (possibly after other evaluations: `F = (E, E, 'xNx')`, folded from `F = E+'N'+E`)."""
    nodes = [n for root in (folded[0],) + tuple(folded[1]) for n in P.walk(root)]
    named = function_names(nodes)
    out = {}
    for name, values in plain_assignments(nodes).items():
        strings = {_assigned_string(v) for v in values}
        if name not in named and len(strings) == 1 and None not in strings:
            out[name] = strings.pop()
    return out


def _assigned_string(value) -> str | None:
    while isinstance(value, P.Sequence):
        value = value.exprs[-1]
    return value.value if isinstance(value, P.Str) else None


def function_names(nodes) -> set:
    """Names of function literals (`function f(){}`): inside a named function expression the
    name is the function itself, whatever the global of that name holds."""
    return {n.name for n in nodes if isinstance(n, P.Func) and n.name is not None}


def binds(node, name: str) -> bool:
    """Does `node` assign or declare `name` (so that the name may not be the built-in)?"""
    if isinstance(node, (P.Assign, P.Update)):
        return isinstance(node.target, P.Ident) and node.target.name == name
    if isinstance(node, P.VarDecl):
        return any(isinstance(t, P.Ident) and t.name == name for t, _ in node.decls)
    if isinstance(node, P.Param):
        return isinstance(node.target, P.Ident) and node.target.name == name
    return isinstance(node, P.Func) and node.name == name


class _Folder:
    def __init__(self, constants, builtins: set):
        self.constants = constants
        self.builtins = builtins      # which of eval, escape, unescape the song leaves alone
        self.eval_depth = 0

    def run(self, tree, rest: tuple) -> tuple:
        return self.map(tree), tuple(self.map(st) for st in rest)

    def map(self, node):
        if isinstance(node, P.Template) or _is_concat(node) or _is_repeat(node) or \
                _is_packer_replace(node) or self.string_function(node) is not None:
            text = self.text(node)
            if text is not None:
                return _build(text, node.pos)
        if "eval" in self.builtins and _is_call_of(node, "eval") and self.eval_depth < MAX_EVAL_DEPTH:
            text = self.text(node.args[0])
            expr = None if text is None or text.test is not None else consteval.parsed_expression(text.value, node.pos)
            if expr is not None:
                self.eval_depth += 1
                try:
                    expr = self.map(expr)
                finally:
                    self.eval_depth -= 1
                return P.Sequence(node.pos, text.effects + (expr,)) if text.effects else expr
        return P.map_children(node, self.map)

    def text(self, node) -> Text | None:
        """The folded string of `node`, or None when it is not built from constants."""
        if isinstance(node, P.Str):
            return Text((), node.value)
        if isinstance(node, P.Ident) and node.name in self.constants:
            return Text((node,), self.constants[node.name])
        if isinstance(node, P.Sequence):
            last = self.text(node.exprs[-1])
            return None if last is None else _after(tuple(self.map(e) for e in node.exprs[:-1]), last)
        if isinstance(node, P.Conditional):
            then, other = self.text(node.cons), self.text(node.alt)
            if then is None or other is None:
                return None
            return Text((), test=self.map(node.test), then=then, other=other)
        if _is_concat(node):
            left = self.text(node.left)
            right = self.text(node.right) if left is not None else None
            return None if right is None else _concat(left, right)
        if isinstance(node, P.Template):
            out = Text((), node.quasis[0])
            for expr, quasi in zip(node.exprs, node.quasis[1:]):
                part = self.text(expr)
                if part is None:
                    return None
                out = _concat(out, part)
                if out is None:
                    return None
                out = _concat(out, Text((), quasi))
                if out is None:
                    return None
            return out
        if _is_repeat(node):
            base = self.text(node.callee.obj)
            n = _count(node.args[0])
            return None if base is None or n is None else _repeat(base, n)
        if _is_packer_replace(node):
            base = self.text(node.callee.obj)
            return None if base is None else _apply(base, packer_replace)
        function = self.string_function(node)
        if function is not None:
            arg = self.text(node.args[0])
            return None if arg is None else _apply(arg, function)
        return None

    def string_function(self, node):
        """escape/unescape when `node` calls the built-in with one argument."""
        for name, function in STRING_FUNCTIONS.items():
            if name in self.builtins and _is_call_of(node, name):
                return function
        return None


def _is_concat(node) -> bool:
    return isinstance(node, P.Binary) and node.op == "+"


def _is_call_of(node, name: str) -> bool:
    return (isinstance(node, P.Call) and isinstance(node.callee, P.Ident) and node.callee.name == name
            and not node.optional and len(node.args) == 1 and not isinstance(node.args[0], P.Spread))


def _is_packer_replace(node) -> bool:
    """`s.replace(/u(..)/g, "$1%")`, the step of the player's packer."""
    return (isinstance(node, P.Call) and isinstance(node.callee, P.Member) and node.callee.prop == "replace"
            and not node.callee.optional and not node.optional and len(node.args) == 2
            and isinstance(node.args[0], P.Regex) and node.args[0].body == "u(..)" and node.args[0].flags == "g"
            and isinstance(node.args[1], P.Str) and node.args[1].value == "$1%")


def _is_repeat(node) -> bool:
    return (isinstance(node, P.Call) and isinstance(node.callee, P.Member) and node.callee.prop == "repeat"
            and not node.callee.optional and not node.optional and len(node.args) == 1)


def _count(node) -> int | None:
    """A constant repeat count (ToIntegerOrInfinity of a number literal), if valid."""
    if not isinstance(node, P.Num) or math.isnan(node.value) or math.isinf(node.value) or node.value < 0:
        return None
    return int(node.value)


def _after(effects: tuple, text: Text) -> Text:
    return Text(effects + text.effects, text.value, text.test, text.then, text.other)


def _concat(left: Text, right: Text) -> Text | None:
    """left + right, or None when the result would be too long or too branchy."""
    if left.test is not None:
        if right.effects or left.leaves() * right.leaves() > MAX_BRANCHES:
            return None       # right's evaluations would be copied into each branch
        then, other = _concat(left.then, right), _concat(left.other, right)
        return None if then is None or other is None else Text(left.effects, test=left.test, then=then, other=other)
    if right.test is not None:
        then, other = _concat(Text((), left.value), right.then), _concat(Text((), left.value), right.other)
        if then is None or other is None:
            return None
        return Text(left.effects + right.effects, test=right.test, then=then, other=other)
    value = left.value + right.value
    if len(utf16_units(value)) > MAX_UNITS:
        return None
    return Text(left.effects + right.effects, value)


def _repeat(text: Text, n: int) -> Text | None:
    if text.test is not None:
        then, other = _repeat(text.then, n), _repeat(text.other, n)
        return None if then is None or other is None else Text(text.effects, test=text.test, then=then, other=other)
    if len(utf16_units(text.value)) * n > MAX_UNITS:
        return None
    return Text(text.effects, text.value * n)


def _apply(text: Text, function) -> Text | None:
    """function(text) for a string function of one string."""
    if text.test is not None:
        then, other = _apply(text.then, function), _apply(text.other, function)
        return None if then is None or other is None else Text(text.effects, test=text.test, then=then, other=other)
    value = function(text.value)
    return None if len(utf16_units(value)) > MAX_UNITS else Text(text.effects, value)


def _build(text: Text, pos: int) -> P.Node:
    if text.test is None:
        value = P.Str(pos, text.value)
    else:
        value = P.Conditional(pos, text.test, _build(text.then, pos), _build(text.other, pos))
    return P.Sequence(pos, text.effects + (value,)) if text.effects else value
