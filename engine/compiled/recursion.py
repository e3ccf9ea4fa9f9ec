"""Recursion the inliner can unroll: a function that calls itself with constant arguments.

Helper functions are inlined at every call, so a recursive function is only compilable when
each recursive call can be expanded a known number of times. Songs write such recursions as
echo or additive-synthesis loops, `E=(F,t,i=10)=>t>=0?F(t)+(i?E(F,t-3072,i-1)*.8:0)/2:0` or
`F=i=>i?sin(t*i)/i+F(i-1):0`: a counter parameter, given a constant at the first call and
changed by a constant at each recursive call, decides in a conditional whether to recurse.

Within an inlined call of a recursive function, a parameter that the function never assigns
and that received a constant (a literal, or an expression of literals, such parameters of the
caller and globals only ever assigned one constant) is a *constant parameter*: analysis and
code generation fold a conditional (or `&&`, `||`, `??`) whose test is a constant and expand
only the branch taken, so the recursion stops where the song's own test stops it. Both
stages fold with the same function here, so they expand the same calls.
"""
from __future__ import annotations


from engine.compiled import parser as P
from engine.compiled.jsvalues import fold_binary, to_int32

MAX_RECURSION_DEPTH = 128     # nested calls of one function (the corpus needs 101)


def recursive_functions(funcs: dict, holders: dict) -> dict:
    """fid -> the parameters that can be constant, for each function whose body calls the
    name that holds it (`holders`: name -> fid, for globals and declared functions)."""
    out = {}
    for name, fid in holders.items():
        func = funcs[fid]
        calls_itself = any(isinstance(n, P.Call) and isinstance(n.callee, P.Ident) and n.callee.name == name
                           for n in P.walk(func) if n is not func)
        if not calls_itself:
            continue
        assigned = {n.target.name for n in P.walk(func)
                    if isinstance(n, (P.Assign, P.Update)) and isinstance(n.target, P.Ident)}
        out[fid] = frozenset(p.target.name for p in func.params
                             if isinstance(p.target, P.Ident) and not p.rest and p.target.name not in assigned)
    return out


def constant_value(node, constant_of_name) -> float | None:
    """The number `node` evaluates to when it is built from numeric literals and names that
    `constant_of_name` knows (constant parameters), else None. Only operators whose result
    on doubles Python computes exactly as JavaScript does are folded."""
    if isinstance(node, P.Num):
        return node.value
    if isinstance(node, P.Ident):
        return constant_of_name(node.name)
    if isinstance(node, P.Unary) and node.op in ("-", "+", "~"):
        x = constant_value(node.arg, constant_of_name)
        if x is None:
            return None
        if node.op == "-":
            return -x
        return x if node.op == "+" else float(~to_int32(x))
    if isinstance(node, P.Binary) and node.op in ARITHMETIC:
        a = constant_value(node.left, constant_of_name)
        c = constant_value(node.right, constant_of_name)
        return fold_binary(node.op, a, c, None)     # ARITHMETIC has no **: no pow needed
    return None


def constant_test(node, constant_of_name) -> bool | None:
    """The truth value of a test built like `constant_value`'s numbers, compared (`i<18`,
    `i==0`) or negated (`!i`), else None. Comparisons are folded only here, where their
    boolean result is tested, never passed on as a number."""
    if isinstance(node, P.Unary) and node.op == "!":
        x = constant_test(node.arg, constant_of_name)
        return None if x is None else not x
    if isinstance(node, P.Binary) and node.op in COMPARISONS:
        a = constant_value(node.left, constant_of_name)
        c = constant_value(node.right, constant_of_name)
        return None if a is None or c is None else COMPARISONS[node.op](a, c)
    x = constant_value(node, constant_of_name)
    return None if x is None else is_truthy(x)


def is_truthy(x: float) -> bool:
    """ToBoolean of a number."""
    return not (x == 0 or x != x)


ARITHMETIC = frozenset(("+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", ">>>"))
COMPARISONS = {"<": lambda a, c: a < c, ">": lambda a, c: a > c, "<=": lambda a, c: a <= c,
               ">=": lambda a, c: a >= c, "==": lambda a, c: a == c, "===": lambda a, c: a == c,
               "!=": lambda a, c: a != c, "!==": lambda a, c: a != c}
