"""Funcbeat bodies as songs of the compiled subset.

A Funcbeat song is the body of a function that the player calls once; its return value is
the song function, called per sample as f(t / rate, rate) (SEMANTICS.md, "Loading a song").
The compiled tier takes bodies of the form

    <declarations and expression statements>  return <function literal or declared name>
    <function declarations (hoisted)>

and rewrites them to the song expression

    window[SETUP] || (<the body's statements, in order>, window[SETUP] = 1),  F(t, rate)

The outer call runs exactly once, so each name the body declares has one binding for the
whole render, shared by the song function and its helpers: a global of the song does the
same. The body's `var` names start undefined (hoisting), `let`/`const` names stay unbound
until their declaration runs (reading them earlier throws, as the TDZ does), and function
declarations are hoisted as the subset's declared functions. SETUP is no JS identifier, so
no name of the song can meet it.
"""
from __future__ import annotations

from engine.compiled import body_names
from engine.compiled import parser as P
from engine.compiled.analysis import BUILTIN_GLOBALS, PARAMS
from engine.errors import NotCompiledError, SourcePosition

SETUP = "funcbeat setup done"


def song_of_body(code: str, body: list, rate: float):
    """(song expression tree, hoisted function declarations) of a Funcbeat body, or
    NotCompiledError naming the first statement outside the form above."""
    def refuse(construct: str, node) -> NotCompiledError:
        return NotCompiledError(construct, SourcePosition.at(code, node.pos))

    for st in body:
        for n in P.walk(st):
            if isinstance(n, P.Ident) and n.name == "arguments":
                raise refuse("'arguments'", n)     # the outer call's arguments object
    for st in body:
        if isinstance(st, P.VarDecl) and st.kind != "var":
            for target, _ in st.decls:
                if isinstance(target, P.Ident) and target.name in PARAMS - {"t"}:   # the outer call's
                    # parameters (Math names, int, window): the player cannot compile the body
                    raise refuse(f"'{st.kind} {target.name}', a SyntaxError: {target.name} is a parameter", target)
    reserved = {name for name in body_names.body_declared_names(body) if name in PARAMS or name in BUILTIN_GLOBALS}
    body = body_names.rename(body, reserved)
    refuse_free_t(code, body)
    stmts = [s for s in body if not isinstance(s, P.Empty)]
    k = next((i for i, s in enumerate(stmts) if isinstance(s, P.Return)), None)
    if k is None or stmts[k].arg is None:
        raise refuse("Funcbeat song that does not end with `return <function>`", stmts[-1] if stmts else
                     P.Empty(0))
    ret = stmts[k]
    song_fn = ret.arg
    returned_items = []          # `return (a = 1, b = 2, t => ...)`: the items run once too
    while isinstance(song_fn, P.Sequence):
        returned_items.extend(song_fn.exprs[:-1])
        song_fn = song_fn.exprs[-1]
    if not isinstance(song_fn, (P.Func, P.Ident)):
        raise refuse("Funcbeat song that returns " + type(song_fn).__name__, song_fn)
    decls, hoisted, setup = [], [], []
    for st in stmts[k + 1:]:      # never run, but function declarations and var names are hoisted
        if isinstance(st, P.FuncDecl):
            decls.append(st)
        elif isinstance(st, P.VarDecl) and st.kind == "var":
            for target, _ in st.decls:
                if not isinstance(target, P.Ident):
                    raise refuse("destructuring declaration", target)
                hoisted.append(target)
    for st in stmts[:k]:
        if isinstance(st, P.FuncDecl):
            decls.append(st)
        elif isinstance(st, P.VarDecl):
            for target, init in st.decls:
                if not isinstance(target, P.Ident):
                    raise refuse("destructuring declaration", target)
                if st.kind == "var":
                    hoisted.append(target)
                if init is not None:
                    setup.append(P.Assign(target.pos, "=", target, init, target.pos))
                elif st.kind != "var":
                    setup.append(P.Assign(target.pos, "=", target, P.Ident(target.pos, "undefined"), target.pos))
        elif isinstance(st, P.ExprStmt):
            setup.append(st.expr)
        else:
            raise refuse(f"{type(st).__name__} statement in a Funcbeat body", st)
    setup.extend(returned_items)
    start = [P.Assign(t.pos, "=", t, P.Ident(t.pos, "undefined"), t.pos)
             for t in {t.name: t for t in hoisted}.values()]
    flag = P.Member(ret.pos, P.Ident(ret.pos, "window"), SETUP, False, ret.pos)
    done = P.Assign(ret.pos, "=", flag, P.Num(ret.pos, 1.0), ret.pos)
    once = P.Logical(ret.pos, "||", flag, P.Sequence(ret.pos, tuple(start + setup + [done])), ret.pos)
    call = P.Call(ret.pos, song_fn, (P.Ident(ret.pos, "t"), P.Num(ret.pos, float(rate))), False)
    return P.Sequence(ret.pos, (once, call)), tuple(decls)


def refuse_free_t(code: str, body) -> None:
    """NotCompiledError at the first `t` the Funcbeat body reads without declaring it."""
    free = free_t(body)
    if free is not None:
        raise NotCompiledError("t that the Funcbeat body does not declare (the player has none: "
                               "a ReferenceError)", SourcePosition.at(code, free.pos))


def free_t(body) -> P.Node | None:
    """The first `t` of the body that no function of it binds by a parameter or a
    `var`/`let`/`const` of its own. The rewritten song calls the body's function with
    the song's `t` in scope, while the player's Funcbeat code has no `t` (reading it
    throws): such a read would hear the time instead of a NaN sample. Other binding
    forms (catch, function t) are not looked for, so they are refused too."""
    def binds_t(func: P.Func) -> bool:
        if any(isinstance(n, P.Ident) and n.name == "t" for p in func.params for n in P.walk(p.target)):
            return True
        stack = list(func.body) if isinstance(func.body, tuple) else [func.body]
        while stack:
            n = stack.pop()
            if isinstance(n, P.Func):
                continue               # a nested function's declarations are its own
            if isinstance(n, P.VarDecl) and any(isinstance(target, P.Ident) and target.name == "t"
                                                for target, _ in n.decls):
                return True
            stack.extend(P.children(n))
        return False

    stack = [(st, False) for st in reversed(body)]
    while stack:
        n, bound = stack.pop()
        if isinstance(n, P.Ident) and n.name == "t" and not bound:
            return n
        if isinstance(n, P.Func):
            bound = bound or binds_t(n)
        stack.extend((c, bound) for c in reversed(P.children(n)))
    return None

