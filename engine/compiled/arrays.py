"""Static facts about the song's mutable arrays (delay lines, tables of computed values).

The compiled tier keeps an array in the kernel's state only where that is exact without a
JS object model:

* an *array site* is `Array(N).fill(v[, start[, end]])`, `new Array(N).fill(...)`,
  `Array(N)` or an array literal with a computed element, where N is known statically;
* the site's value is stored by `=` straight into one global (its *holder*), the only name
  that ever refers to it; the holder is used only as `A[i]`, `A[i] = v` (and compound
  assignments) and `A.length`. So re-running the site may reuse the site's storage: no
  other reference to the old array can exist;
* writes must provably land on an element (an integer index within the static length),
  because JS would otherwise grow the array or add a named property. Reads may go
  anywhere: outside the elements JS gives undefined, as the kernel does.

This module finds the sites and proves index ranges; analysis.py applies the rules.
"""
from __future__ import annotations

import math

from engine.compiled import parser as P

MAX_ARRAY_LENGTH = 1 << 24     # elements per array kept in the kernel's state (16 Mi doubles)
MAX_GROWN_LENGTH = 1 << 16     # room kept for an array `[]` that writes grow
MAX_SAFE_INTEGER = 2.0 ** 53 - 1
T_LIMIT = 2.0 ** 31    # the kernel refuses to run at t >= 2**31 (engine.compiled.codegen.T_MAX)


def array_constructor_length(node):
    """The length argument node of `Array(x)` / `new Array(x)`, else None."""
    if isinstance(node, (P.Call, P.New)) and isinstance(node.callee, P.Ident) and \
            node.callee.name == "Array" and len(node.args) == 1 and \
            not isinstance(node.args[0], P.Spread) and not getattr(node, "optional", False):
        return node.args[0]
    return None


def fill_call_parts(node):
    """(constructor node, fill args) of `Array(x).fill(...)`, else None."""
    if isinstance(node, P.Call) and not node.optional and isinstance(node.callee, P.Member) and \
            node.callee.prop == "fill" and not node.callee.optional and \
            array_constructor_length(node.callee.obj) is not None and \
            not any(isinstance(a, P.Spread) for a in node.args):
        return node.callee.obj, node.args
    return None


def is_computed_literal(node, const_number) -> bool:
    """An array literal with at least one element that is not a constant."""
    if not isinstance(node, P.ArrayLit) or any(isinstance(e, P.Spread) for e in node.elements):
        return False
    return any(e is not None and const_number(e) is None and not isinstance(e, (P.Str, P.ArrayLit))
               for e in node.elements)


def is_table_literal(node, const_number) -> bool:
    """`[[a, b], [c, d]]` with a computed element in some row (rows of numbers only): held
    by a global that is only read as `N[i][j]`, it is kept as its elements row after row."""
    if not isinstance(node, P.ArrayLit) or not node.elements or \
            not all(isinstance(r, P.ArrayLit) for r in node.elements):
        return False
    if any(isinstance(e, (P.Spread, P.Str, P.ArrayLit)) for r in node.elements for e in r.elements):
        return False
    return any(is_computed_literal(r, const_number) for r in node.elements)


def is_site(node, const_number) -> bool:
    return fill_call_parts(node) is not None or array_constructor_length(node) is not None or \
        is_computed_literal(node, const_number) or is_table_literal(node, const_number)


def holder_assignments(tree_nodes, const_number) -> dict:
    """{global name: [Assign nodes `name = <site>`]} over every node of the song."""
    out: dict = {}
    for n in tree_nodes:
        if isinstance(n, P.Assign) and n.op == "=" and isinstance(n.target, P.Ident) and \
                is_site(n.value, const_number):
            out.setdefault(n.target.name, []).append(n)
    return out


def constant_assignments(tree_nodes, const_number) -> dict:
    """{name: value} for names whose every assignment anywhere is `name = <the same constant>`
    (so a successful read of such a global gives that value)."""
    constants = {}
    for name, values in plain_assignments(tree_nodes).items():
        found = [const_number(v) for v in values]
        if all(c is not None for c in found) and len({_key(c) for c in found}) == 1:
            constants[name] = found[0]
    return constants


def _target_name(t):
    """The variable an assignment target may change (`x`, `this.x`), else None."""
    return t.name if isinstance(t, P.Ident) else (t.prop if isinstance(t, P.Member) else None)


def _key(x: float):
    return (math.copysign(1.0, x), x)


def valid_length(x: float | None) -> int | None:
    """`Array(x)` with a number x: a length when x is a uint32 (else JS throws a RangeError)."""
    if x is None or not (0 <= x < 2 ** 32) or x != math.floor(x):
        return None
    return int(x)


def fill_bounds(length: int, args: tuple, const_number):
    """(start, end) that `.fill(v, start, end)` covers, when start/end are constants or
    absent (ToIntegerOrInfinity, negative counts from the end); None otherwise."""
    def rel(node, default):
        if node is None:
            return default
        if isinstance(node, P.Ident) and node.name == "undefined":
            return default
        x = const_number(node)
        if x is None:
            return None
        x = 0.0 if math.isnan(x) else (math.trunc(x) if math.isfinite(x) else x)
        if x < 0:
            return int(max(length + x, 0))
        return int(min(x, length))
    start = rel(args[1] if len(args) > 1 else None, 0)
    end = rel(args[2] if len(args) > 2 else None, length)
    if start is None or end is None:
        return None
    return start, max(start, end)


def plain_assignments(tree_nodes) -> dict:
    """{name: [value nodes]} for names assigned only by plain `name = value` (no compound
    assignment, ++/--, declaration, parameter or property write of that name anywhere)."""
    values: dict = {}
    spoiled: set = set()
    for n in tree_nodes:
        if isinstance(n, P.Update):
            spoiled.add(_target_name(n.target))
        elif isinstance(n, P.Assign):
            t = n.target
            if isinstance(t, P.Ident) and n.op == "=":
                values.setdefault(t.name, []).append(n.value)
            elif isinstance(t, (P.Ident, P.Member)):
                spoiled.add(t.name if isinstance(t, P.Ident) else t.prop)
        elif isinstance(n, P.VarDecl):
            spoiled.update(t.name for t, _ in n.decls if isinstance(t, P.Ident))
        elif isinstance(n, P.Param) and isinstance(n.target, P.Ident):
            spoiled.add(n.target.name)
    return {k: v for k, v in values.items() if k not in spoiled}


def counter_candidates(tree_nodes) -> dict:
    """{name: largest constant} for globals changed only by `name = <integer >= 0>` and
    `name++` / `++name` (a call counter such as `i = fi++` in filter helpers)."""
    consts: dict = {}
    spoiled: set = set()
    increments: set = set()
    for n in tree_nodes:
        if isinstance(n, P.Update):
            if n.op == "++" and isinstance(n.target, P.Ident):
                increments.add(n.target.name)
            else:
                spoiled.add(_target_name(n.target))
        elif isinstance(n, P.Assign):
            t = n.target
            name = t.name if isinstance(t, P.Ident) else (t.prop if isinstance(t, P.Member) else None)
            if name is None:
                continue
            v = n.value.value if isinstance(n.value, P.Num) else None
            if n.op == "=" and isinstance(t, P.Ident) and v is not None and v >= 0 and v == math.floor(v) \
                    and v < 2 ** 31:
                consts[name] = max(consts.get(name, 0.0), v)
            else:
                spoiled.add(name)
        elif isinstance(n, P.VarDecl):
            spoiled.update(t.name for t, _ in n.decls if isinstance(t, P.Ident))
        elif isinstance(n, P.Param) and isinstance(n.target, P.Ident):
            spoiled.add(n.target.name)
    return {k: v for k, v in consts.items() if k in increments and k not in spoiled}


def pristine_t_reads(tree) -> set:
    """ids of reads of the song's t, outside functions, in the top-level comma items before
    the first one that assigns t (`dc=t, ..., t+=x`): there t is still the sample index."""
    items = tree.exprs if isinstance(tree, P.Sequence) else (tree,)
    out = set()
    for item in items:
        stack, reads, writes = [item], [], False
        while stack:
            n = stack.pop()
            if isinstance(n, P.Func):
                continue
            if isinstance(n, (P.Assign, P.Update)) and isinstance(n.target, P.Ident) and n.target.name == "t":
                writes = True
            elif isinstance(n, P.Ident) and n.name == "t":
                reads.append(n)
            stack.extend(P.children(n))
        if writes:
            break
        out.update(id(n) for n in reads)
    return out


def t_power_of_two_divisor(tree_nodes, static_number) -> float | None:
    """c when the song's only write of t is one `t /= c` with c a power of two (`t/=4`):
    t is then the sample index or that divided by c, exactly (no rounding), so `t*c` is a
    whole number from 0 to c * 2**32. Else None."""
    writes = [n for n in tree_nodes if isinstance(n, (P.Assign, P.Update)) and isinstance(n.target, P.Ident)
              and n.target.name == "t"]
    if len(writes) != 1 or not isinstance(writes[0], P.Assign) or writes[0].op != "/=":
        return None
    c = static_number(writes[0].value)
    if c is None or not (1 <= c <= 2 ** 20) or math.frexp(c)[0] != 0.5:
        return None
    return c


def monotone_counters(tree_nodes) -> set:
    """Globals only ever set to a non-negative integer literal (`x = 0`, `this.x ??= 0`)
    or incremented (`x++`, `++x`): whatever a read that succeeds gives is an integer from 0
    to 2**53 (++ stops there: 2**53 + 1 rounds back to 2**53)."""
    ok: set = set()
    spoiled: set = set()
    for n in tree_nodes:
        if isinstance(n, P.Update):
            (ok if n.op == "++" and isinstance(n.target, P.Ident) else spoiled).add(_target_name(n.target))
        elif isinstance(n, P.Assign):
            name = _target_name(n.target)
            v = n.value.value if isinstance(n.value, P.Num) else -1.0
            if name is not None:
                sure = n.op in ("=", "??=") and 0 <= v <= 2 ** 53 and v == math.floor(v)
                (ok if sure else spoiled).add(name)
        elif isinstance(n, P.VarDecl):
            spoiled.update(x.name for t, _ in n.decls for x in P.walk(t) if isinstance(x, P.Ident))
        elif isinstance(n, P.Param):
            spoiled.update(x.name for x in P.walk(n.target) if isinstance(x, P.Ident))
        elif isinstance(n, P.ForInOf):
            spoiled.update(x.name for x in P.walk(n.left) if isinstance(x, P.Ident))
    return ok - spoiled


def reset_every_sample(tree, name: str, harmless_call) -> bool:
    """Does every call of the song set `name = <constant>` in a top-level comma item before
    anything that could increment it (no ++ of it, no call other than harmless ones)?"""
    items = tree.exprs if isinstance(tree, P.Sequence) else (tree,)
    for item in items:
        if isinstance(item, P.Assign) and item.op == "=" and isinstance(item.target, P.Ident) and \
                item.target.name == name and isinstance(item.value, P.Num):
            return True
        stack = [item]
        while stack:
            n = stack.pop()
            if isinstance(n, P.Func):
                continue
            if isinstance(n, P.Update) and isinstance(n.target, P.Ident) and n.target.name == name:
                return False
            if isinstance(n, (P.Call, P.New)) and not harmless_call(n):
                return False
            stack.extend(P.children(n))
    return False


class Ranges:
    """Interval + integrality of index expressions, from what is known statically:
    the song's t (an integer >= 0 in Bytebeat/Floatbeat while the song never assigns it),
    constants, globals assigned only one constant, call counters (`counters`: name ->
    largest value) and globals assigned only plain values (`assigned`: name -> values,
    read wherever they were assigned: their names go through `remote_where`), monotone
    counters (`monotone`: names, see monotone_counters), the static lengths of holders'
    arrays (`lengths`: name -> length, for `A.length`) and the reads of t that come before
    the song assigns it (`pristine_t`: node ids)."""

    def __init__(self, t_is_index: bool, constants: dict, where, counters=None, assigned=None,
                 remote_where=None, monotone=frozenset(), lengths=None, pristine_t=frozenset(),
                 t_divisor=None, static_number=None):
        self.t_is_index = t_is_index
        self.t_divisor = t_divisor          # t_power_of_two_divisor
        self.static_number = static_number
        self.pristine_t = pristine_t     # reads of t before the song assigns it (pristine_t_reads)
        self.monotone = monotone
        self.lengths = lengths or {}
        self.constants = constants
        self.where = where     # name -> "song" | "capture" | "fn" | "global" at the read site
        self.counters = counters or {}
        self.assigned = assigned or {}
        self.remote_where = remote_where
        self.visiting: set = set()

    def bounds(self, node):
        """(lo, hi) with every value of `node` an integer in [lo, hi], or None."""
        if isinstance(node, P.Num):
            v = node.value
            return (v, v) if v == math.floor(v) and abs(v) <= MAX_SAFE_INTEGER else None
        if isinstance(node, P.Ident):
            kind = self.where(node.name)
            if node.name == "t" and kind in ("song", "capture") and (self.t_is_index or id(node) in self.pristine_t):
                return (0.0, T_LIMIT)
            if kind == "global" and node.name in self.constants:
                return self.bounds(P.Num(node.pos, self.constants[node.name]))
            if kind == "global" and node.name in self.counters:
                return (0.0, self.counters[node.name])
            if kind == "global" and node.name in self.monotone:
                return (0.0, 2.0 ** 53)
            if kind == "global" and node.name in self.assigned and self.remote_where is not None and \
                    node.name not in self.visiting:
                self.visiting.add(node.name)
                local, self.where = self.where, self.remote_where
                try:
                    rs = [self.bounds(v) for v in self.assigned[node.name]]
                finally:
                    self.where = local
                    self.visiting.discard(node.name)
                if rs and all(r is not None for r in rs):
                    return (min(r[0] for r in rs), max(r[1] for r in rs))
            return None
        if isinstance(node, P.Update) and node.op == "++" and isinstance(node.target, P.Ident) and \
                self.where(node.target.name) == "global" and node.target.name in self.counters:
            top = self.counters[node.target.name]
            return (0.0, top - 1) if not node.prefix else (1.0, top)
        if isinstance(node, P.Update) and node.op == "++" and isinstance(node.target, P.Ident) and \
                self.where(node.target.name) == "global" and node.target.name in self.monotone:
            return (1.0 if node.prefix else 0.0, 2.0 ** 53)
        if isinstance(node, P.Member) and node.prop == "length" and not node.optional and \
                isinstance(node.obj, P.Ident) and node.obj.name in self.lengths and \
                self.where(node.obj.name) == "global":
            n = float(self.lengths[node.obj.name])
            return (n, n)
        if isinstance(node, P.Assign) and node.op == "=" and isinstance(node.target, P.Ident):
            return self.bounds(node.value)
        if isinstance(node, P.Binary):
            if node.op == "*" and self.t_divisor is not None:
                r = self.scaled_t(node.left, node.right) or self.scaled_t(node.right, node.left)
                if r is not None:
                    return r
            a = self.bounds(node.left)
            b = self.bounds(node.right)
            if node.op == "&":     # the bits of a non-negative int32 operand bound the result
                his = [r[1] for r in (a, b) if r is not None and r[0] >= 0 and r[1] < 2 ** 31]
                return (0.0, min(his)) if his else None
            if a is None or b is None:
                return None
            if node.op == "%" and a[0] >= 0 and b[0] == b[1] and b[0] >= 1:
                return (0.0, min(a[1], b[0] - 1))
            if node.op in ("|", ">>") and b == (0.0, 0.0) and a[0] >= -2 ** 31 and a[1] < 2 ** 31:
                return a
            if node.op == "*":
                products = [x * y for x in a for y in b]
                if all(abs(p) <= MAX_SAFE_INTEGER for p in products):
                    return (min(products), max(products))
            if node.op == "+" and a[1] + b[1] <= MAX_SAFE_INTEGER and a[0] + b[0] >= -MAX_SAFE_INTEGER:
                return (a[0] + b[0], a[1] + b[1])
            if node.op == "-" and a[1] - b[0] <= MAX_SAFE_INTEGER and a[0] - b[1] >= -MAX_SAFE_INTEGER:
                return (a[0] - b[1], a[1] - b[0])
        return None

    def scaled_t(self, t, c):
        """Bounds of `t * c` where the song only divides t by the power of two c."""
        if isinstance(t, P.Ident) and t.name == "t" and self.where("t") in ("song", "capture") and \
                self.static_number(c) == self.t_divisor:
            return (0.0, self.t_divisor * T_LIMIT)
        return None

    def within(self, node, length: int) -> bool:
        """Is every value of `node` the index of an element of an array of `length`?"""
        r = self.bounds(node)
        return r is not None and r[0] >= 0 and r[1] <= length - 1


def is_scalar_row(node) -> bool:
    """A row of a table that is not an array literal: a number read with [j] gives
    undefined. Analysis takes the table as such only when these rows are numbers
    (SongInfo.number_row_tables); otherwise it is an array of values like any other."""
    return node is not None and not isinstance(node, (P.ArrayLit, P.Spread, P.Str, P.Template, P.Func,
                                                      P.ObjectLit))


def is_nested_table(node, const_number) -> bool:
    """`[[...], [...], ...][i]` with a computed element in some row, or a row that is a
    number (`[[1,2],[3,4],v][i]`): indexed once more right away (`[[a, b], [c, d]][i][j]`),
    it needs no object model, only the rows' values."""
    if not isinstance(node, P.Index) or node.optional or not isinstance(node.obj, P.ArrayLit):
        return False
    rows = node.obj.elements
    if not rows or not all(isinstance(r, P.ArrayLit) or is_scalar_row(r) for r in rows) or \
            not any(isinstance(r, P.ArrayLit) for r in rows):
        return False
    if any(isinstance(e, (P.Spread, P.Str, P.ArrayLit)) for r in rows if isinstance(r, P.ArrayLit)
           for e in r.elements):
        return False
    return any(is_scalar_row(r) or is_computed_literal(r, const_number) for r in rows)


def scalar_rows(node) -> list:
    """The rows of a nested table (is_nested_table) that are not array literals."""
    return [r for r in node.obj.elements if is_scalar_row(r)]


# -- queues: `A.shift()` / `A.push(v)` on a holder (a delay line that rotates)
#
# The kernel keeps such an array as a ring buffer of the site's length L with a head and a
# length. That is exact while the length never exceeds L: every `A.push(v)` must be an item
# of a comma sequence after an item that surely runs `A.shift()`, with nothing that could
# push in between (no calls other than Math functions after that shift).

def queue_call(node, name: str | None = None):
    """"shift" / "push" for `A.shift()` / `A.push(...)` on the Ident A (or the given name)."""
    if isinstance(node, P.Call) and not node.optional and isinstance(node.callee, P.Member) and \
            not node.callee.optional and node.callee.prop in ("shift", "push") and \
            isinstance(node.callee.obj, P.Ident) and (name is None or node.callee.obj.name == name):
        return node.callee.prop
    return None


def _surely_runs(node, target) -> bool:
    """Does evaluating `node` always evaluate `target` (unless something throws)?"""
    if node is target:
        return True
    if isinstance(node, P.Func):
        return False
    if isinstance(node, P.Conditional):
        return _surely_runs(node.test, target)
    if isinstance(node, P.Logical):
        return _surely_runs(node.left, target)
    if isinstance(node, P.Assign) and node.op in ("&&=", "||=", "??="):
        return _surely_runs(node.target, target)
    return any(_surely_runs(c, target) for c in P.children(node))


def _calls_after(node, after_pos: int, is_math_call, skip=None) -> bool:
    """A call other than a Math function's that runs after `skip` (at or after `after_pos`,
    or around `skip`: a call's body runs after its arguments) inside `node`."""
    for n in P.walk(node):
        if n is skip or not isinstance(n, (P.Call, P.New)) or is_math_call(n):
            continue
        if n.pos >= after_pos or (skip is not None and any(x is skip for x in P.walk(n))):
            return True
    return False


def unpaired_push(tree_nodes, name: str, is_math_call):
    """The first `name.push(...)` not paired with an earlier sure `name.shift()` (an item
    before it in a comma sequence, or inside its own argument: `A.push(A.shift()/2)`), or
    None. `is_math_call(call)`: the call cannot shift or push (a Math function, or a
    helper whose code never names the array)."""
    paired = set()
    for n in tree_nodes:          # the shift inside the pushed value runs before the push
        if queue_call(n, name) == "push" and len(n.args) == 1:
            shifts = [x for x in P.walk(n.args[0]) if queue_call(x, name) == "shift"]
            if len(shifts) == 1 and _surely_runs(n.args[0], shifts[0]) and \
                    not _calls_after(n.args[0], shifts[0].pos, is_math_call, skip=shifts[0]):
                paired.add(id(n))
    for seq in tree_nodes:
        if not isinstance(seq, P.Sequence):
            continue
        for k, item in enumerate(seq.exprs):
            if queue_call(item, name) != "push" or len(item.args) != 1:
                continue
            if _calls_after(item.args[0], 0, is_math_call):
                continue
            for j in range(k - 1, -1, -1):
                shifts = [n for n in P.walk(seq.exprs[j]) if queue_call(n, name) == "shift"]
                if len(shifts) == 1 and _surely_runs(seq.exprs[j], shifts[0]) and \
                        not _calls_after(seq.exprs[j], shifts[0].pos, is_math_call, skip=shifts[0]) and \
                        not any(_calls_after(seq.exprs[m], 0, is_math_call) for m in range(j + 1, k)):
                    paired.add(id(item))
                    break
                if any(queue_call(n, name) for n in P.walk(seq.exprs[j])):
                    break
    for n in tree_nodes:
        if queue_call(n, name) == "push" and id(n) not in paired:
            return n
    return None


# -- one-element arrays read as numbers: `t*[x]`, `[a,b,[x]][i]/12`
#
# ToNumber of an array is ToNumber of its string: for `[x]` with x a number that is
# String(x) read back, i.e. x itself (-0 gives 0; undefined gives "" and so 0). Where the
# array goes straight into an arithmetic operator nothing else can see it, so the compiled
# tier keeps the number only.

TO_NUMBER_BINARY = frozenset(("-", "*", "/", "%", "**", "|", "&", "^", "<<", ">>", ">>>"))
TO_NUMBER_UNARY = frozenset(("-", "+", "~"))


def _is_singleton(node, const_number) -> bool:
    return isinstance(node, P.ArrayLit) and len(node.elements) == 1 and node.elements[0] is not None and \
        not isinstance(node.elements[0], P.Spread) and const_number(node.elements[0]) is None and \
        not isinstance(node.elements[0], (P.Str, P.ArrayLit))


def numeric_singletons(tree_nodes, const_number, results=()) -> set:
    """ids of one-element array literals of a computed value that an arithmetic operator
    converts right away: an operand itself, or an element of a literal indexed as an
    operand; or an element of the song's stereo result (`results`: the nodes whose value
    is the song's value; the player converts each channel with ToNumber)."""
    out = set()
    for r in results:
        if isinstance(r, P.ArrayLit):
            out.update(id(e) for e in r.elements[:2] if _is_singleton(e, const_number))
    for n in tree_nodes:
        if isinstance(n, P.Binary) and n.op in TO_NUMBER_BINARY:
            operands = (n.left, n.right)
        elif isinstance(n, P.Unary) and n.op in TO_NUMBER_UNARY:
            operands = (n.arg,)
        else:
            continue
        for o in operands:
            if _is_singleton(o, const_number):
                out.add(id(o))
            elif isinstance(o, P.Index) and not o.optional and isinstance(o.obj, P.ArrayLit):
                out.update(id(e) for e in o.obj.elements if _is_singleton(e, const_number))
    return out
