"""A global holding a helper function (or a number) first and an array later in each
sample (`kick=pan=>..., kick=[kick(0),kick(1)]`, engine.compiled.renames): compared with
the reference player sample by sample (skipped without Node); the cases the split would
get wrong stay refused. Also stereo results stored in a name nothing reads
(`c=[l, r]`, engine.compiled.stereo)."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("k=p=>sin(t*p/99),k=[k(1),k(2)],k[t>>12&1]", "float"),
    ("b=t*3&255,b=[b,b>>1],b[t>>13&1]*t", "uint8"),
    ("m=t>>4,m=m&7,m=[m,m*2],x=[m[0]+1,m[1]],x[t>>11&1]*t", "uint8"),
    ("e=x=>x/2,k=p=>e(t*p)&255,k=[k(1),k(3)],o=q=>k[q]/128-1,[o(0),o(1)]", "float"),
    ("t?y=k[0]:y=0,k=p=>t*p,k=[k(2),k(3)],k[0]&y", "uint8"),        # a read before: last sample's array
    ("c=o=>t*o,c=c(2)+c(3),d=c&255,c=d*2,c", "uint8"),               # helper, then numbers
    ("q=[1.05,0,1.5,t&7],q=q[(t>>9)%q.length]*t,q&255", "uint8"),     # an array, then a number
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_split_names_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code,construct", [
    # a function that reads k runs while k holds the helper
    ("g=()=>k,k=p=>p*t,k=[k(1),g()],k[0]", "array stored in k, which is also a function or built-in"),
    # k read through this / written elsewhere than by top-level items
    ("k=p=>p*t,k=[k(1)],this.k[0]", "array stored in k, which is also a function or built-in"),
    ("k=p=>p*t,t&1&&(k=[k(1)]),k[0]", "array stored in k, which is also a function or built-in"),
    # the helper reads its own name (it would be the array by then)
    ("k=p=>p?k(0):t,k=[k(1)],k[0]", "array stored in k, which is also a function or built-in"),
])
def test_refused_splits(code, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert construct in e.value.construct
    assert e.value.position is not None


STEREO_SONGS = [
    ("a=t*3,b=t>>2,c=[a,b]", "uint8"),
    ("x=sin(t/40),t>>12&1?out=[x,-x]:x/2", "float"),
    ("c=[t,t>>1],d=c[0]+c[1],c=[d,t*3]", "uint8"),      # split first, then the last store is unread
]


@pytest.mark.parametrize("code,mode", STEREO_SONGS)
def test_stereo_results_stored_in_unread_names_match_reference(code, mode):
    test_split_names_match_reference(code, mode)


@pytest.mark.parametrize("code,construct", [
    ("t||(c=0),c+=1,c=[t,c]", "assignment of another value to c, which holds an array"),
    ("c=[t,t*2],this.c", "array c used through this.c"),
])
def test_stereo_results_in_read_names_stay_refused(code, construct):
    test_refused_splits(code, construct)
