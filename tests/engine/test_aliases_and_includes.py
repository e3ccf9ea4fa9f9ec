"""Globals holding parseInt/isNaN/isFinite and called (engine.compiled.aliases),
`[constants].includes(x)` (engine.compiled.membership) and helpers defined and called in one
expression, `(f = x => ...)(args)` (engine.compiled.assigned_calls). Compared sample by sample with the
reference player (skipped without Node); other uses stay refused."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("r=t/1.35,p=parseInt,t*2**(p('5CH8FK'[r>>12&7],36)/12)", "uint8"),
    ("t<500?q('7',9)+t:(q=parseInt,f=isNaN,f(t/0%1)+t*q('Z',36)/9)", "uint8"),   # a call before q=parseInt throws
    ("g=x=>(N=isFinite,N(x)?x:0),g(t/(t>>8&3))&t", "int8"),
    ("([0,3,6,10].includes(t>>10&15)?t:0)+([5,'a',-2].includes(t>>12&7)?64:0)", "uint8"),
    ("c=0,[1,2].includes((c++,t>>9&3))*c*t+[].includes(t)", "uint8"),     # x evaluated once
    ("t/=16,(a=(x,l)=>(8*t*2**(x/12)&128)*(-t/64*l/2&2047)/2E3)(0,32)+a(4,34)", "uint8"),
    ("(g=function(x){return x*t})(t>>12&3)+(t>99?g(2):0)", "uint8"),
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_rewrites_match_reference(code, mode):
    check_song(code, mode)
    req = BytebeatRequest(code, mode, 8000, 0.25)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code,construct", [
    ("p=parseInt,q=p,t", "built-in parseInt used as a value"),          # the alias used as a value
    ("p=parseInt,t&&(p=isNaN),p(t)", "built-in parseInt used as a value"),   # two different built-ins
    ("p=parseInt,f=function p(x){return x&&p(0)},f(t)", "built-in parseInt used as a value"),  # p: the function
    ("[1,,2].includes(t)*t", "call of value.includes"),                  # a hole reads as undefined
    ("[1,t].includes(3)*t", "call of value.includes"),
])
def test_other_uses_are_refused(code, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert construct in e.value.construct
    assert e.value.position is not None
