"""Array literals whose value the song throws away (engine.compiled.discarded_arrays): only
their elements' evaluations remain. Compared sample by sample with the reference player
(skipped without Node); array literals whose value is used stay under the usual rules."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

TAKEN = [
    # corpus 72e511fb0f's form: a stereo pair left in the middle of the comma list
    ("r=8,a=t*3,a-=t/61,[a,(r<8?t<<8-r:t>>r-8)%256==0?255:1],t=a>>1,t&t>>5", "uint8"),
    ("[x=t>>4,,y=x*3],[t&1?q=[1,2]:0],[],x^y", "uint8"),            # holes; an empty literal stays
    ("f=()=>{[n=t>>2,n*=3];return n&255},[[f()]],f()^n", "uint8"),  # a statement; nested literals
    ("[sin(t/9),cos(t/7)],[t/99,sin(t/99)]", "float"),                # the last item stays stereo
]


@pytest.mark.parametrize("code,mode", TAKEN)
def test_discarded_arrays_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code,construct,position", [
    ("a=t,q=[a,t>>1],[a,t>>2]+1", "array of computed values used as a value", "1:17"),   # value used
    ("s='ab',[...s,t],t", "array of computed values used as a value", "1:9"),  # a spread runs an iterator
])
def test_used_or_spread_arrays_stay_refused(code, construct, position):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert str(e.value).endswith(f"{construct} at {position}")
