"""Mutable arrays in the compiled tier (engine.compiled.arrays): `Array(N).fill(v)` delay
lines and arrays of computed values held by one global. Each song is compared sample by
sample with the reference player (skipped without Node); what must stay refused is
checked without Node."""
import math

import numpy as np
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song, load_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    # delay line written at t%n, n a global assigned one constant
    ("t||(A=Array(n=512).fill(0)),x=(t*3&255)/2+A[t%n],A[t%n]=x/2,x", "uint8"),
    ("t?0:d=Array(300).fill(1),d[t%300]+=t&7,d[t%300]*(t>>8&3)", "uint8"),
    ("r=x=>(t?0:a=Array(w=256).fill(0),b=x+a[t%w],a[t%w]=b/2,b),r(sin(t/9))/3", "float"),
    # created again every sample: each evaluation starts from the filled values
    ("a=Array(4).fill(t&3),a[t&3]=9,a[0]+a[1]+a[2]*a[3]", "uint8"),
    # holes, .fill with start/end (negative counts from the end), undefined elements
    ("a=Array(6).fill(7,1,-2),a[t%8]", "float"),
    ("a=Array(5).fill(3,-9),a[t%6]??t", "uint8"),
    ("a=Array(3),a[t%4]", "float"),
    ("t||(a=Array(4).fill()),a[t&3]=t&1?t:undefined,a[(t>>1)&3]??-1", "float"),
    # index writes with &, | 0 and compound assignments
    ("t||(q=Array(64).fill(0)),q[t>>2&63]++,q[t&63]|=t,q[t*3&63]", "uint8"),
    ("t||(q=Array(16).fill(0)),q[(t%16)|0]||=t,q[t&15]", "uint8"),
    # out-of-range reads give undefined; reads before the array exists throw (NaN)
    ("t>9&&(B=Array(8).fill(t)),B[t-12]", "float"),
    ("t<5?0:(A=Array(3).fill(1),A.length*A[1]+A[t&7])", "float"),
    # arrays of computed values held by a global
    ("v=t>>8,m=[v*2,v*3,v+1,t&7],m[t>>10&3]*t", "uint8"),
    ("m=[t>>4,,t&1?'a':'b',t&15],m[t&3]", "float"),
    ("s=[sin(t/50),cos(t/70)],p=[s[0]*s[1],s[0]-s[1]],p[t>>12&1]", "float"),
    ("k=[t,t>>1],k[t&1]=k[t>>9&1]*3,k[0]&k[1]", "uint8"),
    # tables of rows with computed values indexed twice right away
    ("[[0,3,7,12],[3*(t>>15&1),7,10],[5,,9]][t>>10&3][t>>8&3]*t", "uint8"),
    ("[[t/9,sin(t)],[],[1,t&1?'a':'b']][t>>6&3][t>>4&3]", "float"),
    ("[[t,1],[2]][t&1?0.5:0][0]", "float"),       # row index off the rows: TypeError, NaN
    ("x=0,[[x++,x++],[x++]][t&1][x]+x", "float"),  # every element runs, then the indices
    # queues: shift() then push() rotate a delay line; reads and .length follow the rotation
    ("r=x=>(t?0:a=Array(300).fill(0),b=x+a.shift(),a.push(b/2),b),r(sin(t/9))/3", "float"),
    ("t?0:d=Array(100).fill(0),A=(t*3&255)/2+d.shift(),d.push(A/2),A+d[t%150]+d.length", "uint8"),
    ("q=[t,t/2,t/3],x=q.shift(),y=q.shift(),q.push(x+y),q.length*q[2]+q[0]+q.shift()", "float"),
    ("t||(Q=Array(3)),Q.shift(),Q.push(t),Q.shift()", "float"),   # shifts past the end: undefined
    # `[]` grown by writes at call counters (reset each call, ++ outside loops), and
    # fixed arrays written at such counters
    ("t?0:z1=[],n=0,lpf=(a,c)=>(k=n++,z1[k]??=0,z1[k]+=(a-z1[k])*c),hpf=(a,c)=>a-lpf(a,c),"
     "lpf(sin(t/9),.1)+hpf(sin(t/3),.2)+(z1[3]??7)", "float"),
    ("t||(Z=[]),Y=0,LP=(A,C)=>(X=Y++,Z[X]??=0,Z[X]+=(A-Z[X])*C),LP(sin(t),.1)+LP(t&1,.5)", "float"),
    ("t?0:(fx=Array(9).fill(0)),i=0,lp=(x,w)=>{o=x+fx[i];fx[i]=o/(1+1/w);i++;return fx[i-1]/w},"
     "lp(sin(t/7),3)+lp(t&1,9)", "float"),
    # arrays passed by reference to inlined functions: holders, array parameters, literals
    ("fi=[t>>3,t>>4,t&99,t>>2],S=(a,i)=>a[i]*a.length,S(fi,(t>>10)%fi.length)", "uint8"),
    ("chp=a=>sin(t*a[t>>12&3]/99),chp([2,4,7,t>>13&7])+chp([1,,3,5])*(chp([t/1e3,2,3,4])||0)", "float"),
    ("t||(A=Array(8).fill(1)),g=(x,k)=>x[k&7]+x.length,f=(y,k)=>(A[k&7]=k,g(y,k)),f(A,t)", "uint8"),
    ("r=(a,s,m)=>a[(t>>s)%a.length]*m,q=t>>9,r([0,2,4,6,10,11+q%3,18,22],10,.8)+r([q,1],12,2)", "float"),
    ("f=(a,b)=>a[t&3]*2-b[t>>2&1],f([t&1?'7':'8',,t],[t,t/2])", "float"),
    # Math functions passed to helper functions (also as a default parameter value)
    ("v=(a,b)=>a(b(t/99))/2,[v(asin,sin),v(acos,Math.cos)]", "float"),
    ("fm=(s,q=1,r=sin)=>r(s/2+r(s/2-1))*q,fm(t/40)+fm(t/30,2,cos)", "float"),
    ("p=pow,g=(f,x)=>f(x,1.5),h=(f,x)=>g(f,x),h(p,t/1e3)", "float"),
    ("f=(sin)=>sin(2)*t,f(cos)", "uint8"),       # the parameter hides Math.sin
    # a function assigned to two names at once
    ("lpf=lowPassFilter=(a,c)=>(z+=(a-z)*c),t||(z=0),lowPassFilter(sin(t/9),.1)+lpf(0,.01)", "float"),
    # Math functions held by globals and only called
    ("s=sin,p=Math.pow,i=int,s(t/9)*p(2,i(t/1e3)%3)", "float"),
    ("t>99&&(f=floor),f(t/3)", "uint8"),          # called before the assignment: ReferenceError
    ("g=x=>q(x),t||(q=abs),g(-t)", "uint8"),
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_mutable_arrays_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


def values(code, n=6, mode="float"):
    song = load_song(code, mode, 8000)
    left, right = np.empty(n), np.empty(n)
    song.fill(0, left, right)
    return list(left)


def test_delay_line_values():
    # the test call at t=0 wrote A[0]; playback starts again at t=0 and rebuilds the array
    assert values("t||(A=Array(n=4).fill(0)),A[t%n]+=t+1,A[(t+1)%n]") == [0, 0, 0, 1, 2, 3]


def test_holes_and_fill_ranges_are_undefined_outside():
    v = values("a=Array(4).fill(5,1,3),a[t]")
    assert math.isnan(v[0]) and v[1:3] == [5, 5] and all(math.isnan(x) for x in v[3:])


@pytest.mark.parametrize("code,construct", [
    ("t||(A=Array(8).fill(0)),A[t]=1,A[0]", "write to A[i] where i is not provably an integer from 0 to 7"),
    ("t||(A=Array(8).fill(0)),A[(t&7)/2]=1,A[0]", "write to A[i]"),
    ("t||(A=Array(8).fill(0)),A[t&15]=1,A[0]", "write to A[i]"),
    ("t/=2,t||(A=Array(8).fill(0)),A[t%8]=1,A[0]", "write to A[i]"),
    ("A=Array(8).fill(0),B=A,B[0]", "array A used other than as A[i] or A.length"),
    ("A=Array(8).fill(0),f=x=>x+1,f(A)", "array x used other than as x[i] or x.length"),
    ("A=Array(8).fill(0),t&&(A=5)", "assignment of another value to A, which holds an array"),
    ("A=Array(t).fill(0),A[0]", "Array(n) whose n is not a constant valid length"),
    ("A=Array(1.5).fill(0),A[0]", "Array(n) whose n is not a constant valid length"),
    ("n=8,n++,A=Array(n).fill(0),A[0]", "Array(n) whose n is not a constant valid length"),
    ("A=Array(4).fill([1]),A[0]", "array or string stored as an element of A"),
    ("A=Array(4).fill(0,t),A[0]", ".fill with start/end that are not constants"),
    ("t||(A=[t,1]),t||(A=[1,t]),A[0]", "array global A assigned in several places"),
    ("A=[t,1],this.A[0]", "array A used through this.A"),
    ("s=sin,s+1", "function value s used as a value"),
    ("f=g=>g+1,f(sin)", "function value g used as a value"),
    ("f=g=>(g=2,g),f(sin)", "assignment to g, which holds a function"),
    ("f=(sin)=>sin(2),f(3)", "call of sin, a variable"),
    ("A=[t,1],f=x=>(x=2,x),f(A)", "assignment to the array parameter x"),
    ("f=x=>x,f([t,1])", "array x used other than as x[i] or x.length"),
    ("f=(x=[1])=>x[0],f([t])", "array passed to a parameter with a default value"),
    ("g=()=>{A=[t,2]},g(),f=x=>x[0],f(A)", "array A used other than as A[i] or A.length"),
    ("A=Array(3).fill(0),A.shift(),A.push(t),f=x=>x[0],f(A)", "array A used other than as A[i]"),
    # counters: incremented in a loop, not reset first, reset after a call, or spoiled
    ("z=[],n=0,f=x=>{for(;x--;)z[n++]=x},f(3),z[0]", "write to z[i] where i is not provably"),
    ("z=[],t&1||(n=0),z[n++]=1,z[0]", "write to z[i] where i is not provably"),
    ("z=[],g=x=>(n++,x),g(1),n=0,z[n++]=1,z[0]", "write to z[i] where i is not provably"),
    ("z=[],n=0,n+=2,z[n]=1,z[0]", "write to z[i] where i is not provably"),
    ("z=[],n=0,z[n++]=1,z.length", "z.length of an array that writes grow"),
    ("z=[],n=0,this.n++,z[n++]=1,z[0]", "write to z[i] where i is not provably"),
    ("n=4,this.n++,A=Array(n).fill(0),A[0]", "Array(n) whose n is not a constant valid length"),
    ("s=sin,this.s+1", "function value s used as a value"),
    ("A=Array(4).fill(0),A.push(t),A.shift()", "A.push(v) other than right after a sure A.shift()"),
    ("A=Array(4).fill(0),t&1&&A.shift(),A.push(t),A[0]", "A.push(v) other than right after a sure A.shift()"),
    ("f=x=>A.push(x),A=Array(4).fill(0),A.shift(),f(t),A[0]", "A.push(v) other than right after"),
    ("g=x=>(A.shift(),x),A=Array(4).fill(0),A.shift(),A.push(g(t)),A[0]", "A.push(v) other than right after"),
    ("g=x=>A.push(x),A=Array(4).fill(0),x=g(A.shift()),A.push(t),A[0]", "A.push(v) other than right after"),
    ("A=Array(4).fill(0),A.shift(),A.push(t),A[t&3]=1", "assignment to an element of A, which shift()/push() rotate"),
    ("s=sin,t||(s=cos),s(t)", "function value sin used as a value"),
    ("s=sin,t&&(s=2),s(t)", "function value sin used as a value"),
])
def test_refused_array_uses(code, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "float")
    assert construct in e.value.construct
