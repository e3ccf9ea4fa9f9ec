"""Tables of computed numbers held by a global and read only as `N[i][j]`
(`chArr=[[-4,0,-7],[5,7,[3,4][t>>9&1]]]`): kept as their elements row after row. A row
index off the rows reads a property of undefined (TypeError: NaN), a column off the row
gives undefined. Compared with the reference player sample by sample (skipped without
Node)."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("T=t/4096,c=[[-4,0,-7,-4],[0,3,-2,0],[5,7,3,[3,4][1&T/8]]],t*2**(c[T&3][T*4&3]/12)&255", "uint8"),
    ("n=[[t>>3,,t&7],[1]],f=k=>n[k][t>>9&3]*3,f(t>>11&1)+f(0)", "uint8"),    # holes, short rows
    ("C=t/9%1,s=[[C,C*2],[C/3,1]],sin(t*s[t>>12&1]['01'[t>>11&1]])", "float"),
    ("q=[[t,1],[2,t]],q[t>>13&3][0]", "float"),                                 # rows 2, 3: TypeError
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_tables_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code,construct", [
    ("n=[[t,1],[2,3]],n[t&1]", "table n used other than as n[i][j]"),
    ("n=[[t,1],[2,3]],n.length", "table n used other than as n[i][j]"),
    ("n=[[t,1],[2,3]],f=a=>a[0][0],f(n)", "table n used other than as n[i][j]"),
    ("n=[[t,1],[2,3]],n[0][1]=5,n[0][1]", "assignment to indexing result"),
    ("n=[[t,1],[2,3]],n[0]=5,n[0][1]", "assignment to indexing result"),
])
def test_other_uses_of_tables_stay_refused(code, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert construct in e.value.construct
    assert e.value.position is not None
