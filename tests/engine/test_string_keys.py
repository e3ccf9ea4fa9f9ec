"""Arrays and strings indexed by a one-character string (`[a,b]['01'[i]]`): the key is the
character's text, so "0".."9" select elements and any other character (" " included, which
ToNumber would read as 0) selects nothing; and method calls through a global holding the
method's name (`c='charCodeAt', s[c](i)`). Compared with the reference player sample by
sample (skipped without Node)."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("[t,t>>1,t*3][' 012a'[t>>10&7]]", "uint8"),                 # ' ', 'a', past the end: undefined
    ("t*[1,2,3,4]['0123'[t>>11&3]]", "uint8"),
    ("'0123456789'['97531'[t>>9&7]]*t", "uint8"),                 # a string indexed by a string
    ("([1,(t/4096%1)][['1000','0101'][t>>14&1][t>>12&3]])**2", "float"),
    ("t||(A=Array(10).fill(2)),A[t%10]=t&255,A['31 7'[t>>8&3]]??-t", "float"),
    ("[[1,2],[3,t]]['1 0'[t>>10&3]]['10'[t>>9&1]]*t", "uint8"),   # a table's row key missing: TypeError
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_string_keys_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code,construct", [
    ("[1,2][t&1?'1':0]", "index that is not a number"),          # sometimes a string, sometimes not
    ("[1,2]['10'+t]", "string concatenation"),
    ("[1,2][t>1]", "index that is not a number"),                # a boolean key: "true"/"false"
    ("t||(A=Array(4).fill(0)),A['0123'[t&3]]=1,A[0]", "write to A[i] where i is not provably"),
])
def test_refused_keys(code, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert construct in e.value.construct
    assert e.value.position is not None


NAMED_METHODS = [
    ("c='charCodeAt',('abcdef'[c](t>>10&7)-97)*t", "uint8"),
    ("c='charCodeAt',l=5,c[c]((t>>c[c](t>>9&7)%l)%l)*(t>>4)", "uint8"),     # c[c]: "charCodeAt".charCodeAt
    ("c='charCodeAt',f=i=>'9876'[c](i&3)-48,f(t>>11)*t", "uint8"),            # inside a later function
]


@pytest.mark.parametrize("code,mode", NAMED_METHODS)
def test_method_names_in_globals_match_reference(code, mode):
    test_string_keys_match_reference(code, mode)


@pytest.mark.parametrize("code,construct", [
    ("x='ab'[c](0),c='charCodeAt',x", "call of indexing result"),           # called before the name is set
    ("c='charCodeAt',t&1&&(c='at'),'ab'[c](0)", "call of indexing result"),
    ("c='charCodeAt',f=c=>'ab'[c](0),f('at')", "call of indexing result"),  # a parameter of that name
])
def test_method_names_not_surely_set_stay_refused(code, construct):
    test_refused_keys(code, construct)
