"""let/const inside blocks of helper functions (engine.compiled.blockscope): taken when every
use is inside a block declaring the name (compared sample by sample with the reference player,
skipped without Node), refused when a use outside means another variable."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    "f=x=>{ for(let i=0;i<3;i++){x+=i} for(let i=0;i<2;i++){x*=i+1} return x }, f(t>>4)",
    "g=x=>{ if(x&1){ const k=x*3; x+=k } else { let k=2; x-=k } return x&255 }, g(t)",
    "h=x=>{ let s=0; for(let i=0;i<4;i++){ let d=i*x; s+=d&7 } return s }, h(t)",
]


@pytest.mark.parametrize("code", SONGS)
def test_block_scoped_names_match_reference(code):
    check_song(code, "uint8")
    req = BytebeatRequest(code, "uint8", 8000, 0.25)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, "uint8", 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code,where", [
    ("y=3, f=x=>{ { let y=1; } return y*x }, f(t)", "1:33"),          # the global y after the block
    ("y=3, f=x=>{ if(x>5){ let y=1; y++ } return y*x }, f(t)", "1:44"),
    ("f=x=>{ let s=0; for(let i=0;i<3;i++){let s=i} return s }, f(t)", "1:42"),   # two variables s
    ("f=x=>{ for(let i=0;i<3;i++){x+=(j=>j*i)(2)} return x }, f(t)", "1:33"),     # a closure over i
])
def test_uses_meaning_another_variable_are_refused(code, where):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert "block-scoped" in e.value.construct and "used where another" in e.value.construct
    assert str(e.value.position) == where
