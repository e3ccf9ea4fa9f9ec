"""The grown subset: constant arrays/strings as values, loops, declarations, Funcbeat,
isNaN, and what analysis refuses (construct + position)."""
import math

import numpy as np
import pytest

import engine
from engine import BytebeatRequest, render_samples
from engine.compiled import check_song, load_song
from engine.errors import NotCompiledError, SongRuntimeError


def values(code, t0=0, n=4, mode="uint8", rate=8000):
    song = load_song(code, mode, rate)
    left, right = np.empty(n), np.empty(n)
    song.fill(t0, left, right)
    return list(left)


def test_constant_arrays_and_strings_as_values():
    assert values("a=[1,2,3,5],a[t&3]") == [1, 2, 3, 5]
    assert values("s=(a,k)=>a[k%a.length],s([7,8,9],t)") == [7, 8, 9, 7]
    assert values("[[1,2],[3,4]][t>>1&1][t&1]") == [1, 2, 3, 4]
    assert values("parseInt(['58C','47A'][t>>1&1][t&1],16)") == [5, 8, 4, 7]
    assert values("m='0359',m.charCodeAt(t)-48") == [0, 3, 5, 9]
    assert values("x=t&1?'ab':'cde',x.length") == [3, 2, 3, 2]
    assert values("[5][0]+[[3]]*1+'12'*1+[]*1", 0, 1) == [20]
    v = values("q=[1,,2],q[t]")
    assert v[0] == 1 and math.isnan(v[1]) and v[2] == 2 and math.isnan(v[3])


def test_loops_and_statements_in_function_bodies():
    assert values("f=x=>{let s=0;for(let i=0;i<x;i++)s+=i;return s},f(t)") == [0, 0, 1, 3]
    assert values("f=x=>{let s=0,i=0;while(i<9){i++;if(i==3)continue;if(s>20)break;s+=i}return s},f(t)") == [25] * 4
    assert values("f=x=>{let s=1;do{s*=2}while(s<x);return s},f(t*3)") == [2, 4, 8, 16]


def test_endless_loop_is_stopped():
    with pytest.raises(SongRuntimeError) as e:
        load_song("f=x=>{while(1){}},f(t)")
    assert "loop iterations" in e.value.message


def test_function_declarations_after_the_expression():
    assert values("main();function main(){return t*2}") == [0, 2, 4, 6]
    assert values("f=x=>g(x)+1,f(t);function g(y){return y*t}") == [1, 2, 5, 10]


def test_isnan():
    assert values("isNaN([1,,3,4][t])*10+isFinite(1/t)") == [0, 11, 1, 1]


def test_funcbeat_return_function():
    song = load_song("return (t,sr)=>t*sr", "func", 8000)
    left, right = np.empty(3), np.empty(3)
    song.fill(0, left, right)
    assert list(left) == [0, 1, 2]
    assert values("return t=>t", 4000, 1, mode="func", rate=8000) == [0.5]


def test_closures_snapshot_t_when_created():
    # t is read as it was when f was created; assigning t before creating f is fine
    assert values("t*=2,f=x=>x+t,f(1)") == [1, 3, 5, 7]


@pytest.mark.parametrize("code,construct,where", [
    ("t+`a${t}`.length", "template literal", "1:3"),
    ("t/(x=>x)", "arrow function", "1:4"),
    ("[t]+2", "array of computed values used as a value", "1:2"),
    ("a=[t],b=a,b[0]", "array a used other than as a[i] or a.length", "1:9"),
    ("t||(a=Array(8).fill(0)),a[t]=1", "write to a[i] where i is not provably an integer from 0 to 7", "1:27"),
    ("t||(f=x=>x*t),t*=2,f(1)", "assignment to t, which a function reads, after the function is created", "1:15"),
    ("f=x=>f(x),f(t)", "recursive function", "1:6"),
    ("b=[1,2],b[0]=t", "assignment to indexing result", "1:9"),
    ("b=[],b[t]=t", "write to b[i] where i is not provably an integer from 0 to 65535", "1:8"),
    ("t+'a'", "string concatenation", "1:2"),
    ("t.toString(2)", "call of t.toString", "1:1"),
    ("new Array(3)", "'new' expression", "1:1"),
    ("x={a:1},x", "object literal", "1:3"),
    ("f=(...a)=>a,f(t)", "rest parameter a used other than as ...a among a call's arguments", "1:11"),
    ("for(;;);", "syntax error", None),
    ("eval=x=>5,eval(1)+t", "assignment to built-in eval", "1:1"),     # ignored by the player
    ("f=()=>{this.isNaN=x=>2},f(),t", "assignment to built-in isNaN", "1:8"),
])
def test_refusals_name_construct_and_position(code, construct, where):
    r = engine.check(code)
    assert not r.compiled
    if construct == "syntax error":
        assert r.status == "syntax error"
        return
    assert (r.construct, r.position) == (construct, where), r.message
    assert r.message == f"not compiled: {construct} at {where}"


def test_check_song_reports_kinds_for_the_next_stage():
    info = check_song("a=t>>4,b='x'[0],a*t")
    assert info.globals == {"a": 0, "b": 1}
    assert info.global_kinds["a"].base == "num" and info.global_kinds["b"].base == "str"
