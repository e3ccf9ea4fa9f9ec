"""Array lengths folded before the song runs (engine.compiled.static_values): constant
arithmetic, globals assigned one value, parameters of helpers that every call passes the
same constant. Songs are compared with the reference player sample by sample (skipped
without Node); the folding itself and what stays refused are checked without Node."""
import math

import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.compiled import parser as P
from engine.compiled.analysis import PARAMS
from engine.compiled.static_values import StaticValues, binary, js_round, numbers
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    # constant arithmetic and globals assigned one value
    ("t||(A=Array(8<<4).fill(0)),A[t%128]+=t&7,A[t*3%128]", "uint8"),
    ("o=23,t||(a=Array(round(o*1.5)).fill(3)),a[t%40]*t", "uint8"),
    ("(t/=y=1.5)?0:d=Array(64*y|0).fill(x=0),x=sin(t/7),m=x+d.shift(),d.push(m/2),m", "float"),
    # a helper's parameter that every call passes (or defaults to) the same constant, also
    # through a global assigned inside the helper
    ("r=(i,k,dt)=>((t||(a=Array(l=(dt|0)).fill(1)),c=i%256+a[t%l|0],a[t%l|0]=c*k,c)*(1-k)),"
     "r(t*3&255,.5,2**9/1.6)", "uint8"),
    ("r=(x,y=300,z=.5)=>(t?0:a=Array(y).fill(0),b=x+a.shift(),a.push(b*z),b),r(sin(t/9))/2+r(0,300)/2", "float"),
    ("f=4,r=(x,y)=>(t||(q=Array(n=1024/f).fill(y)),c=x+q[t%n],q[t%n]=c/2,c),r(t&63,5)", "uint8"),
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_folded_lengths_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


def folder(code):
    tree = P.parse_expression_code(code)
    funcs = [n for n in P.walk(tree) if isinstance(n, P.Func)]
    names = {id(f): tuple(p.target.name for p in f.params) for f in funcs}
    math_name = lambda c: c.name if isinstance(c, P.Ident) and c.name in ("round", "floor", "int") else None  # noqa: E731
    return tree, StaticValues([tree], {}, lambda f: names[id(f)], math_name, PARAMS)


def length_values(code):
    """The numbers the argument of the song's `Array(...)` may have (None: unknown)."""
    tree, sv = folder(code)
    site = next(n for n in P.walk(tree) if isinstance(n, P.Call) and isinstance(n.callee, P.Ident)
                and n.callee.name == "Array")
    s = sv.values(site.args[0])
    return None if s is None else sorted(numbers(s))


@pytest.mark.parametrize("code,expected", [
    ("A=Array(8<<10)", [8192.0]),
    ("A=Array(-1>>>28)", [15.0]),
    ("n=3,A=Array(n*n)", [9.0]),
    ("n=3,n=4,A=Array(n)", [3.0, 4.0]),
    ("r=(y=5)=>(A=Array(y)),r(),r(5)", [5.0]),
    ("r=y=>(A=Array(y)),r(2),r(7)", [2.0, 7.0]),
    ("A=Array(round(2.5)+round(-2.5)+int(-1.5))", [3.0 + -2.0 + -2.0]),
    ("A=Array(2**10%1000)", [24.0]),
    ("A=Array(7/0)", [math.inf]),
    # unknown: time, a parameter assigned or missing, a function that escapes, inexact **
    ("A=Array(t)", None),
    ("n=3,n++,A=Array(n)", None),
    ("n=3,this.n=5,A=Array(n)", None),
    ("r=y=>(y++,A=Array(y)),r(2)", None),
    ("r=y=>(A=Array(y)),r()", None),
    ("r=y=>(A=Array(y)),g=r,r(2),g(3)", None),
    ("r=y=>(A=Array(y)),[1].map(r),r(2)", None),
    ("A=Array(3**0.5)", None),
    ("A=Array(1.1**2)", None),
    ("PI=3,A=Array(PI)", None),
])
def test_folding(code, expected):
    assert length_values(code) == expected


def test_js_arithmetic_edges():
    assert js_round(-0.5) == 0 and math.copysign(1, js_round(-0.5)) == -1
    assert js_round(0.49999999999999994) == 0 and js_round(2.5) == 3
    assert math.isnan(binary("%", 5.0, 0.0)) and binary("%", -7.0, 2.0) == -1.0
    assert binary("<<", 1.0, 33.0) == 2.0 and binary(">>>", -1.0, 0.0) == 4294967295.0
    assert binary("**", 3.0, 40.0) is None            # above 2**53: engines may round differently


@pytest.mark.parametrize("code,construct", [
    ("r=n=>(t||(q=Array(n).fill(0)),q[0]),r(4)+r(5)", "Array(n) whose n is not a constant valid length"),
    ("r=n=>(n|=0,t||(q=Array(n).fill(0)),q[0]),r(4)", "Array(n) whose n is not a constant valid length"),
    ("r=n=>(t||(q=Array(n).fill(0)),q[0]),r(4.5)", "Array(n) whose n is not a constant valid length"),
    ("r=n=>(t||(q=Array(n).fill(0)),q[0]),r(t)", "Array(n) whose n is not a constant valid length"),
])
def test_refused_lengths(code, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "float")
    assert construct in e.value.construct
    assert e.value.position is not None
