"""Writes `A[i] = v` the compiled tier proves to land on an element (engine.compiled.
arrays.Ranges): indices from counters only ever set to integers >= 0 and incremented
(`this.v??=0, ... v++`), from `A.length`, and products of bounded integers (`t*3%n`).
Compared with the reference player sample by sample (skipped without Node)."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("this.v??=0,r=(w,s)=>(v++||(a=Array(s).fill(0)),w=w%256+a[z=v%a.length],a[z]=w/2,w),r(t*3&255,300)", "uint8"),
    ("t?q++:a=Array(n=84).fill(q=0),m=(t>>3&63)-a[q%n|0],a[q%n]=m/2+a[q%n]/3,m", "float"),
    ("t||(d=Array(y=96).fill(q=0)),m=(t&255)-d[++q%y],d[q%y]=m/2,m", "uint8"),
    ("t||(r=Array(n=500).fill(0)),e=r[t*3%n]+(t&127),r[t*3%n]=e/2,e", "uint8"),
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_proven_writes_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code", [
    "t||(a=Array(8).fill(q=0)),q+=1,a[q%8]=1,a[0]",           # += may go anywhere
    "t||(a=Array(8).fill(q=0)),q=t/3,q++,a[q%8]=1,a[0]",       # set to a fraction
    "t||(a=Array(8).fill(q=0)),q--,a[q%8]=1,a[0]",             # -- goes below 0
    "t||(a=Array(8).fill(q=-1)),q++,a[q%8]=1,a[0]",
    "this.v??=-2,v++,a=Array(8).fill(0),a[v%8]=1,a[0]",
    "f=(q)=>q++,t||(a=Array(8).fill(q=0)),q++,a[q%8]=1,a[0]",  # a parameter of the same name
    "a=Array(8).fill(0),b=Array(2).fill(0),b.shift(),b.push(t),a[t%b.length]=1,a[0]",   # a queue's length changes
    "a=Array(8).fill(0),a[t*-1%8]=1,a[0]",
])
def test_unproven_writes_stay_refused(code):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert "where i is not provably an integer" in e.value.construct


QUEUES = [
    ("t?0:a=Array(n=300).fill(0),v=x=>sin(x/9),x=a.shift(),y=v(t)*64+64,a.push(y/3-a[n/2]/4),x", "float"),
    ("t||(a=Array(200).fill(0)),s=x=>sin(x/7),a.push(s(t)+a.shift()/2),a[199]", "float"),   # shift in the value
]


@pytest.mark.parametrize("code,mode", QUEUES)
def test_queues_with_helper_calls_match_reference(code, mode):
    test_proven_writes_match_reference(code, mode)


@pytest.mark.parametrize("code", [
    "a=Array(9).fill(0),g=x=>a.push(x),a.shift(),g(1),a.push(t),a[0]",   # a helper that pushes
    "a=Array(9).fill(0),a.push(a.shift()+a.shift()),a[0]",
    "a=Array(9).fill(0),a.push(t&1?a.shift():0),a[0]",                    # the shift may not run
])
def test_unpaired_pushes_stay_refused(code):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert "push(v) other than right after a sure" in e.value.construct


@pytest.mark.parametrize("code,mode", [
    # Math calls and helpers that never name the counter may run before its reset
    ("b=sin(t/99),g=x=>x*2,y=g(t),t?0:z=[],n=0,lpf=(a,c)=>(k=n++,z[k]??=0,z[k]+=(a-z[k])*c),"
     "lpf(b,.1)+lpf(y&1,.3)", "float"),
])
def test_counters_reset_after_harmless_calls_match_reference(code, mode):
    test_proven_writes_match_reference(code, mode)


def test_counter_incremented_before_its_reset_stays_refused():
    with pytest.raises(NotCompiledError) as e:
        check_song("t?0:z=[],f=()=>n++,f(),n=0,lpf=a=>(k=n++,z[k]=a),lpf(t)", "uint8")
    assert "where i is not provably an integer" in e.value.construct


def test_index_from_t_read_before_the_song_changes_t_matches_reference():
    test_proven_writes_match_reference(
        "dc=t,t?0:b=Array(len=500).fill(0),t+=sin(t),b[dc%len]=b[(dc+1)%len]/2+(t&63),b[dc%len]", "uint8")


def test_index_from_t_read_after_the_song_changes_t_stays_refused():
    with pytest.raises(NotCompiledError) as e:
        check_song("t+=.5,dc=t,t?0:b=Array(9).fill(0),b[dc%9]=1,b[0]", "uint8")
    assert "where i is not provably an integer" in e.value.construct


def test_index_from_t_divided_by_a_power_of_two_and_scaled_back_matches_reference():
    test_proven_writes_match_reference(
        "f=4,t/=f,r=(x,y)=>(t||(a=Array(n=300).fill(y)),c=x%256+a[(t*f)%n],a[(t*f)%n]=c/2,c),r(t*5&255,9)", "uint8")


@pytest.mark.parametrize("code", [
    "t/=3,t||(a=Array(9).fill(0)),a[t*3%9]=1,a[0]",                  # not a power of two: rounding
    "t/=2,t/=2,t||(a=Array(9).fill(0)),a[t*2%9]=1,a[0]",             # divided twice
    "t/=2,t||(a=Array(9).fill(0)),a[t*4%9]=1,a[0]",                  # another factor
])
def test_scaled_t_otherwise_stays_refused(code):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert "where i is not provably an integer" in e.value.construct
