"""Numbers an expression can have, known before the song runs (constant folding).

Songs size their delay lines with arithmetic on constants (`Array(8<<10)`), with globals
assigned one value (`o=23, ... Array(round(o*s))`) and with parameters of a helper that
every call passes a constant (`r=(x,y=12288)=>(t||(a=Array(y).fill(0)), ...)`, `r(v)`).
`StaticValues.values(node)` gives the set of numbers `node` may evaluate to, or None when
that is not known. Every value comes from JS arithmetic evaluated exactly as the engine
does it; anything whose result could depend on the engine (libm functions, inexact `**`)
or on the song's time is unknown. A read that throws or a site that never runs gives no
value, so a set says "whenever the expression yields a number, it is one of these".
"""
from __future__ import annotations

import math
import struct

from engine.compiled import parser as P
from engine.compiled.jsvalues import fold_binary, to_int32

MAX_VALUES = 16      # larger sets are treated as unknown
MATH_CONSTANTS = {"E": 2.718281828459045, "LN10": 2.302585092994046, "LN2": 0.6931471805599453,
                  "LOG10E": 0.4342944819032518, "LOG2E": 1.4426950408889634,
                  "PI": 3.141592653589793, "SQRT1_2": 0.7071067811865476, "SQRT2": 1.4142135623730951}


def _key(x: float) -> bytes:
    return struct.pack("<d", x)


def _set(values) -> frozenset | None:
    """A set of doubles keyed by their bits (so -0 and 0, NaN are told apart)."""
    out = {_key(v): v for v in values}
    return frozenset(out.items()) if len(out) <= MAX_VALUES else None


def numbers(s: frozenset) -> list[float]:
    return [v for _, v in s]


def js_round(x: float) -> float:
    """Math.round: the integer nearest x, halves towards +Infinity; -0 for -0.5 <= x < 0."""
    if not math.isfinite(x) or x == math.floor(x):
        return x
    r = math.floor(x)
    r = float(r + 1) if x - r >= 0.5 else float(r)
    return -0.0 if r == 0.0 and x < 0 else r


def js_power(a: float, b: float) -> float | None:
    """`a ** b` where every engine agrees: integer operands with a representable integer
    result (fdlibm's pow returns those exactly); otherwise unknown."""
    if a != math.floor(a) or b != math.floor(b) or not (0 <= b <= 1100) or abs(a) > 2 ** 53:
        return None
    if b == 0:
        return 1.0
    r = int(a) ** int(b)
    return float(r) if abs(r) <= 2 ** 53 else None


BINARY_OPS = frozenset(("+", "-", "*", "/", "%", "**", "|", "&", "^", "<<", ">>", ">>>"))


def binary(op: str, a: float, b: float) -> float | None:
    """JS `a op b` on numbers, or None where the result is not exactly known: the
    compiled tier's own constant folding, except `**`, which is taken only where every
    engine agrees (js_power) since no fdlibm is loaded here."""
    if op == "**":
        return js_power(a, b)
    return fold_binary(op, a, b, None)


def literal_value(node) -> float | None:
    """The value of arithmetic on number literals only (`12+12`, `-1>>>28`, `2**14`): no
    name is read, nothing can throw or change, so it may stand for the expression."""
    if isinstance(node, P.Num):
        return node.value
    if isinstance(node, P.Unary) and node.op in ("-", "+", "~"):
        x = literal_value(node.arg)
        if x is None:
            return None
        return -x if node.op == "-" else (x if node.op == "+" else float(~to_int32(x)))
    if isinstance(node, P.Binary) and node.op in BINARY_OPS:
        a = literal_value(node.left)
        if a is None:
            return None
        b = literal_value(node.right)
        return None if b is None else binary(node.op, a, b)
    return None


EXACT_MATH = {
    "floor": lambda x: float(math.floor(x)) if math.isfinite(x) and x != 0 else x,
    "ceil": lambda x: (-0.0 if -1 < x < 0 else float(math.ceil(x))) if math.isfinite(x) and x != 0 else x,
    "trunc": lambda x: (math.copysign(0.0, x) if abs(x) < 1 else float(math.trunc(x))) if math.isfinite(x) else x,
    "round": js_round,
    "abs": abs,
    "sqrt": lambda x: math.nan if x < 0 or math.isnan(x) else math.sqrt(x),
}


class StaticValues:
    """Folding over one song: `roots` are its tree and its hoisted function declarations
    (`declared`: name -> Func).
    `math_function(callee)` names the Math function a callee surely is (or None);
    `local_names_of(func)` lists a literal's parameters and declared names."""

    def __init__(self, roots, declared, local_names_of, math_function, song_params):
        self.math_function = math_function
        self.song_params = song_params            # t, Math names, int, window: reset every call
        self.declared = declared                  # hoisted `function f(){}`: name -> Func
        self.local_names_of = local_names_of      # Func literal -> its params and declared names
        self.enclosing: dict = {}                 # id(node) -> innermost enclosing Func (or None)
        self.nodes = []
        for root in roots:
            stack = [(root, None)]
            while stack:
                n, fn = stack.pop()
                self.enclosing[id(n)] = fn
                self.nodes.append(n)
                inner = n if isinstance(n, P.Func) else fn
                stack.extend((c, inner) for c in P.children(n))
        self.parent_fn = {id(f): self.enclosing[id(f)] for f in self.nodes if isinstance(f, P.Func)}
        self.written: set = set()                 # names the song's scope writes (PI=..., x++)
        self.assignments = self._global_assignments()
        self.calls = self._calls_by_function()
        self.visiting: set = set()
        self.cache: dict = {}

    # -- scopes
    def scope_of(self, node, name: str):
        """The Func whose parameter or local `name` is at `node`, or None for the song's scope."""
        fn = self.enclosing.get(id(node))
        while fn is not None:
            if name in self.local_names_of(fn):
                return fn
            fn = self.parent_fn.get(id(fn))
        return None

    def _global_assignments(self) -> dict:
        """{global name: [value nodes]} for names changed only by plain `name = value` at
        places where the name is the global (no compound write, ++, or `this.name = `)."""
        values: dict = {}
        spoiled: set = set()
        for n in self.nodes:
            if isinstance(n, (P.Assign, P.Update)):
                t = n.target
                if isinstance(t, P.Ident):
                    if self.scope_of(n, t.name) is not None:
                        continue
                    if isinstance(n, P.Assign) and n.op == "=":
                        values.setdefault(t.name, []).append(n.value)
                    else:
                        spoiled.add(t.name)
                elif isinstance(t, P.Member):
                    spoiled.add(t.prop)          # `this.x = ...` writes the global x
                elif not isinstance(t, P.Index):  # destructuring writes every name in the pattern
                    spoiled.update(x.name for x in P.walk(t) if isinstance(x, P.Ident))
            elif isinstance(n, P.ForInOf):
                spoiled.update(x.name for x in P.walk(n.left) if isinstance(x, P.Ident))
            elif isinstance(n, P.VarDecl):
                spoiled.update(x.name for t, _ in n.decls for x in P.walk(t) if isinstance(x, P.Ident)
                               and self.scope_of(n, x.name) is None)
        self.written = set(values) | spoiled
        return {k: v for k, v in values.items() if k not in spoiled}

    def _calls_by_function(self) -> dict:
        """{id(Func): [argument tuples of every call]} for literals whose calls are all known:
        called right where written, or held by globals that are only ever called. A literal
        missing here may be called from anywhere: its parameters are unknown."""
        holders: dict = {name: {id(f)} for name, f in self.declared.items()}   # global -> literals
        definitions: set = set()    # id(target) of `name = <literal>`
        for n in self.nodes:
            if isinstance(n, P.Assign) and n.op == "=":
                literal = n.value
                while isinstance(literal, P.Assign) and literal.op == "=":
                    literal = literal.value
                if isinstance(literal, P.Func) and isinstance(n.target, P.Ident) and \
                        self.scope_of(n, n.target.name) is None:
                    holders.setdefault(n.target.name, set()).add(id(literal))
                    definitions.add(id(n.target))
        literal_of = {name: next(iter(ids)) for name, ids in holders.items() if len(ids) == 1}
        calls: dict = {}
        escaped: set = set()
        callee_ids = set()
        for n in self.nodes:
            if isinstance(n, P.Call) and not n.optional:
                if isinstance(n.callee, P.Func):
                    calls.setdefault(id(n.callee), []).append(n.args)
                    callee_ids.add(id(n.callee))
                elif isinstance(n.callee, P.Ident) and n.callee.name in literal_of and \
                        self.scope_of(n, n.callee.name) is None:
                    calls.setdefault(literal_of[n.callee.name], []).append(n.args)
                    callee_ids.add(id(n.callee))
        for n in self.nodes:
            if isinstance(n, P.Ident) and n.name in holders and id(n) not in callee_ids and \
                    id(n) not in definitions and self.scope_of(n, n.name) is None:
                escaped.update(holders[n.name])
            if isinstance(n, P.Member) and n.prop in holders:
                escaped.update(holders[n.prop])        # `this.f(...)`, `window.f = ...`
            if isinstance(n, P.Func) and id(n) not in callee_ids and \
                    not any(id(n) in ids for ids in holders.values()):
                escaped.add(id(n))
        for name, ids in holders.items():
            if len(ids) > 1:
                escaped.update(ids)
        return {k: v for k, v in calls.items() if k not in escaped}

    # -- values
    def values(self, node) -> frozenset | None:
        """The numbers `node` may evaluate to, or None if not known."""
        key = id(node)
        if key in self.cache:
            return self.cache[key]
        if key in self.visiting:
            return None
        self.visiting.add(key)
        try:
            out = self._values(node)
        finally:
            self.visiting.discard(key)
        self.cache[key] = out
        return out

    def single(self, node) -> float | None:
        s = self.values(node)
        return numbers(s)[0] if s is not None and len(s) == 1 else None

    def constant_globals(self) -> dict:
        """{name: value} for globals whose every assignment gives the same number."""
        out = {}
        for name in self.assignments:
            s = self.global_values(name)
            if s is not None and len(s) == 1:
                out[name] = numbers(s)[0]
        return out

    def _values(self, node) -> frozenset | None:
        if isinstance(node, P.Num):
            return _set([node.value])
        if isinstance(node, P.Unary) and node.op in ("-", "+", "~"):
            s = self.values(node.arg)
            if s is None:
                return None
            f = {"-": lambda x: -x, "+": lambda x: x, "~": lambda x: float(~to_int32(x))}[node.op]
            return _set(f(x) for x in numbers(s))
        if isinstance(node, P.Binary):
            a, b = self.values(node.left), self.values(node.right)
            if a is None or b is None:
                return None
            out = [binary(node.op, x, y) for x in numbers(a) for y in numbers(b)]
            return None if any(v is None for v in out) else _set(out)
        if isinstance(node, P.Assign) and node.op == "=":
            return self.values(node.value)
        if isinstance(node, P.Sequence):
            return self.values(node.exprs[-1])
        if isinstance(node, P.Conditional):
            test = self.values(node.test)
            if test is not None:
                truth = {not (x == 0 or math.isnan(x)) for x in numbers(test)}
                if truth == {True}:
                    return self.values(node.cons)
                if truth == {False}:
                    return self.values(node.alt)
            a, b = self.values(node.cons), self.values(node.alt)
            return None if a is None or b is None else _set(numbers(a) + numbers(b))
        if isinstance(node, P.Call) and not node.optional and len(node.args) == 1 and \
                not isinstance(node.args[0], P.Spread):
            name = self.math_function(node.callee)
            if isinstance(node.callee, P.Ident) and node.callee.name in self.written:
                return None      # `int = ...` somewhere: the name may not be the Math function
            name = "floor" if name == "int" else name
            if name in EXACT_MATH:
                s = self.values(node.args[0])
                return None if s is None else _set(EXACT_MATH[name](x) for x in numbers(s))
            return None
        if isinstance(node, P.Member) and node.prop == "length" and not node.optional and \
                isinstance(node.obj, (P.Str, P.ArrayLit)):
            if isinstance(node.obj, P.ArrayLit) and any(isinstance(e, P.Spread) for e in node.obj.elements):
                return None
            n = len(node.obj.elements) if isinstance(node.obj, P.ArrayLit) else \
                len(node.obj.value.encode("utf-16-le")) // 2
            return _set([float(n)])
        if isinstance(node, P.Ident):
            return self.name_values(node)
        return None

    def name_values(self, node) -> frozenset | None:
        name = node.name
        fn = self.scope_of(node, name)
        if fn is not None:
            return self.parameter_values(fn, name)
        return self.global_values(name)

    def global_values(self, name: str) -> frozenset | None:
        """The numbers a read of the global (or song parameter) `name` may give."""
        if name in MATH_CONSTANTS:
            return None if name in self.written else _set([MATH_CONSTANTS[name]])
        if name in ("NaN", "Infinity"):     # non-writable globals
            return _set([math.nan if name == "NaN" else math.inf])
        if name not in self.assignments or name in self.song_params:
            return None
        found = []
        for v in self.assignments[name]:
            s = self.values(v)
            if s is None:
                return None
            found.extend(numbers(s))
        return _set(found) if found else None

    def parameter_values(self, fn: P.Func, name: str) -> frozenset | None:
        """A parameter never assigned in its function: the union over every call of the
        argument passed (or the default where the argument is missing)."""
        index = next((i for i, p in enumerate(fn.params) if isinstance(p.target, P.Ident) and
                      p.target.name == name and not p.rest), None)
        if index is None or any(p.rest or not isinstance(p.target, P.Ident) for p in fn.params):
            return None
        for n in P.walk(fn):
            if isinstance(n, (P.Assign, P.Update)) and isinstance(n.target, P.Ident) and \
                    n.target.name == name and self.scope_of(n, name) is fn:
                return None
            if isinstance(n, P.VarDecl) and any(isinstance(t, P.Ident) and t.name == name for t, _ in n.decls):
                return None
        calls = self.calls.get(id(fn))
        if not calls:
            return None
        found = []
        param = fn.params[index]
        for args in calls:
            if any(isinstance(a, P.Spread) for a in args):
                return None
            if index < len(args):
                s = self.values(args[index])
            elif param.default is not None:
                s = self.values(param.default)
            else:
                return None      # undefined: not a number
            if s is None:
                return None
            found.extend(numbers(s))
        return _set(found)
