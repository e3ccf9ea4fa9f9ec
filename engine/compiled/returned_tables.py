"""A helper returning a table, indexed twice right away: `chArr=T=>[[a,b],[c,d]], ...,
chArr(T)[0][3&T/4]`.

The compiled tier reads `[[..],[..]][i][j]` without an object model, but not a table that
a call returns. `inline_returned_tables` writes such a read as a call of a copy of the
helper that does the indexing itself, with the indices as extra parameters:
    ((T, i$, j$) => [[a,b],[c,d]][i$][j$])(T, 0, 3&T/4)
JS evaluates the indices after the table; here they are evaluated first, which is the
same because everything involved must be pure (no assignment, no function created, calls
of Math functions other than random only). The helper must read nothing but its
parameters (a copy called on the spot reads variables when called, the helper held by a
global reads them as they were when it was created), be the only value its global is
ever given, by a top-level comma item before every such call (so the call cannot come
before the definition, which would throw in JS).
"""
from __future__ import annotations

from engine.compiled import parser as P
from engine.compiled.folds import PURE_MATH, copy_tree
from engine.compiled.named_methods import written_names
from engine.compiled.renames import replace_nodes


def _pure(node, locals_ok: frozenset, written) -> bool:
    """No effect, and reads only `locals_ok`, Math names, literals (None for locals_ok:
    any name may be read)."""
    for n in P.walk(node):
        if isinstance(n, (P.Assign, P.Update, P.Func, P.New, P.This, P.ClassExpr, P.Template)):
            return False
        if isinstance(n, P.Call):
            c = n.callee
            ok = isinstance(c, P.Ident) and c.name in PURE_MATH and not written.get(c.name) or \
                isinstance(c, P.Member) and isinstance(c.obj, P.Ident) and c.obj.name == "Math" and \
                c.prop in PURE_MATH
            if not ok or n.optional:
                return False
        if locals_ok is not None and isinstance(n, P.Ident) and n.name not in locals_ok and \
                not (n.name in PURE_MATH and not written.get(n.name)):
            return False
    return True


def _is_table(node) -> bool:
    return isinstance(node, P.ArrayLit) and node.elements and \
        all(isinstance(r, P.ArrayLit) for r in node.elements)


def inline_returned_tables(tree):
    """The tree with `F(args)[i][j]` rewritten as described in the module docstring."""
    if not isinstance(tree, P.Sequence):
        return tree
    written = written_names(P.walk(tree))
    taken = {n.name for n in P.walk(tree) if isinstance(n, P.Ident)}
    new: dict = {}
    for d, item in enumerate(tree.exprs):
        if not (isinstance(item, P.Assign) and item.op == "=" and isinstance(item.target, P.Ident) and
                isinstance(item.value, P.Func)):
            continue
        f, name = item.value, item.target.name
        params = [p.target.name for p in f.params if isinstance(p.target, P.Ident) and p.default is None
                  and not p.rest]
        if written.get(name) != 1 or not f.arrow or not f.expression_body or f.is_async or \
                len(params) != len(f.params) or not _is_table(f.body) or \
                not _pure(f.body, frozenset(params), written):
            continue
        later = {id(n) for item2 in tree.exprs[d + 1:] for n in P.walk(item2)}
        for n in P.walk(tree):
            inner = n.obj if isinstance(n, P.Index) else None
            call = inner.obj if isinstance(inner, P.Index) else None
            if not (isinstance(call, P.Call) and isinstance(call.callee, P.Ident) and call.callee.name == name
                    and not (n.optional or inner.optional or call.optional)):
                continue
            if id(n) not in later or any(isinstance(a, P.Spread) for a in call.args) or \
                    not all(_pure(x, None, written) for x in (*call.args, inner.index, n.index)):
                continue
            i_name, j_name = (_fresh(taken, "i$"), _fresh(taken, "j$"))
            pos = n.pos
            args = list(call.args[:len(params)]) + [P.Ident(pos, "undefined")] * (len(params) - len(call.args))
            body = P.Index(pos, P.Index(pos, copy_tree(f.body), P.Ident(pos, i_name), False),
                           P.Ident(pos, j_name), False)
            helper = P.Func(pos, None, tuple([*(copy_tree(p) for p in f.params),
                                              P.Param(pos, P.Ident(pos, i_name), None, False),
                                              P.Param(pos, P.Ident(pos, j_name), None, False)]),
                            body, True, True)
            new[id(n)] = P.Call(pos, helper, (*args, inner.index, n.index), False)
    return replace_nodes(tree, new) if new else tree


def _fresh(taken: set, stem: str) -> str:
    k = 0
    while f"{stem}{k}" in taken:
        k += 1
    taken.add(f"{stem}{k}")
    return f"{stem}{k}"
