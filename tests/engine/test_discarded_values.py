"""`?:`, `&&`, `||`, `??` whose value the song does not use: the branches are discarded too,
so they may hold values of different kinds (`t>0?m=[1,t]:0`), while the left side of
`&&`/`||`/`??` stays a value whose truth picks the branch, also when it is a comma
sequence. Compared with the reference player sample by sample (skipped without Node)."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("(x=t>>4&1,x)||(A=Array(4).fill(t)),A[0]&255", "uint8"),
    ("(x=t>>5&1,x)&&(f=y=>y*3),t>>5?f(t):0", "uint8"),
    ("t>>9&1?m=[t,t>>1]:0,m[t>>8&1]*2", "uint8"),
    ("t>>10&1??(z=[t,1]),t>>3", "uint8"),
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_discarded_branches_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)
