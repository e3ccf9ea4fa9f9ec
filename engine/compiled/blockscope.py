"""`let`/`const` declared inside a block of a helper function.

The analysis gives each helper function one set of locals, as `var` has: a name declared
anywhere in the body is one variable for the whole body. For `let` and `const` inside a
nested block (or a `for (let ...)` head) that is exact only when every use of the name in
the function is inside a block that declares it; a use outside reads another variable in
JavaScript (a parameter, an outer or global one), and a nested function reading it may see
a per-iteration copy. `misused_block_name` finds the first such use.
"""
from __future__ import annotations

from engine.compiled import parser as P


def misused_block_name(func: P.Func):
    """(name, node): the first declaration or use that makes one-variable-per-name inexact
    for a block-scoped name of func, or None."""
    if func.expression_body:
        return None
    inner = _inner_declarations(func.body)
    if not inner:
        return None
    params = {p.target.name for p in func.params if isinstance(p.target, P.Ident)}
    function_level = params | {t.name for st in func.body if isinstance(st, P.VarDecl)
                               for t, _ in st.decls if isinstance(t, P.Ident)}
    function_level |= {n.name for st in _own_nodes(func.body) if isinstance(st, P.VarDecl) and st.kind == "var"
                       for n in (t for t, _ in st.decls) if isinstance(n, P.Ident)}
    for name, node in inner.items():
        if name in function_level:
            return name, node
    use = _use_outside(list(func.body), frozenset(), frozenset(inner))
    if use is None:
        return None
    node, name = use
    return name, node


def _inner_declarations(body) -> dict:
    """name -> declaring node, for let/const below the function's top level."""
    out = {}
    for st in body:
        for node in _own_nodes([st]):
            if node is st:
                continue
            if isinstance(node, P.VarDecl) and node.kind != "var":
                for target, _ in node.decls:
                    if isinstance(target, P.Ident):
                        out.setdefault(target.name, target)
    return out


def _use_outside(nodes: list, declared: frozenset, names: frozenset):
    """A use of one of `names` in `nodes` where no enclosing block declares it."""
    for node in nodes:
        found = _use_in(node, declared, names)
        if found is not None:
            return found
    return None


def _use_in(node, declared: frozenset, names: frozenset):
    if isinstance(node, P.Func):            # a closure over a block-scoped name
        used = ({n.name for n in P.walk(node) if isinstance(n, P.Ident)} & names) - _locals(node)
        return (node, min(used)) if used else None
    if isinstance(node, P.Ident):
        return (node, node.name) if node.name in names and node.name not in declared else None
    if isinstance(node, P.Block):
        return _use_outside(list(node.body), declared | _lexical(node.body), names)
    if isinstance(node, P.For) and isinstance(node.init, P.VarDecl) and node.init.kind != "var":
        scope = declared | _lexical([node.init])
        return _use_outside([c for c in P.children(node)], scope, names)
    return _use_outside(P.children(node), declared, names)


def _locals(func: P.Func) -> set:
    """The names a function declares itself (its own check covers how it uses them)."""
    names = {p.target.name for p in func.params if isinstance(p.target, P.Ident)}
    if not func.expression_body:
        names |= {t.name for n in _own_nodes(func.body) if isinstance(n, P.VarDecl)
                  for t, _ in n.decls if isinstance(t, P.Ident)}
    return names


def _lexical(statements) -> frozenset:
    return frozenset(t.name for st in statements if isinstance(st, P.VarDecl) and st.kind != "var"
                     for t, _ in st.decls if isinstance(t, P.Ident))


def _own_nodes(body):
    """Every node of the statements outside nested function literals."""
    stack = list(body)
    while stack:
        n = stack.pop()
        yield n
        stack.extend(c for c in P.children(n) if not isinstance(c, P.Func))
