"""A parameter reassigned by a top-level statement of its function (or of the song's comma
sequence) becomes a new variable from there (engine.compiled.paramversions): strings in,
numbers on. Compared sample by sample
with the reference player (skipped without Node)."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song, parser
from engine.compiled.analysis import BUILTIN_GLOBALS, PARAMS
from engine.compiled.paramversions import rewrite, rewrite_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    "sq=(n,$)=>{ $=parseInt($,36); n=t*2**(parseInt(n,36)/12)/4; if($&1) n*=2; n+=$; return n&128 },"
    "sq('4CH8'[t>>12&3],'ZA9'[t>>13&3])",
    "g=x=>{ var y=x; x=x*3; x+=y; return x }, g(t)&255",                  # reads before and after
    "h=(a,b)=>{ a=a+b; b=a-b; a=a-b; return a*4+b }, h(t>>8,t>>10)",       # a second version of a
    # the song's own parameters (Math names) reassigned at the top level, strings folded after
    "x=E*t,E='L  EGELKG',F=E+'N'+E+'E',(F.charCodeAt(t>>9&31)*t>>4)+x",
    "PI=t>>12&1?'ab':'cd',LN2=PI.length*9,LN2*t+PI.charCodeAt(t>>8&1)",
    # a global every sample sets before reading it
    "q=[1.05,0,1.5,0,1.2,0],q=q[(t>>9)%q.length]/[1,1.1][t>>14&1],sin(q*t/3%12)*16+16",
    "w=t>>8,w='abcd'[w&3],w.charCodeAt()*t",
    "t?(q=[3,5,7,9],q=q[t>>10&3],q*t):(z=1,0)",                          # a branch of the song's ?:
]


@pytest.mark.parametrize("code", SONGS)
def test_versions_match_reference(code):
    check_song(code, "uint8")
    req = BytebeatRequest(code, "uint8", 8000, 0.25)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, "uint8", 8000, req.sample_count)
    assert_same_samples(ours, ref)


def test_parameters_closed_over_or_assigned_in_blocks_keep_one_variable():
    for code in ("f=(n)=>{ g=()=>n; n=n+'x'; return g() }, f(t)",     # g reads n after it changes
                 "f=(n)=>{ if(t) n=n*2; return n }, f(t)"):            # not a top-level statement
        tree, _ = parser.parse_song(code)
        assert rewrite(tree) is tree


def test_song_parameters_read_by_functions_keep_one_variable():
    tree, rest = parser.parse_song("E='x',f=()=>E,f()")
    assert rewrite_song(tree, rest, PARAMS, BUILTIN_GLOBALS) is tree


@pytest.mark.parametrize("code", [
    "q=t?q:[1,2],q=q[0]",                  # reads what the last sample left before setting it
    "q=[1,2],f=()=>q,q=q[0],f()",          # a function reads q
    "q=[1,2],q=q[0],this.q",               # read as a property of the global object
    "q=[1,2],q=q[0],eval('q')",            # an eval may read it
    "NaN=[1,2],NaN=t,NaN",                 # frozen built-in: the assignments do nothing
    "t?(q=[3,5],q=q[t&1],q):(q=2)",        # the other branch sets q too
])
def test_globals_other_samples_or_code_may_read_keep_one_variable(code):
    tree, rest = parser.parse_song(code)
    assert rewrite_song(tree, rest, PARAMS, BUILTIN_GLOBALS) is tree


def test_mixed_kinds_without_a_top_level_reassignment_stay_refused():
    with pytest.raises(NotCompiledError) as e:
        check_song("f=(n)=>{ if(t&1) n=t; return n+1 }, f('a'[t&1])", "uint8")
    assert e.value.position is not None


@pytest.mark.parametrize("code,mode,construct", [
    ("s=sin,s=2,s(t)", "uint8", "call of s"),                          # s, not its new version's name
    ("var sin=1; return x=>{ sin.q(); return x }", "func", "call of sin.q"),
])
def test_refusals_spell_renamed_names_as_written(code, mode, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, mode)
    assert e.value.construct == construct
