"""The `**` -> pow-call rewrite of the V8 tier (pure Python)."""
from __future__ import annotations

import pytest

from engine.v8.powrewrite import apply_plan, const_operands, count_pow_operators, plan_pow, rewrite_pow


@pytest.mark.parametrize("code,expect", [
    ("t**2", "P(t, 2)"),
    ("a**b**c", "P(a, P(b, c))"),
    ("(x**2)**3", "P((P(x, 2)), 3)"),
    ("a.b[c](d)**-e.f(g)", "P(a.b[c](d), -e.f(g))"),
    ("x=t/8**2/1", "x=t/P(8, 2)/1"),
    ("`a${t**2}b`", "`a${P(t, 2)}b`"),
    ("s[t>>4]**2.5|0", "P(s[t>>4], 2.5)|0"),
    ("f`x`**2", "P(f`x`, 2)"),
    ("a?.b**2", "P(a?.b, 2)"),
    ("t++**2", "P(t++, 2)"),
    ("a+ ++v**.1", "a+ P(++v, .1)"),
    ("((t)=>t**2)(t)", "((t)=>P(t, 2))(t)"),
    ("x**typeof y", "P(x, typeof y)"),
    ("/re**/g.x**2", "P(/re**/g.x, 2)"),
    ("'**'+t**2 // a ** b", "'**'+P(t, 2) // a ** b"),
    ("x **= y ? 2 : 3", "x = P(x,  y ? 2 : 3)"),
    ("a.b **= 2, c", "a.b = P(a.b,  2), c"),
    ("a[i++] **= 2", None),
    ("'a ** b'", None),
])
def test_rewrite(code, expect):
    assert rewrite_pow(code, "P") == expect


def test_constants_are_folded_by_the_caller():
    code = "[2**(12/26), t**2, 1+2**-3]"
    plan = plan_pow(code)
    assert const_operands(code, plan) == [("2", "(12/26)"), ("2", "-3")]
    assert apply_plan(code, plan, "P", ["(A)", "(B)"]) == "[(A), P(t, 2), 1+(B)]"


def test_count():
    assert count_pow_operators("a**b + c**=d + '**'") == 2
    assert count_pow_operators("'unterminated") == -1
