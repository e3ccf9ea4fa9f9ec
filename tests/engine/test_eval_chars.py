"""`eval(S[i])` of one character of a constant string (engine.compiled.evalchars): the
character picks a number or a voice computed earlier. Compared sample by sample with the
reference player (skipped without Node); what must stay a call of eval is checked without
Node, with the refusal's position."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

TAKEN = [
    # digits and earlier voices picked by a rhythm string (corpus 41bac7485f's form)
    ("h=1&t,s=sin(t>>5)*9,q=2e5/(t&1024/(eval('10h0s0h00h10s0h0'[(t>>10)%16]))-1),q%149^t", "uint8"),
    ("a=t>>3,b=t*3&t>>7,t*eval('ab0a2b'[t>>11&7])", "uint8"),        # indices 6, 7 off the string
    ("v=sin(t/30),eval('v1v'[t>>10&3])/2+eval('05'[t&1])", "float"),
    ("t*=2,w=t>>6,(t&eval('9w5'[(t>>12)%3]))*2", "uint8"),            # t assigned: w reads the new t
    ("x=t/99,eval('7x'[t>>9&1])+eval('x7'[t>>8&1*(t>>3)])", "float"),
]


@pytest.mark.parametrize("code,mode", TAKEN)
def test_eval_of_a_character_matches_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code,construct,position", [
    ("v=sin(t/30),eval('v1v'[t>>10&3])/2+eval('0.'[t&1])", "call of eval", "1:36"),  # '.' is no expression
    ("eval('1h'[t&1]),h=t>>4", "call of eval", "1:1"),          # h not set yet when the eval runs
    ("t&1&&(h=t),eval('1h'[t&1])", "call of eval", "1:12"),     # h set only sometimes
    ("h=t,f=()=>eval('1h'[t&1]),f()", "call of eval", "1:11"),  # inside a function: may run before h=
    ("h=t,eval('1h'[i=t&1])", "call of eval", "1:5"),           # the index assigns
    ("h=t,eval('1h'[g(t)]),g=x=>x&1", "call of eval", "1:5"),   # the index calls
    ("h=t,eval('1 h'[t%3])", "call of eval", "1:5"),            # ' ' evaluates to undefined
    ("\U0001d465=t,h=t,eval('1\U0001d465h'[t%4])", "call of eval", "1:9"),  # a char of two UTF-16 units
    ("h=t,q=t&1?'1h':'h1',eval(q[t&1])", "call of eval", "1:21"),   # the string is not constant
    ("h=t,eval=x=>x,eval('1h'[t&1])", "assignment to built-in eval", "1:5"),  # not the built-in
])
def test_untakeable_evals_stay_refused(code, construct, position):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "float")
    assert e.value.construct == construct
    assert str(e.value).endswith(f"{construct} at {position}")
