"""Helper functions in the compiled tier beyond plain inlining: recursion unrolled on constant
arguments (engine.compiled.recursion), rest parameters forwarded with `...`
(engine.compiled.restparams), helper functions passed as arguments, and functions held by
song parameters such as `E`; objects used as records (engine.compiled.records).
Each song is compared sample by sample with the reference player (skipped without Node);
what must stay refused is checked without Node, with the construct and its position."""
import math

import numpy as np
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song, load_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    # a counter parameter decides in a conditional whether to recurse
    ("F=i=>i?sin(t*PI/256*i)*(-t/i&8191)/16E3/i+F(i-1):0,F(24)", "float"),
    ("a=i=>i&&(t*i>>7)%3+a(i-1),a(40)", "uint8"),
    ("f=(x,i=0)=>i<6?x%(i+2)+f(x>>1,i+1):x&3,f(t)*9", "uint8"),
    ("g=(x,n)=>n>0?g(x*1.5%7,n-2)+(n==4?x:0):x,g(t/99,8)", "float"),
    ("F=(i,x)=>i?(g=i=>i*3&x,g(x>>i))+F(i-1,x^i):x&1,F(5,t)&255", "uint8"),   # a helper's own i is not F's
    # the depth from a global only ever assigned one constant (read before it: ReferenceError)
    ("f=n=>n?(n*t>>8&7)+f(n-1):0,f(N),t||(N=9),f(N+1)", "uint8"),
    ("f=(n,x)=>n>M?x:f(n+1,x*3%7),f(0,t&7)+(t>50?M=4:0)", "uint8"),   # M read before it is set: throws
    # the recursive call under a runtime test as well (echo): both tests stay in the code
    ("M=t=>(t*3&t>>5)&255,X=(f,t,i=10)=>t>=0?f(t)+(i?X(f,t-512,i-1)*.8:0)/2:0,X(M,t)", "uint8"),
    # functions held by song parameters named like Math constants, defined every sample
    ("E=(e,i)=>16<i?0:e<0?0:(e>>4&e>>7)/2+.5*E(e-2048+(i==0?1024:0),i+2),[E(t,0),E(t,1)]", "uint8"),
    ("PI=x=>x*3&x>>6,LN2=y=>PI(y)|y>>9,LN2(t)+PI(t>>1)", "uint8"),
    ("q=t>>3,E=(x,d=2)=>x*d&255,E(q)+E(q,t&1?3:5)", "uint8"),
    # rest parameters forwarded to calls: numbers, strings, arrays, Math and helper functions
    ("f=(a,...x)=>g(a,...x)+g(...x,a),g=(p,q,r)=>p*2+q*3+(r??7),f(t,1,t&3)+f(t>>2)", "uint8"),
    ("h=(f,...a)=>f(t/99,...a),h(sin)+h(pow,2)+h(max,t&7,4)", "float"),
    ("s=(a,d,T=t)=>a[(T>>d)%a.length],m=(...x)=>t*2**(s(...x)/12),m([0,4,7],11)+m([3,5],12,t*2)", "uint8"),
    ("n=0,c=(...z)=>k(n++,...z),k=(i,x=5)=>i*x,c()+c(t&15)+n", "uint8"),    # arguments run once, in order
    ("A=Array(4).fill(1),w=(...a)=>v(...a),v=(B,i)=>B[i&3]*i,A[t&3]=t&7,w(A,t)", "uint8"),
    ("M=x=>x*3&x>>5,G=(Q,q,...a)=>t&1<<q?Q(t,...a):0,G(M,9)+G(max,8,t>>2)", "uint8"),
    # function literals passed as arguments or default values read their own scope's names
    ("f=(x,w=3,a=k=>sin(k*w))=>a(x),f(t/99)+f(t/50,2,q=>q%1)", "float"),
    ("g=(h,x)=>{let k=9;return h(x)+k},k=3,g(z=>z*k,t)", "uint8"),       # k: the song's, not g's
    ("g=(h,x)=>h(x)+h(x+1),m=y=>g(z=>z*y+t,t>>4),m(2)+m(3)", "uint8"),
    ("o=(f,n)=>n?f(n)+o(f,n-1):0,o(i=>t*i>>9&i,6)", "uint8"),                 # through a recursion
    ("c=0,g=(h,x)=>h(h(x)),g(v=>(c++,v*2),t)+c", "uint8"),
    # a function defined as the song's value: the sample is NaN (held)
    ("t?g(t):(g=x=>x*3&t>>4)", "uint8"),
    ("t&256?f=x=>x:t*5", "float"),
    # functions defined in every sample before anything can reach them read t live
    ("f=x=>x*t>>8,t*=3,f(5)+f(t&7)", "uint8"),
    ("D=(b=t&t>>12,f=(a,c)=>32*sin(b--%2**c*t/2**a),f(5,4)+f(9,6)+128),"
     "S=(t/=B=t&t>>12,F=(a,c)=>32*sin(B--%2**c*t/2**a)|0,F(5,4)+F(9,6)+128),[D,S]", "uint8"),
    ("m=x=>(t+=x,t&t>>9),m(3)+m(t>>4)+t", "uint8"),                            # and may assign it
    ("f=x=>x*PI,PI=t>>7,f(t)+PI", "uint8"),                                    # an assigned Math name too
    ("main(3)+t;function main(k){t+=k*99;for(i=3;i--;)t^=t>>5;return t&255}", "uint8"),   # a declaration
    ("t||(k=0),g=()=>k++,g(),f=x=>x*t,t*=2,f(3)+g()", "uint8"),
    ("t||(h=x=>f(x)+1),f=x=>x*t&255,t+=7,h(2)", "uint8"),     # h, made at t=0, calls this sample's f
    # `(f = x => ...)(args)`: defined, then called where it was made
    ("t/=16,(a=(x,l)=>(8*t*2**(x/12)&128)*(-t/64*l/2&2047)/2E3)(0,32)+a(4,34)+a(7,36)", "uint8"),
    ("q=t>>2,(f=x=>x*q)(q=t>>5)&255", "uint8"),                     # the argument runs before the body
    # a parameter given strings at some calls and arrays at others: indexed alike
    ("S=(p,t)=>t*2**(p[t>>12&3]/12)&255,S('0475',t)+S([10,9,7,8],t)+S([,2],t>>1)", "uint8"),
    # constant arrays returned through a variable are stereo, strings mono
    ("q=t&3?['7',,5]:t&4?'12':[[2,3]],(t>>4)%3?q:l=[8,8,16]", "uint8"),
    ("t?a[t>>9&7]*t:(a='00000031')", "float"),               # a global whose kind the next pass knows
    # a global holding a function at times and a value at others; a function read as a number
    ("s=p=>(t*p&128)/6,s=(s(1)-s(.75)+s(2))/2,s*3-(t>>13&1?s*1:t&7)", "uint8"),
    ("d=p=>t*p/3,(d(2)/4%64+d/4%64&32)+d(1)", "uint8"),               # d/4: NaN
    ("t||(g=x=>x*2),g=t&256?g(t):7,g*1", "uint8"),    # called once it holds a number: TypeError, NaN
    # `f ??= <function>`: created (with its snapshot of t) by the first evaluation only
    ("this.f??=x=>x*3+t,f(t)&255", "uint8"),
    ("t>99&&(this.g||=(x,o=2)=>x>>o&t),t>99?g(t):t&7", "uint8"),
    ("t>99&&(g||=(x,o=2)=>x>>o&t),t>99?g(t):t&7", "uint8"),     # g never assigned: ReferenceError
    # a global picking one of several functions at run time: called through a switch
    ("T=x=>x&128,Q=x=>x*3&255,W=(x,k=2)=>x>>k,V=[Q,T,W,Q][t>>12&3],V(t)+V(t>>1,3)", "uint8"),
    ("Q=x=>x*3&255,V=[Q,Q][t>>11&3],V(t)", "uint8"),                  # off the list: undefined, TypeError
    ("n=0,Q=x=>x*3&255,V=[Q][t>>11&1],V(n++)+n", "uint8"),            # the argument runs before the TypeError
    ("V(1),Q=x=>x*3&255,V=[Q][0],V(t)", "uint8"),                      # read before assigned: ReferenceError
    # array-destructuring parameters: the argument's elements (holes and past the end: undefined)
    ("h=([x,y],s)=>x*s+y,h([t,3],2)+h([1,,2],t>>3)+h([t&7],1)|0", "uint8"),
    ("A=Array(4).fill(1),h=([x,,z])=>x+z,A[t&3]=t&63,h(A)", "uint8"),
    ("m=[[3,5],[7]],f=([p,q])=>p*t+(q??2),f(m[t>>12&1])&255", "uint8"),
    # objects held by one global and used through their properties
    ("t||(C={p:-1,t:0}),t%99||(C.p=t,C.t=t>>8&3),C.t===1?t-C.p&255:C.t*t", "uint8"),
    ("z={k:t*3&t>>5,h:t>>4,s:'7'},z.k+z.h*z.s+(z.q??9)", "uint8"),       # z.q: a property it lacks
    ("o={a:1},o.a++,t&64&&(o.b=t),o.b*o.a+(t&1?o={a:t&7}:0,o.a)", "uint8"),   # a new object: b is gone
    ("x=P.v|0,P={v:t>>3},x+P.v", "uint8"),            # read before the first assignment: ReferenceError
    ("r={0:t&9,'q r':2,5:3},r[0]+r[t&7]", "uint8"),
    ("f=()=>{C={p:t>>2,length:3}},t&1&&f(),(C.p|C.length)&255", "uint8"),     # made inside a function
    ("u={'5':7,a:1},u['a5'[t>>8&3]]??t", "uint8"),                     # keys '5', then past the end
    ("t||(B={l:0,w:t=>t<<t/16}),B.l=t>>3&7,B.w(B.l+t)&255", "uint8"),        # a function property
    ("o={k:2,f(x,y=3){return x*y&255}},o.f(t,o.k)+o.f(t>>4)", "uint8"),          # a method without this
    # constant tables keyed by one-character strings, looked up with a character of a string
    ("rel={a:-7,b:-11,c:-2,f:10,_:0},s=t=>t*2**((rel[x='a0bc_fza'[t>>11&7]]??x)/12)&128,s(t)+s(t-4e3)/2", "uint8"),
    ("va={_:0,A:220,B:247.5,3:330},d='AB_3A B3'[t>>10&7],t*va[d]/2e3&255", "uint8"),
    ("m={A:1},k='AAB'[t>>9&3],m[k]===undefined?t:t*3", "uint8"),          # past the string: undefined key
    ("sin=x=>x,sin(t)", "uint8"),   # the song's own sin (a parameter of the song function) rebound
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_functions_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


def values(code, n=4, mode="float"):
    song = load_song(code, mode, 8000)
    left, right = np.empty(n), np.empty(n)
    song.fill(0, left, right)
    return list(left)


def test_recursion_unrolls_to_the_constant_depth():
    assert values("s=n=>n?n+s(n-1):0,s(100)+t") == [5050, 5051, 5052, 5053]


def test_song_parameter_function_is_defined_again_every_sample():
    assert values("E=x=>x*2,E(t)") == [0, 2, 4, 6]
    assert values("E=x=>x*2,E(t)+PI") == [math.pi, 2 + math.pi, 4 + math.pi, 6 + math.pi]


@pytest.mark.parametrize("code,construct,position", [
    ("f=(x,i)=>x<0?0:f(x-1,i),f(t,3)", "recursive function", "1:16"),     # constant, but not the bound
    ("c=t&7,s=(n,i=c)=>i?n/i+s(n,i-1):0,s(t)", "recursive function", "1:24"),   # depth known at run time
    ("f=i=>(i--,i?f(i):0),f(4)", "recursive function", "1:13"),             # the counter is assigned
    ("N=5,N++,f=n=>n?t+f(n-1):0,f(N)", "recursive function", "1:18"),        # N is not one constant
    ("a=i=>b(i),b=i=>i?a(i-1):0,a(3)", "recursive function", "1:18"),       # only self-calls unroll
    ("h=(x,k)=>k||x>99?x:h(x*2,!k),h(t&127,0)", "recursive function", "1:20"),   # `!k` is a boolean
    ("t||(E=x=>x),E(t)", "function assigned to a local variable", "1:5"),  # gone the next sample
    ("g(1),E=x=>x,E(t)", "call of g", "1:1"),
    ("f=x=>E(x),f(1),E=x=>x,E(t)", "call of E", "1:6"),   # a call may reach it first
    ("E=x=>x,E(t)+E", "string concatenation", "1:12"),   # a number + a function: its source text
    ("g=()=>f(1),g(),f=x=>x*t,t*=2,f(3)", "assignment to t, which a function reads, after", "1:25"),
    ("t||(h=x=>f(x)+t),f=x=>x*t&255,t+=7,h(2)", "assignment to t, which a function reads, after", "1:31"),
    ("g=()=>this.f(1),g(),f=x=>x*t,t*=2,f(3)", "assignment to t, which a function reads, after", "1:30"),
    ("t||(f=x=>(t=x)),f(2)", "assignment to t inside a function", "1:11"),
    ("f=(g,x)=>g(x)+g,M=x=>x,f(M,t)", "function value g used as a value", "1:15"),
    ("f=(g,x)=>g(x),h=()=>{M=x=>x},h(),f(M,t)", "function M used as a value", "1:36"),   # re-created by a call
    ("E=x=>x,E=2,E(t)", "call of E", "1:12"),   # E holds 2 when it is called: a TypeError in the player
    ("k=(...x)=>x.length,k(1)", "rest parameter x used other than as ...x among a call's arguments", "1:11"),
    ("q=(...x)=>[...x][0],q(1)", "rest parameter x used other than as ...x", "1:15"),
    ("k=(...x)=>y=>g(...x),g=q=>q,k(1)", "rest parameter x used other than as ...x", "1:19"),   # captured
    ("f=({a,b})=>a+b,f([1,t])", "rest or destructuring parameter", "1:4"),
    ("h=([x,y])=>x+y,h(3)", "destructuring parameter given a value that is not an array", "1:4"),
    ("h=([x,y])=>x*y,h('ab')", "destructuring parameter given a value that is not an array", "1:4"),
    ("h=([x,[y]])=>x,h([1,[2]])", "destructuring parameter other than [a, b, ...] of names", "1:7"),
    ("h=([x,...y])=>x,h([1,2])", "destructuring parameter other than [a, b, ...] of names", "1:7"),
    ("g=([a,b=9])=>a,g([1])", "destructuring parameter other than [a, b, ...] of names", "1:7"),
    ("f=(...x,y)=>y,f(1)", "rest or destructuring parameter", "1:4"),
    ("A=[1,2],g=(a,b)=>a+b,g(...A)", "spread arguments", "1:24"),
    ("g=h=>h,g(x=>x)", "function value h used as a value", "1:6"),
    ("g=h=>h(1),g(function*(){})", "generator function", "1:13"),
    ("f=p=>p.charCodeAt(0),f('a')+f([1])", "a value that is sometimes an array or string and sometimes not", "1:6"),
    ("d=p=>t*p,d+1", "string concatenation", "1:11"),
    ("d=p=>t*p,d?1:2", "function d used as a value", "1:10"),
    ("t||(g=x=>x*2),g=t&256?g(t):g,g*1", "function g used as a value", "1:28"),   # a copy of it
    ("q=(f??=x=>x)", "function f used as a value", "1:4"),
    ("E??=x=>x,E(t)", "function assigned to a local variable", "1:1"),
    ("T=x=>x&t,Q=x=>x*3&255,V=[Q,T][t>>12&1],V(t)", "function Q used as a value", "1:26"),   # T reads t
    ("Q=x=>x*3&255,V=[Q][t>>12&1],V(t)+V", "function V used as a value", "1:34"),
    ("C={p:1},D=C", "object literal", "1:3"),                                   # the object as a value
    ("C={p:1},C.toString", "property toString of the object C", "1:9"),
    ("C={p:1,f:x=>x*t},C.p", "a function reading this or its scope", "1:10"),
    ("B={w:x=>x*t},B.w(3)", "a function reading this or its scope", "1:6"),
    ("B={w(x){return this.q}},B.w(3)", "a function reading this or its scope", "1:4"),
    ("B={w:x=>x},B.w", "function B.w used as a value", "1:12"),
    ("B={w:x=>x},B.w=5", "assignment of a value to B.w, which holds a function", "1:12"),
    ("t&1?B={w:x=>x}:B={w:x=>2},B.w(1)", "object literal with a function reading this or its scope", "1:10"),   # two literals
    ("C={[t]:1},C.p", "object literal with a computed key", "1:5"),
    ("C={__proto__:{p:1}},C.p", "object literal with a __proto__ key", "1:14"),
    ("C={...[1]},C.q", "object literal with a spread", "1:4"),
    ("C={p:1},this.C.p", "object literal", "1:3"),
    ("C={p:1},C=5,C.p", "property '.p'", "1:15"),
    ("C={p:1,'0.5':2},C[t/2]", "key of the object C that is not a one-character string or an integer", "1:19"),
    ("C={p:1},C['pq']", "key of the object C that is not a one-character string", "1:11"),
    ("u={undefined:5,a:1},u['a'[t&1]]", "key of the object u that may be undefined", "1:23"),
    ("C={p:1},C[t&1]=3", "assignment to indexing result", "1:9"),
])
def test_refused_function_uses(code, construct, position):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "float")
    assert construct in e.value.construct
    assert str(e.value.position) == position
