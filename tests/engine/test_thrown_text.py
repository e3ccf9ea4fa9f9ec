"""`throw` in helper functions and text built only to be thrown (engine.compiled.messages):
the sample is NaN (held), and everything the text's construction evaluates still runs.
Compared sample by sample with the reference player (skipped without Node)."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError, SongSyntaxError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("f=()=>{var s=\"at \"+t; throw s+\"!\"}, t%3?t:f()", "uint8"),
    ("n=0,f=()=>{throw \"n=\"+(n++)+\" \"+random()}, t%5?n+t:f()", "uint8"),
    ("a=0,f=x=>{throw x>2?\"big \"+(a+=2):\"small\"+(a++)}, t%4?a*t:f(t&7)", "uint8"),
    ("g=()=>{var m=\"x\"; m+=t; if(t&8) m+=\" y\"+(t>>4); throw m}, t%7?t:g()", "uint8"),
    ("h=()=>{if(t%3<1) throw t*2; return t}, h()", "int8"),
    ("c=0, f=()=>{throw \"x\"+(c=t)+q}, t%3?c:f()", "uint8"),   # c is set, then q throws
    ("k=0, f=()=>{throw `k=${k++} ${[1,2][t&1]}`}, t%9?k*9:f()", "uint8"),
    ("L=0, s=x=>{var d=\"v:\"+x; var e=d+\" \"+(L=x); throw L>9&&e}, t%5?sin(t/9)+L/99:s(t>>3)", "float"),
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_thrown_text_matches_reference(code, mode):
    check_song(code, mode)
    req = BytebeatRequest(code, mode, 8000, 0.25)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code,mode,construct", [
    ("f=()=>{var s=\"a\"+t; return s.length}, f()", "uint8", "string concatenation"),   # text that is read
    ("f=()=>{var s=\"a\"+t; g(s); throw s}, g=x=>x, f()", "uint8", "string concatenation"),
    ("f=()=>`${t}`, f()", "uint8", "template literal"),
    ("throw 1; return t=>t", "func", "Throw statement in a Funcbeat body"),
])
def test_text_used_otherwise_is_refused(code, mode, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, mode)
    assert construct in e.value.construct
    assert e.value.position is not None


def test_throw_takes_its_value_on_the_same_line():
    with pytest.raises(SongSyntaxError):
        check_song("f=()=>{throw\n1}, f()", "uint8")
