"""`rows[i].map(f).reduce(g)`, `[a, b].map(f)`, `Array.from({length: N}, f)` unrolled.

Songs sum chord notes this way: `[[0,7,10],[-2,1,5],...][k].map(x=>t*m(x)%256)
.reduce((a,b)=>a+b)`, map a stereo pair: `[l, r].map(x=>x^q)`, or build tables of N
computed values. When the receiver is an array literal, an array made from constants
(`Array(N).fill(c)`, `[...Array(N).keys()]`, the N undefined of `Array.from`), or every
array it can be has the same number n of constant elements (a row of a table of such
literals: a row index off the table makes the receiver undefined and the call throw, as
the unrolled `A[0]` does), the call becomes calls of fresh copies of f and g:
    ((A) => g(g(f(A[0], 0), f(A[1], 1)), f(A[2], 2)))(receiver)
    ((A0, A1) => [f(A0, 0), f(A1, 1)])(a, b)            (JS builds the array first)
    [f(undefined, 0), f(undefined, 1), ...]              (a comma sequence if unused)
Each call keeps JS's order except with both f and g: JS runs every f before the first g,
the unrolled form interleaves them, which is the same only because f and g must then be
pure: arrow functions with expression bodies that assign nothing, create no functions
and call only Math functions (not random) or helpers held by globals that are pure in
the same sense; or g alone is pure and closed (`(a,b)=>a+b`: its own parameters, literals
and operators), so nothing f does can be seen by g, nor the reverse.
"""
from __future__ import annotations

import dataclasses

from engine.compiled import parser as P
from engine.compiled.renames import replace_nodes

PURE_MATH = frozenset((
    "abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "atan2", "ceil", "cbrt", "expm1", "clz32",
    "cos", "cosh", "exp", "floor", "fround", "hypot", "imul", "log", "log1p", "log2", "log10", "max",
    "min", "pow", "round", "sign", "sin", "sinh", "sqrt", "tan", "tanh", "trunc", "int"))


def copy_tree(node):
    """A copy of `node` made of new node objects (each function literal its own)."""
    changes = {}
    for name in node.__slots__:
        value = getattr(node, name)
        if isinstance(value, P.Node):
            changes[name] = copy_tree(value)
        elif isinstance(value, tuple):
            changes[name] = tuple(copy_tree(v) if isinstance(v, P.Node) else
                                  tuple(copy_tree(x) if isinstance(x, P.Node) else x for x in v)
                                  if isinstance(v, tuple) else v for v in value)
    return dataclasses.replace(node, **changes)


def _constant(node) -> bool:
    return isinstance(node, P.Num) or isinstance(node, P.Unary) and node.op in "-+" and isinstance(node.arg, P.Num)


def receiver_length(node, literal_of) -> int | None:
    """n when `node` is a literal of n constants, or a row (`T[i]`) of a table whose rows
    are all such literals of n elements; a global whose only write stores such a literal
    (`literal_of(name)`) stands for it. Else None."""
    def literal(n):
        return literal_of(n.name) if isinstance(n, P.Ident) else n

    def constants(lit):
        return isinstance(lit, P.ArrayLit) and lit.elements and all(e is not None and _constant(e)
                                                                    for e in lit.elements)
    if constants(literal(node)):
        return len(literal(node).elements)
    table = literal(node.obj) if isinstance(node, P.Index) and not node.optional else None
    if isinstance(table, P.ArrayLit) and table.elements and all(constants(r) for r in table.elements):
        lengths = {len(r.elements) for r in table.elements}
        return lengths.pop() if len(lengths) == 1 else None
    return None


class Purity:
    """Which functions may run in any order: see the module docstring."""

    def __init__(self, everywhere):
        self.written: dict = {}
        self.holders: dict = {}
        self.stored: dict = {}      # name -> the value of its `name = value` writes
        for n in everywhere:
            if isinstance(n, (P.Assign, P.Update)):
                first = next((x for x in P.walk(n.target) if isinstance(x, P.Ident)), None)
                if first is not None:
                    self.written[first.name] = self.written.get(first.name, 0) + 1
                if isinstance(n, P.Assign) and isinstance(n.value, P.Func) and isinstance(n.target, P.Ident):
                    self.holders.setdefault(n.target.name, []).append(n.value)
                if isinstance(n, P.Assign) and n.op == "=" and isinstance(n.target, P.Ident):
                    self.stored.setdefault(n.target.name, []).append(n.value)
            elif isinstance(n, (P.VarDecl, P.Param)):
                for x in P.walk(n):
                    if isinstance(x, P.Ident):
                        self.written[x.name] = 99
        self.cache: dict = {}

    def literal_of(self, name: str):
        """The value node of the only write of the global `name`, if it is an array literal
        (a read before it throws, as the literal's would not be reached)."""
        values = self.stored.get(name, [])
        if self.written.get(name) == 1 and len(values) == 1 and isinstance(values[0], P.ArrayLit):
            return values[0]
        return None

    def pure(self, func, visiting=frozenset()) -> bool:
        if id(func) in self.cache:
            return self.cache[id(func)]
        if id(func) in visiting:
            return False
        visiting = visiting | {id(func)}
        ok = func.arrow and func.expression_body and not func.is_async and not func.generator and \
            all(p.default is None and not p.rest and isinstance(p.target, P.Ident) for p in func.params)
        for n in (P.walk(func.body) if ok else ()):
            if isinstance(n, (P.Assign, P.Update, P.Func, P.New, P.This, P.ClassExpr)):
                ok = False
            elif isinstance(n, P.Call):
                ok = not n.optional and self.pure_callee(n.callee, visiting)
            if not ok:
                break
        self.cache[id(func)] = ok
        return ok

    def pure_callee(self, callee, visiting) -> bool:
        if isinstance(callee, P.Member):
            return isinstance(callee.obj, P.Ident) and callee.obj.name == "Math" and callee.prop in PURE_MATH
        if not isinstance(callee, P.Ident):
            return False
        if callee.name in PURE_MATH:
            return self.written.get(callee.name, 0) == 0
        funcs = self.holders.get(callee.name, [])
        return len(funcs) == 1 and self.written.get(callee.name) == 1 and self.pure(funcs[0], visiting)


MAX_UNROLLED = 64      # elements of a receiver made by Array(N) / Array.from


def _closed(func, purity) -> bool:
    """Is `func` pure and made only of its own parameters, literals and operators? Then it
    neither sees nor makes effects, so its calls may interleave with those of any f."""
    names = {p.target.name for p in func.params if isinstance(p.target, P.Ident)}
    return purity.pure(func) and all(
        not isinstance(n, P.Call) and (not isinstance(n, P.Ident) or n.name in names)
        for n in P.walk(func.body))


def _map_parts(node):
    """(receiver, f) of `X.map(f)` or `Array.from({length: N}, f)` (receiver: the node
    itself), with f a function literal, else None."""
    if isinstance(node, P.Call) and not node.optional and isinstance(node.callee, P.Member) and \
            not node.callee.optional and len(node.args) in (1, 2) and isinstance(node.args[-1], P.Func):
        if node.callee.prop == "map" and len(node.args) == 1:
            return node.callee.obj, node.args[0]
        if node.callee.prop == "from" and isinstance(node.callee.obj, P.Ident) and \
                node.callee.obj.name == "Array" and len(node.args) == 2:
            return node, node.args[1]
    return None


def _fold_parts(node):
    """(receiver, f or None, g or None, initial value or None) of `X.map(f).reduce(g[, v])`,
    `X.reduce(g[, v])` or `X.map(f)`, else None."""
    if not (isinstance(node, P.Call) and not node.optional and isinstance(node.callee, P.Member) and
            node.callee.prop == "reduce" and not node.callee.optional and 1 <= len(node.args) <= 2 and
            isinstance(node.args[0], P.Func) and not any(isinstance(a, P.Spread) for a in node.args)):
        mapped = _map_parts(node)
        return None if mapped is None else (*mapped, None, None)
    obj, f = node.callee.obj, None
    mapped = _map_parts(obj)
    if mapped is not None:
        obj, f = mapped
    return obj, f, node.args[0], (node.args[1] if len(node.args) > 1 else None)


def _made_length(node) -> int | None:
    """N of `Array(N)` / `new Array(N)` with N a small integer literal, else None."""
    if isinstance(node, (P.Call, P.New)) and isinstance(node.callee, P.Ident) and node.callee.name == "Array" \
            and len(node.args) == 1 and isinstance(node.args[0], P.Num) and not getattr(node, "optional", False):
        n = node.args[0].value
        if n == int(n) and 1 <= n <= MAX_UNROLLED:
            return int(n)
    return None


def made_elements(node, pos):
    """The elements (new nodes) of an array made without side effects from constants:
    `Array(N).fill(c)` (c a constant or absent: undefined), `[...Array(N).keys()]`,
    `Array.from({length: N}, f)` (undefined, f maps them); else None."""
    if isinstance(node, P.Call) and isinstance(node.callee, P.Member) and not node.optional and \
            not node.callee.optional and node.callee.prop == "fill" and len(node.args) <= 1:
        n = _made_length(node.callee.obj)
        if n is not None and (not node.args or _constant(node.args[0])):
            return [copy_tree(node.args[0]) if node.args else P.Ident(pos, "undefined") for _ in range(n)]
    if isinstance(node, P.ArrayLit) and len(node.elements) == 1 and isinstance(node.elements[0], P.Spread):
        keys = node.elements[0].arg
        if isinstance(keys, P.Call) and not keys.optional and not keys.args and isinstance(keys.callee, P.Member) \
                and keys.callee.prop == "keys" and not keys.callee.optional:
            n = _made_length(keys.callee.obj)
            if n is not None:
                return [P.Num(pos, float(k)) for k in range(n)]
    if isinstance(node, P.Call) and isinstance(node.callee, P.Member) and node.callee.prop == "from" and \
            len(node.args) == 2 and isinstance(node.args[0], P.ObjectLit) and len(node.args[0].props) == 1:
        key, value = node.args[0].props[0]
        if key == "length" and isinstance(value, P.Num) and value.value == int(value.value) and \
                1 <= value.value <= MAX_UNROLLED:
            return [P.Ident(pos, "undefined") for _ in range(int(value.value))]
    return None


def discarded_nodes(everywhere) -> set:
    """ids of expressions whose value is not used: comma items but the last, statements,
    and within a discarded one: its last comma item, the branches of `?:`, the right side
    of `&&`, `||`, `??`."""
    out = set()
    for n in everywhere:               # pre-order: a node is seen before its children
        if isinstance(n, P.Sequence):
            out.update(id(e) for e in n.exprs[:-1])
            if id(n) in out:
                out.add(id(n.exprs[-1]))
        elif isinstance(n, P.ExprStmt):
            out.add(id(n.expr))
        elif isinstance(n, P.For):
            out.update(id(e) for e in (n.init, n.update) if e is not None)
        elif isinstance(n, P.Logical) and id(n) in out:
            out.add(id(n.right))       # the left side's truth is used: it picks the branch
        elif isinstance(n, P.Conditional) and id(n) in out:
            out.update((id(n.cons), id(n.alt)))
    return out


def unroll_folds(tree):
    """The tree with each fold or map (see the module docstring) unrolled."""
    everywhere = list(P.walk(tree))
    taken = {n.name for n in everywhere if isinstance(n, P.Ident)}
    purity = Purity(everywhere)
    discarded = discarded_nodes(everywhere)
    new = {}

    def fresh_name():
        k = len(taken)
        while f"fold${k}" in taken:
            k += 1
        taken.add(f"fold${k}")
        return f"fold${k}"

    for node in everywhere:
        parts = _fold_parts(node)
        if parts is None or purity.written.get("Array", 0) or purity.written.get("undefined", 0):
            continue
        receiver, f, g, initial = parts
        if (g is not None and len(g.params) > 3) or (f is not None and len(f.params) > 2):
            continue
        if f is not None and g is not None and not (purity.pure(f) and purity.pure(g) or f.arrow and _closed(g, purity)):
            continue          # unrolled, the calls of f and g interleave
        if initial is not None and not (_constant(initial) or isinstance(initial, P.Str)):
            continue
        pos = node.pos
        made = made_elements(receiver, pos)
        if made is not None:
            params, elements, args = [], made, ()
        elif isinstance(receiver, P.ArrayLit) and receiver.elements and \
                all(e is not None and not isinstance(e, P.Spread) for e in receiver.elements):
            # every element is evaluated before the first call, as JS builds the array first
            params = [fresh_name() for _ in receiver.elements]
            elements = [P.Ident(pos, name) for name in params]
            args = receiver.elements
        else:
            n = receiver_length(receiver, purity.literal_of)
            if n is None:
                continue
            params = [fresh_name()]
            elements = [P.Index(pos, P.Ident(pos, params[0]), P.Num(pos, float(k)), False) for k in range(n)]
            args = (receiver,)
        values = [e if f is None else P.Call(pos, copy_tree(f), (e, P.Num(pos, float(k))), False)
                  for k, e in enumerate(elements)]
        if g is None:
            body = P.Sequence(pos, tuple(values)) if id(node) in discarded else P.ArrayLit(pos, tuple(values))
        else:
            body, start = (values[0], 1) if initial is None else (initial, 0)
            for k in range(start, len(values)):
                body = P.Call(pos, copy_tree(g), (body, values[k], P.Num(pos, float(k))), False)
        if not params:            # nothing to evaluate first: the values stand in place
            new[id(node)] = body
            continue
        wrapper = P.Func(pos, None, tuple(P.Param(pos, P.Ident(pos, name), None, False) for name in params),
                         body, True, True)
        new[id(node)] = P.Call(pos, wrapper, tuple(args), False)
    return replace_nodes(tree, new) if new else tree
