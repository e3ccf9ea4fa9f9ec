"""`x == null` / `x != null` as tests for undefined (engine.compiled.nullchecks), compared
sample by sample with the reference player (skipped without Node); null as a value stays refused."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("a=[1,,3,,5][t>>8&7],h=a==null,(h?p:p=a)*t", "uint8"),          # holes and out-of-range reads
    ("f=(x,y)=>y!=null?x*y:x,f(t,t>>9&1?3:undefined)", "uint8"),
    ("q=[2,,4][t>>10&3],(null==q)+(null!=q)*2+t", "int8"),
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_null_checks_match_reference(code, mode):
    check_song(code, mode)
    req = BytebeatRequest(code, mode, 8000, 0.25)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code,construct", [
    ("a=null,t", "null"),
    ("t==null?1:[1,null][t&1]", "null"),
    ("f=undefined=>t==null,f(1)", "null"),        # the song's own `undefined`: no rewrite
])
def test_null_as_a_value_is_refused(code, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert construct in e.value.construct
    assert e.value.position is not None
