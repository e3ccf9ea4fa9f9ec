"""Arrays that songs only ever read as numbers: one-element literals of a computed value
given straight to an arithmetic operator (`t*[x]`, `[a,[x]][i]/12`, engine.compiled.arrays.
numeric_singletons) and constant tables written with arithmetic (`[12+12, 2**7]`); also
calls of a Math function chosen by `?:` (`(pan?sin:cos)(x)`).
Compared with the reference player sample by sample (skipped without Node)."""
import math

import numpy as np
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song, load_song
from engine.compiled.analysis import const_number
from engine.compiled import parser as P
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("t*[t>>9&1?1.5:1]", "uint8"),
    ("t*(t>>8|[t>>11&3])", "uint8"),
    ("(t>>4)%[(t>>12&3)-1]", "uint8"),                      # [-0]: 0, so % gives NaN
    ("t*[[3,5,7][t>>13&7]]", "uint8"),                      # [undefined]: "" reads as 0
    ("-[sin(t/50)]+~[t>>3]/1e3", "float"),
    ("t*2**([0,3,[[5,7][t>>14&1]],7,[t>>15&3]][t>>11&7]/12)", "uint8"),
    ("[[t*3&255],[t>>4][0]&t]", "uint8"),                              # a stereo channel [x]: x
    ("t>>12&1?[[-0*t],t>>2]:t", "uint8"),                               # [-0] is 0
    ("t*[12+12,11+12,-7+12,2**4,1>>>1,-1>>>28][t>>12&7]/16", "uint8"),
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_arrays_read_as_numbers_match_reference(code, mode):
    check_song(code, mode)           # the compiled tier takes the song
    req = BytebeatRequest(code, mode, 8000, 0.5)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


def test_minus_zero_and_undefined_read_as_zero():
    song = load_song("1/[t?-0*t:[][0]]", "float", 8000)
    left, right = np.empty(2), np.empty(2)
    song.fill(0, left, right)
    assert left[0] == math.inf and left[1] == math.inf     # 1/0, not 1/-0 or NaN


@pytest.mark.parametrize("code,value", [
    ("12+12", 24.0), ("-(3*4)", -12.0), ("~5", -6.0), ("2**14/4", 4096.0), ("1/0", math.inf),
    ("7%-0", math.nan), ("t+1", None), ("2**0.5", None), ("(1,2)", None),
])
def test_const_number_folds_literal_arithmetic(code, value):
    got = const_number(P.parse_expression_code(code))
    assert got == value or (value is not None and math.isnan(value) and math.isnan(got))


@pytest.mark.parametrize("code,construct", [
    ("t+[t>>3]", "array of computed values used as a value"),   # + would concatenate its string
    ("[t>>3]?t:0", "array of computed values used as a value"),
    ("x=[t>>3],x*2", "array x used other than as x[i] or x.length"),   # only literals right there
    ("t*[t&1?'a':'b']", "one-element array of a value that is not a number, read as a number"),
    ("t*[t>1]", "one-element array of a value that is not a number, read as a number"),
])
def test_refused(code, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert construct in e.value.construct
    assert e.value.position is not None


CHOSEN_MATH = [
    ("(t>>12&1?sin:cos)(t/40)", "float"),
    ("f=p=>(p?Math.cos:int)(t/9),f(t>>11&1)*3", "uint8"),
    ("g=(s,p)=>(p?s:abs)(p-t/1e3),g(sin,t>>12&1)", "float"),      # a parameter bound to a Math function
]


@pytest.mark.parametrize("code,mode", CHOSEN_MATH)
def test_chosen_math_function_calls_match_reference(code, mode):
    test_arrays_read_as_numbers_match_reference(code, mode)


@pytest.mark.parametrize("code,construct", [
    ("(t&1?random:sin)(t)", "call of Conditional"),                # random draws change the state
    ("s=sin,(t&1?s:cos)(t)", "call of Conditional"),                # an alias may not be set yet
    ("(t&1?sin:t)(t)", "call of Conditional"),
])
def test_chosen_calls_outside_the_subset_stay_refused(code, construct):
    test_refused(code, construct)


TABLES_WITH_NUMBER_ROWS = [
    ("v=-9e9,t*2**([[14,9,6,4],[16,11,7,4],v][t>>12&3][t>>10&3]/12)&255", "uint8"),   # v[j]: undefined
    ("[[t,1],5,[2,t>>3]][t>>11&3][t>>9&1]", "uint8"),              # row 3 missing: TypeError, NaN
    ("[a=[6,6,11],a,[7,7,6]][t>>12&3][t>>10&3]*t", "uint8"),         # rows held by a global
    # a row that is a string (a global set to one string is folded to its literal, and
    # a choice between strings is a string): its characters, ToNumber -> NaN
    ("v='abc',[[1,2],v][t>>9&1][t>>8&1]*t", "uint8"),
    ("v=t>>12&1?'abc':'xy',[[1,2],v][t>>9&1][t>>8&1]*t", "uint8"),
]


@pytest.mark.parametrize("code,mode", TABLES_WITH_NUMBER_ROWS)
def test_tables_with_number_rows_match_reference(code, mode):
    test_arrays_read_as_numbers_match_reference(code, mode)


@pytest.mark.parametrize("code,construct", [
    ("x=t&2?5:undefined,[[1,2],x][t&1][0]", "a value that is sometimes an array or string and sometimes not"),
])
def test_tables_with_other_rows_stay_refused(code, construct):
    test_refused(code, construct)
