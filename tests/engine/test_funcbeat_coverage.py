"""Funcbeat bodies in the compiled tier (engine.compiled.funcbeat): declarations and
statements that run once, then `return <function>` called per sample with (seconds, rate).
Compared sample by sample with the reference player (skipped without Node)."""
import numpy as np
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song, load_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

BODIES = [
    "var a=0; const f=440; return function(t, sr){ a += f/sr; return sin(a*2*PI) }",
    "let n=0; function g(x){ return x*2 } return (t)=>{ n++; return g(t)%1 + n/1e5 }",
    "var z; z = 3; function dsp(t){ return z*t%1 } return dsp",            # hoisted, returned by name
    "const s=[1,2,3]; let q; return t=>q===undefined?(q=t,s[0]):s[(t*4|0)%3]*q",
    "var lp=0, k=.01; const osc=x=>x%1*2-1; return (t,r)=>lp+=(osc(t*220)-lp)*k",
    "w=v; var v; return t=>v??(t>.1?v=t:0)",         # a var is undefined (hoisted) until it is set
    "return t=>g(t)*3%1; function g(x){ return x*x }",   # declarations after the return are hoisted
    "return (m=[3,5,7], k=0, t=>(k++, sin(t*m[k%3]*99)))",  # items before the returned function run once
    # the body's own bindings of names the player passes (t, Math names) or keeps as globals
    "var tau=2*PI; function sin(x, t){ return Math.sin(tau*t*x) } return (t, r)=>sin(r/100, t)",
    "var t=0, PI=3; function tick(x){ t += x } return function(s){ tick(1); return sin(t*PI/100+s) }",
    "var E=2; function int(x){ return x*E } return (t)=>{ let y=int(t*7); return y%1 }",
    "var t=5, tt; function f(t){ return t*2 } function clock(x){ t=x; tt=t*2 } "
    "return x=>{ clock(x); return sin(f(x)+t+tt) }",             # f's own t is its parameter
    "let t=3, c=0; function sin(x){ return x*2 } return x=>{ c+=t; return sin(x)+c/1e4 }",   # t: no parameter here
    "function sin(x){ return x*3 } function f(x){ switch(x&1){ case 1: var sin=2; return sin } return sin } "
    "return x=>f(x*9000|0)+sin(2)",                               # f's own sin, declared in a case
    "var Array=[1,2]; return t=>Array[t*8000&1]*t%1",
    "return x=>{ let t=x*3; return (u=>u*t)(2)%1 }",               # t declared by the song function
]


@pytest.mark.parametrize("code", BODIES)
def test_funcbeat_bodies_match_reference(code):
    check_song(code, "func", 8000)
    req = BytebeatRequest(code, "func", 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, "func", 8000, req.sample_count)
    assert_same_samples(ours, ref)


def test_body_runs_once_and_closure_state_persists():
    song = load_song("let n=0; n+=100; return t=>++n", "func", 8000)
    left, right = np.empty(3), np.empty(3)
    song.fill(0, left, right)
    assert list(left) == [102, 103, 104]     # 100 from the body, 101 at the test call


@pytest.mark.parametrize("code,construct", [
    ("if (1) {} return t=>t", "If statement in a Funcbeat body"),
    ("let PI=3; return t=>t*PI", "'let PI', a SyntaxError: PI is a parameter"),
    ("var x=1;", "Funcbeat song that does not end with `return <function>`"),
    ("var [a]=[1]; return t=>a", "destructuring declaration"),
    ("var n=arguments.length; return t=>n", "'arguments'"),
    # no `t` in the player's Funcbeat scope: reading one nobody declares throws (NaN samples)
    ("return x=>t*0+x", "t that the Funcbeat body does not declare"),
    ("return (x,r)=>{ return t+x }", "t that the Funcbeat body does not declare"),
    ("f=()=>t; return x=>f()+x", "t that the Funcbeat body does not declare"),
])
def test_refused_bodies(code, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "func", 8000)
    assert construct in e.value.construct
