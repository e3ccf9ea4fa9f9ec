"""`rows[i].map(f).reduce(g)` over arrays of constants and `[a, b].map(f)`, unrolled into
calls of pure helpers (engine.compiled.folds). Compared with the reference player sample by sample
(skipped without Node); folds that are not pure or not over constants stay refused."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("m=n=>(2**(1/12))**n,x=t=>[[0,7,10],[-2,1,5],[-4,0,3]][t>>14&3].map(x=>t*m(x)%256).reduce((a,b)=>a+b)/3,x(t)",
     "uint8"),                                                       # row 3 missing: TypeError, NaN
    ("O=[[1,2,3],[4,5,6]],O[t>>12&1].reduce((s,c,i)=>s+c*i*t,0)&255", "uint8"),
    ("[3,5,7,9].map((s,i)=>sin(t*s/(i+9))).reduce((a,b)=>a+b/2)/4", "float"),
    ("[2].map(q=>t*q).reduce((a,b)=>a*b)&255", "uint8"),           # one element: no call of g
    ("r=t>>3&127,[t*3,(r=t>>5,t*5)].map(x=>x^r)", "uint8"),          # elements first, then f: a stereo pair
    ("[t&255,t>>2].map((x,i)=>x*(i+1)&255).reduce((a,b)=>a^b)", "uint8"),
    ("o=0,Array(5).fill().map((e,i)=>o+=(t>>i)&7),o*5", "uint8"),        # unused: calls in order
    ("p=Array.from({length:12},(_,i)=>2**(i/12)),t*p[t>>12&15]&255", "uint8"),
    ("[...Array(4).keys()].map(k=>t>>k).reduce((a,b)=>a^b)&255", "uint8"),
    ("q=new Array(3).fill(2).map((x,i)=>x*random()),q[t&3]", "float"),   # random: one f after the other
    ("O=[1,2],O=[3],O.reduce((a,b)=>a+b)", "uint8"),   # a global written twice: its second array is folded
    # f with effects, g closed (its parameters and operators only): interleaving cannot show
    ("t||(fx=Array(64).fill(0)),i=0,lp=(x,w)=>{fx[i]+=(x-fx[i++])*w;return fx[i-1]},"
     "[...Array(6).keys()].map(x=>lp(sin(t*x/99),.3)).reduce((a,b)=>a+b,0)/5", "float"),   # corpus 8caf450f70
    ("n=0,[1,2,3].map(x=>(n+=x)*t).reduce((a,b,i)=>a-b*2+i)&255", "uint8"),
    ("[1,2,3].map(x=>x*random()).reduce((a,b)=>a+b)", "float"),
    # maps whose value is discarded inside a discarded `&&` / `?:` / comma list: calls in order
    ("o=0,t&1&&Array(4).fill().map((e,i)=>o+=(t>>i)&7),o*5", "uint8"),
    ("o=0,t&2?[1,2,3].map(x=>o+=x*t):(0,[4].map(x=>o-=x)),o&255", "uint8"),
    ("E=w=>(o=0,w&&Array(4).fill().map((e,i)=>o+=sin(t*i/99)/(i+1)),w*o),E(t>>12&1)", "float"),  # a50e53c607
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_folds_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code", [
    "[1,2,3].map(x=>(n=x)*t).reduce((a,b)=>a+b+n)",               # f assigns: order would matter
    "[1,2,3].map(x=>x*random()).reduce((a,b)=>a+b*random())",      # random draws in f and in g
    "n=0,h=x=>x*2,[1,2,3].map(x=>(n+=x)*t).reduce((a,b)=>a+h(b))",   # f assigns, g calls a helper
    "Array(t&3).fill(0).map(x=>x+1)[0]",                            # length not a constant
    "Array.from({length:99},(_,i)=>i*t)[t&63]",                     # too long to unroll
    "[[1,2],[3]][t&1].reduce((a,b)=>a+b)",                         # rows of different lengths
    "q=[1,t,3],q.reduce((a,b)=>a+b)",                               # not constants, not a literal
    "x=[t,1].map(q=>q*2),x[0]",                                   # a mapped array kept as a value
    "x=t&1&&[t,1].map(q=>q*2),x[0]",                              # kept through `&&`
    "[1,2].reduce((a,b,i,A)=>a+A[i])",                             # uses the array
    "[1,2].map(function(x){return x*t}).reduce((a,b)=>a+b)",        # f could read `arguments`
])
def test_other_folds_stay_refused(code):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    c = e.value.construct
    assert "reduce" in c or "map" in c or "Array.from" in c or "array of computed values used as a value" in c
    assert e.value.position is not None
