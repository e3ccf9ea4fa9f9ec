"""`[].concat(...)` of constant arrays (engine.compiled.spreads): songs join melody pieces
held by globals into one table. Compared sample by sample with the reference player (skipped
without Node); the concatenations left out are checked without Node, with their position."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

TAKEN = [
    # corpus b1298492a2's form: a global three times, then a literal
    ("m=[1,1,1.2,1.375],n=[].concat(m,m,m,[1.6,1.5,1.3,1.06]),t*n[(t>>10)%16]", "uint8"),
    ("a=[0,3,7],b=[-5,12],c=[].concat(b,a,[],[2]),d=[].concat(c,c),sin(t/9*2**(d[t>>9&15]/12))", "float"),
    ("a=[4,-1],c=[].concat([6,,2],a),c.length*t+(c[t>>8&7]??t>>4)", "uint8"),   # holes stay holes
    ("a=[2,5,9],f=()=>[].concat(a,a)[t>>8&7],t*f()", "uint8"),   # inside a function
    ("x=[].concat()[0]??1,t*x", "uint8"),                        # no argument: an empty array
]


@pytest.mark.parametrize("code,mode", TAKEN)
def test_concatenated_constants_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code,construct,position", [
    ("b=[].concat(a,[1]),a=[2,3],b[t&3]", "call of value.concat", "1:3"),     # a not set yet
    ("a=[t,2],b=[].concat(a,[1]),b[t&3]", "call of value.concat", "1:11"),    # a computed
    ("a=[2],t&1&&(a=[3]),b=[].concat(a),b[0]", "call of value.concat", "1:22"),  # a written twice
    ("a=[2],b=[5].concat(a),b[t&1]", "call of value.concat", "1:9"),          # not an empty receiver
    ("a=[2],b=[].concat(a,'xy'),b[t&1]", "call of value.concat", "1:9"),      # a string argument
])
def test_other_concatenations_stay_refused(code, construct, position):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "float")
    assert str(e.value).endswith(f"{construct} at {position}")
