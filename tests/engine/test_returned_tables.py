"""A helper returning a table, indexed twice right away (`chArr=T=>[[a,b],[c,d]],
chArr(T)[0][j]`, engine.compiled.returned_tables). Compared with the reference player
sample by sample (skipped without Node); helpers that are not pure stay refused. Also
spreads of globals holding constant arrays (engine.compiled.spreads)."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("c=T=>[[[4,1][1&T/32],8],[[8,4][1&T/32],11,2]],T=t>>8,t*2**(c(T)[T>>6&1][3&T/4]/12)&255", "uint8"),
    ("c=(a,b)=>[[a,b],[b]],y=c(t>>4)[t>>13&3][t>>12&1],y*t&255", "uint8"),   # b undefined; rows 2, 3 throw
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_returned_tables_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code", [
    "c=T=>[[T,t],[1]],c(2)[0][1]",                    # reads t: a snapshot, not the value when called
    "c=T=>[[T,n++],[1]],n=0,c(2)[0][1]",              # an effect
    "y=c(2)[0][0],c=T=>[[T],[1]],y",                  # called before the definition: ReferenceError
    "c=T=>[[T],[1]],c(2)[0][x=1]",                    # an index with an effect
])
def test_other_returned_tables_stay_refused(code):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert "array of computed values used as a value" in e.value.construct
    assert e.value.position is not None


@pytest.mark.parametrize("code,mode", [
    ("t||(I=[4,7,11],J=[0,2,...I,7,...I,-3]),t*2**(J[t>>11&7]/12)&255", "uint8"),
])
def test_spread_constant_arrays_match_reference(code, mode):
    test_returned_tables_match_reference(code, mode)


@pytest.mark.parametrize("code", [
    "J=[0,...I],I=[4,7],J[t&1]",                    # spread before the definition: ReferenceError
    "t||(I=[4,7],I=[t],J=[0,...I]),J[t&1]",          # written twice
])
def test_other_spreads_stay_refused(code):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert "spread" in e.value.construct or "array" in e.value.construct
