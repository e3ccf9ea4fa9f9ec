"""Text that a song builds only to throw it.

Songs show a status line by throwing a string (`info=()=>{var s="Time "+m+":"+n; throw s+"!"}`,
called every few thousand samples). The player only reports what was thrown: the sample is
NaN (SEMANTICS.md, "From return value to sample"), so the text itself never reaches the
audio. What does is every evaluation the text's construction runs before the throw: reads
(which may throw a ReferenceError), assignments, calls, random() draws, in source order.

`rewrite(tree)` replaces, inside each function with a statement body, every thrown value
by the sequence of those evaluations, so the compiled subset needs no strings for it:

    throw "a" + f(x) + (c ? "b" : g())   ->   throw (f(x), c ? g() : 0, 0)

Concatenation, template literals, `?:` branches, the last item of a comma and the right
side of `&&`/`||`/`??` pass the text through; any other expression is a value the text is
made from, kept whole. ToString of what the subset's values can be (numbers, strings,
arrays, functions) runs no song code and cannot throw, so dropping the conversions drops
nothing observable.

A `var` local of the function whose every read is such a pass-through position of a thrown
value or of another such local's value (a *message local*, written only by its declaration
or by `name = ...` / `name += ...` statements) is rewritten the same way: its writes keep
their evaluations and store 0, its reads vanish with the text around them.
"""
from __future__ import annotations

import dataclasses

from engine.compiled import parser as P

TEXT_OPS = ("=", "+=")


def rewrite(node):
    """The tree with thrown text reduced to the evaluations that build it."""
    return _map(node, frozenset())


def _map(node, message_locals: frozenset):
    if node is None or not isinstance(node, P.Node):
        return node
    if isinstance(node, P.Func) and not node.expression_body:
        own = _message_locals(node)
        body = tuple(_map(st, own) for st in node.body)
        params = tuple(_map(p, frozenset()) for p in node.params)
        return dataclasses.replace(node, body=body, params=params)
    if isinstance(node, P.Func):
        return _rebuild(node, frozenset())
    if isinstance(node, P.Throw):
        return P.Throw(node.pos, _evaluations(node.arg, message_locals))
    if isinstance(node, P.VarDecl) and any(isinstance(t, P.Ident) and t.name in message_locals
                                           for t, _ in node.decls):
        decls = tuple((t, _evaluations(v, message_locals) if v is not None else None)
                      if isinstance(t, P.Ident) and t.name in message_locals
                      else (t, _map(v, message_locals)) for t, v in node.decls)
        return P.VarDecl(node.pos, node.kind, decls)
    if _text_write(node, message_locals):
        return P.ExprStmt(node.pos, _evaluations(node.expr.value, message_locals))
    return _rebuild(node, message_locals)


def _rebuild(node, message_locals: frozenset):
    return P.map_children(node, lambda child: _map(child, message_locals))


def _text_write(st, message_locals) -> bool:
    """`name = text;` or `name += text;` for a message local."""
    return (isinstance(st, P.ExprStmt) and isinstance(st.expr, P.Assign) and st.expr.op in TEXT_OPS
            and isinstance(st.expr.target, P.Ident) and st.expr.target.name in message_locals)


def _evaluations(text, message_locals) -> P.Node:
    """One expression running, in order, what building `text` runs; its value is 0."""
    items = _text_items(text, message_locals)
    return _sequence(items, text.pos)


def _sequence(items: list, pos: int) -> P.Node:
    if not items:
        return P.Num(pos, 0.0)
    return P.Sequence(pos, tuple(items) + (P.Num(pos, 0.0),))


def _text_items(node, message_locals) -> list:
    if isinstance(node, (P.Str, P.Num, P.Literal)):
        return []
    if isinstance(node, P.Ident) and node.name in message_locals:
        return []
    if isinstance(node, P.Binary) and node.op == "+":
        return _text_items(node.left, message_locals) + _text_items(node.right, message_locals)
    if isinstance(node, P.Template):
        return [item for e in node.exprs for item in _text_items(e, message_locals)]
    if isinstance(node, P.Sequence):
        return [_map(e, message_locals) for e in node.exprs[:-1]] + _text_items(node.exprs[-1], message_locals)
    if isinstance(node, P.Conditional):
        return [P.Conditional(node.pos, _map(node.test, message_locals),
                              _sequence(_text_items(node.cons, message_locals), node.cons.pos),
                              _sequence(_text_items(node.alt, message_locals), node.alt.pos))]
    if isinstance(node, P.Logical):
        right = _text_items(node.right, message_locals)
        return [P.Logical(node.pos, node.op, _map(node.left, message_locals),
                          _sequence(right, node.right.pos), node.op_pos)]
    return [_map(node, message_locals)]


# ---------------------------------------------------------------- which locals are text

def _message_locals(func: P.Func) -> frozenset:
    """The `var` locals of func read only as (parts of) thrown text, and read at least once."""
    statements = list(_own_nodes(func.body))
    params = {p.target.name for p in func.params if isinstance(p.target, P.Ident)}
    nested_names = {n.name for st in func.body for f in P.walk(st) if isinstance(f, P.Func)
                    for n in P.walk(f) if isinstance(n, P.Ident)}
    candidates = {t.name for st in statements if isinstance(st, P.VarDecl) and st.kind == "var"
                  for t, _ in st.decls if isinstance(t, P.Ident)}
    names = frozenset(candidates - params - nested_names - {"t"})
    while names:
        text_reads, texts = set(), []
        for st in statements:
            if isinstance(st, P.Throw):
                texts.append(st.arg)
            elif isinstance(st, P.VarDecl):
                texts.extend(v for t, v in st.decls if v is not None and isinstance(t, P.Ident) and t.name in names)
            elif _text_write(st, names):
                texts.append(st.expr.value)
        for text in texts:
            _collect_text_reads(text, names, text_reads)
        allowed = set(text_reads)
        for st in statements:
            if isinstance(st, P.VarDecl):
                allowed.update(id(t) for t, _ in st.decls)
            elif _text_write(st, names):
                allowed.add(id(st.expr.target))
        read_names = {n.name for st in statements for n in _own_nodes_of(st)
                      if isinstance(n, P.Ident) and id(n) in text_reads}
        bad = {n.name for st in statements for n in _own_nodes_of(st)
               if isinstance(n, P.Ident) and n.name in names and id(n) not in allowed}
        bad |= names - read_names
        if not bad:
            return names
        names = names - bad
    return names


def _collect_text_reads(node, names, out: set) -> None:
    """ids of the Ident nodes of `names` in pass-through positions of the text `node`."""
    if isinstance(node, P.Ident) and node.name in names:
        out.add(id(node))
    elif isinstance(node, P.Binary) and node.op == "+":
        _collect_text_reads(node.left, names, out)
        _collect_text_reads(node.right, names, out)
    elif isinstance(node, P.Template):
        for e in node.exprs:
            _collect_text_reads(e, names, out)
    elif isinstance(node, P.Sequence):
        _collect_text_reads(node.exprs[-1], names, out)
    elif isinstance(node, P.Conditional):
        _collect_text_reads(node.cons, names, out)
        _collect_text_reads(node.alt, names, out)
    elif isinstance(node, P.Logical):
        _collect_text_reads(node.right, names, out)


def _own_nodes(body):
    """The statements of a function body, nested blocks and loops included, not nested functions."""
    stack = list(reversed(body))
    while stack:
        st = stack.pop()
        yield st
        if isinstance(st, (P.Block,)):
            stack.extend(reversed(st.body))
        elif isinstance(st, P.If):
            stack.extend(s for s in (st.alt, st.cons) if s is not None)
        elif isinstance(st, (P.For, P.While, P.DoWhile, P.ForInOf)):
            stack.append(st.body)
            if isinstance(st, P.For) and isinstance(st.init, P.VarDecl):
                stack.append(st.init)


def _own_nodes_of(node):
    """Every node of `node` outside nested function literals."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(c for c in P.children(n) if not isinstance(c, P.Func))
