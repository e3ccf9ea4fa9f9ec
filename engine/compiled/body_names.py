"""Funcbeat bodies that declare a name the song function's scope already has.

A Funcbeat body is a function body: its `var t`, `function sin(x, t){...}` or `let PI = 3.14`
are locals of the outer call, shadowing the player's parameters (`t`, Math names, `int`,
`window`) and built-in globals for the body and every function written in it. The compiled
tier gives those names their player meaning everywhere, so such a binding is renamed to a
name no JS identifier can spell (`sin of the Funcbeat body`) at every place that refers to
it: everywhere in the body except inside functions that declare the same name themselves.
"""
from __future__ import annotations

from engine.compiled import parser as P
from engine.errors import NotCompiledError, SourcePosition

SUFFIX = " of the Funcbeat body"


def body_declared_names(body) -> dict:
    """name -> the first node declaring it among the body's own statements."""
    out = {}
    for st in body:
        if isinstance(st, P.FuncDecl) and st.func.name is not None:
            out.setdefault(st.func.name, st)
        elif isinstance(st, P.VarDecl):
            for target, _ in st.decls:
                if isinstance(target, P.Ident):
                    out.setdefault(target.name, target)
    return out


def rename(code: str, body: list, names: set) -> list:
    """The body with each of `names` (declared by the body) renamed where it refers to the
    body's binding; NotCompiledError where a nested block scope makes that unclear."""
    if not names:
        return body
    return [_map(st, frozenset(names), code) for st in body]


def _map(node, names: frozenset, code: str):
    if isinstance(node, P.Ident) and node.name in names:
        return P.Ident(node.pos, node.name + SUFFIX)
    if isinstance(node, P.FuncDecl):     # its name is bound where it is declared, not inside
        func = _map_func(node.func, names, code, named_inside=False)
        if func.name in names:
            func = P.Func(func.pos, func.name + SUFFIX, func.params, func.body, func.arrow,
                          func.expression_body, func.is_async, func.generator)
        return node if func is node.func else P.FuncDecl(node.pos, func)
    if isinstance(node, P.Func):
        return _map_func(node, names, code, named_inside=True)
    return P.map_children(node, lambda c: _map(c, names, code))


def _map_func(func: P.Func, names: frozenset, code: str, named_inside: bool):
    inner = names - _declared_in(func, names, code, named_inside)
    if not inner:
        return func
    return P.map_children(func, lambda c: _map(c, inner, code))


def _declared_in(func: P.Func, names: frozenset, code: str, named_inside: bool) -> frozenset:
    """Which of `names` the function binds itself (parameters, locals, the name of a named
    function expression)."""
    own = {p.target.name for p in func.params if isinstance(p.target, P.Ident)}
    for p in func.params:
        if not isinstance(p.target, P.Ident) and any(isinstance(n, P.Ident) and n.name in names
                                                     for n in P.walk(p.target)):
            raise _unclear(code, p, "destructuring parameter")
    if named_inside and func.name is not None:
        own.add(func.name)
    if not func.expression_body:
        top = set(id(st) for st in func.body)
        for st in _statements(func.body):
            if isinstance(st, P.VarDecl):
                for target, _ in st.decls:
                    if isinstance(target, P.Ident) and target.name in names:
                        if st.kind != "var" and id(st) not in top:
                            raise _unclear(code, target, f"block-scoped {target.name}")
                        own.add(target.name)
            elif isinstance(st, P.FuncDecl) and st.func.name in names:
                if id(st) not in top:
                    raise _unclear(code, st, f"function {st.func.name} declared in a block")
                own.add(st.func.name)
    return frozenset(own & names)


def _statements(body):
    """The statements of a function body at any block depth, not inside nested functions."""
    stack = list(body)
    while stack:
        st = stack.pop()
        yield st
        stack.extend(c for c in P.children(st) if not isinstance(c, P.Func) and
                     isinstance(c, (P.Block, P.If, P.For, P.ForInOf, P.While, P.DoWhile, P.VarDecl,
                                    P.FuncDecl, P.ExprStmt, P.Return, P.Throw, P.Jump, P.Empty,
                                    P.Unsupported)) and not isinstance(st, P.FuncDecl))


def _unclear(code: str, node, what: str) -> NotCompiledError:
    return NotCompiledError(f"{what} shadowing a name the Funcbeat body declares",
                            SourcePosition.at(code, node.pos))
