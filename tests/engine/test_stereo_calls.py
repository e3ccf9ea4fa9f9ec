"""The song's result computed by a helper that returns `[l, r]` (`master=_=>[l, r],
master()`, Funcbeat bodies returning `[l, r]`): the call is inlined with each return
treated as the song's value. Compared with the reference player sample by sample
(skipped without Node)."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("o=p=>[sin(t/50)*p,cos(t/70)],o(.5)", "float"),
    ("m=()=>{x=t>>3;if(t>>12&1)return[x,t];return x*2},m()", "uint8"),   # stereo at some samples only
    ("((a,b)=>[a&b,a|b])(t>>3,t>>5)", "uint8"),
    ("g=x=>[x,x>>1],f=()=>g(t*3),f()", "uint8"),                          # returned through a second call
    ("f=()=>{x=t},t>>13&1?f():t", "uint8"),                                # no return: undefined holds
    ("return (t,sr)=>{let a=sin(t*440*2*PI);return [a,-a/2]}", "func"),
    ("let n=0;return (t)=>{n++;if(n&4096)return [n/8192%1,0];return -n/8192%1}", "func"),
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_stereo_calls_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code,construct", [
    ("g=x=>[x,t],y=g(1)[0]+g(2)[1],y", "array of computed values used as a value"),   # not the result
    ("f=()=>{q=[t,1];return q},x=f(),x", "array q used other than as q[i] or q.length"),
    ("f=()=>[t,1],f()+1", "array of computed values used as a value"),
])
def test_arrays_returned_elsewhere_stay_refused(code, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert construct in e.value.construct
    assert e.value.position is not None


@pytest.mark.parametrize("code,mode", [
    ("t?(l[t>>10&3]*t&255)/128-1:(s=3,l=[8,8,4,16])", "float"),     # t=0: stereo (8, 8) from the store
    ("t?(m[t>>9&3]*t&255)/128-1:(m=[0,3,7,10],1)", "float"),        # `t ? use : init`: init analyzed first
])
def test_constant_pairs_and_init_branches_match_reference(code, mode):
    test_stereo_calls_match_reference(code, mode)


@pytest.mark.parametrize("code,mode", [
    ("t?(x=sin(t/9)+a[t%l]/2,a[t%l]=x,x/2):a=Array(l=300).fill(.25)", "float"),   # t=0: stereo (.25, .25)
    ("t?0:a=Array(1).fill(t-1)", "uint8"),                                          # a[1] undefined: holds
])
def test_array_made_as_the_result_matches_reference(code, mode):
    test_stereo_calls_match_reference(code, mode)


@pytest.mark.parametrize("code,mode", [
    ("m=()=>{s=[];s[0]=t*3&255;s[1]=t>>2;return s},m()", "uint8"),     # a holder returned: stereo
    ("t||(a=Array(1).fill(7)),a[0]=t&255,a", "uint8"),                   # a[1] undefined: the right holds
])
def test_holders_as_the_result_match_reference(code, mode):
    test_stereo_calls_match_reference(code, mode)
