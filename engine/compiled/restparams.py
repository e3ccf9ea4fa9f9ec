"""Rest parameters that only forward their arguments: `G=(f,q,...a)=>f(t,...a)`.

Helper functions are inlined at every call, so a call binds a known number of arguments to
the rest parameter `a`. Each of them becomes a hidden local of the function, `a#0`, `a#1`...,
bound like an ordinary parameter (a number, a constant string or array, a mutable array passed
by reference, a function), and a call `g(x, ...a)` inside the function is compiled as
`g(x, a#0, a#1)`. Arguments are still evaluated once, in order, at the call that binds them,
as JavaScript does. The rest parameter itself (an array in JavaScript) is never a value here:
the only use taken is spreading it into the arguments of a call.
"""
from __future__ import annotations

from engine.compiled import parser as P
from engine.compiled.destructuring import param_name


def element_name(rest: str, j: int) -> str:
    """The hidden local holding argument j of the rest parameter `rest` ('#' is no JS name)."""
    return f"{rest}#{j}"


def rest_parameter(func) -> str | None:
    """The name of `func`'s rest parameter, if it has one."""
    if func.params and func.params[-1].rest and isinstance(func.params[-1].target, P.Ident):
        return func.params[-1].target.name
    return None


def bindings(func, nargs: int) -> list:
    """(argument index, local name, default) for each parameter a call with `nargs` arguments
    binds: the ordinary parameters, then one hidden local per argument the rest parameter takes."""
    rest = rest_parameter(func)
    fixed = func.params[:-1] if rest is not None else func.params
    out = [(i, param_name(p, i), p.default) for i, p in enumerate(fixed)]
    if rest is not None:
        out += [(i, element_name(rest, i - len(fixed)), None) for i in range(len(fixed), nargs)]
    return out


def rest_count(func, nargs: int) -> int:
    """How many arguments of a call with `nargs` arguments the rest parameter takes."""
    return max(0, nargs - (len(func.params) - 1))


def misuse(func, name: str):
    """The first use of the rest parameter `name` other than `...name` among a call's
    arguments in `func`'s own body (nested functions would capture the array), else None."""
    spread_args = set()
    for n in P.walk(func):
        if isinstance(n, P.Call):
            spread_args.update(id(a.arg) for a in n.args if isinstance(a, P.Spread) and isinstance(a.arg, P.Ident))
    own = set()
    stack = [c for c in P.children(func) if not isinstance(c, P.Func)]
    while stack:
        n = stack.pop()
        own.add(id(n))
        stack.extend(c for c in P.children(n) if not isinstance(c, P.Func))
    for n in P.walk(func):
        if isinstance(n, P.Ident) and n.name == name and n is not func.params[-1].target and \
                (id(n) not in spread_args or id(n) not in own):
            return n
    return None


def expanded_call(cache: dict, node, rest_of_spread):
    """`node` with each `...a` of a rest parameter replaced by the hidden locals the current
    call bound (`rest_of_spread(spread)`: (name, count), or None for any other spread, which
    is refused by the caller). One node per call and count, so kinds keyed by node stay apart."""
    counts = []
    for a in node.args:
        if isinstance(a, P.Spread):
            bound = rest_of_spread(a)
            if bound is None:
                return None
            counts.append(bound)
    key = (id(node), tuple(counts))
    if key not in cache:
        args = []
        it = iter(counts)
        for a in node.args:
            if isinstance(a, P.Spread):
                name, n = next(it)
                args.extend(P.Ident(a.pos, element_name(name, j)) for j in range(n))
            else:
                args.append(a)
        cache[key] = P.Call(node.pos, node.callee, tuple(args), node.optional)
    return cache[key]
