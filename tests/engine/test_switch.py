"""`switch` in helper functions (engine.compiled.switches): strict matching in source order,
default anywhere, fall-through, break, return. Compared sample by sample with the reference
player (skipped without Node); a `continue` inside a switch stays refused."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song, parser
from engine.errors import NotCompiledError, SongSyntaxError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("p=n=>{switch('KHSx'[n&3]){case 'K':return 90;case 'H':return 40;case 'S':return 70;default:return 0}},"
     "p(t>>10)*(t>>4&1)+t", "uint8"),
    ("f=x=>{var r=0;switch(x&7){case 1:r+=1;case 2:r+=2;break;default:r+=5;case 3:r+=3}return r},t*f(t>>11)", "uint8"),
    ("g=x=>{switch(x){case 1:case 2:return t;case 0:break}return -t},g(t>>12&3)", "int8"),
    ("c=0,h=x=>{switch(x%3){case (c++,0):return c;case (c+=2,1):return -c}return c*2},"
     "sin(t/99)+h(t>>9)/1e4", "float"),
    ("k=x=>{for(var s=0,i=0;i<x;i++){switch(i&3){case 0:s+=i;break;case 1:for(;;)break;default:s-=1}}return s},"
     "t*k(t>>12&15)", "uint8"),
    ("m=x=>{switch(x){}switch(x){default:x*=3}return x},m(t)", "uint8"),
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_switch_matches_reference(code, mode):
    check_song(code, mode)
    req = BytebeatRequest(code, mode, 8000, 0.25)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


def test_continue_inside_a_switch_is_refused():
    with pytest.raises(NotCompiledError) as e:
        check_song("f=x=>{for(i=0;i<3;i++){switch(i){case 1:continue}x++}return x},f(t)", "uint8")
    assert e.value.construct == "'continue' inside a switch statement"
    assert str(e.value.position) == "1:41"


def test_switch_parses_into_clauses():
    tree, _ = parser.parse_song("f=x=>{switch(x){case 1:x++;x++;default:case 2:}}")
    switch = tree.value.body[0]
    assert isinstance(switch, parser.Switch)
    assert [c.test is None for c in switch.cases] == [False, True, False]
    assert [len(c.body) for c in switch.cases] == [2, 0, 0]
    with pytest.raises(SongSyntaxError):
        parser.parse_song("f=x=>{switch(x){default:default:}}")
