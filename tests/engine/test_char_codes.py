"""charCodeAt of a one-character string (a string literal indexed, `'abc'[i].charCodeAt()`),
and undefined.charCodeAt throwing before its arguments run. Compared sample by sample with
the reference player (skipped without Node)."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    "'OPPQRSTU'[t>>9&15].charCodeAt()*t>>6",                      # past the end: TypeError, held
    "'ab\\u4e00'[t>>10&3].charCodeAt(t>>8&1)^t",                  # index 1 of one character: NaN
    "c=0,s='xyz'[t>>9&3],(s.charCodeAt(c++,-.5)+c)*t",            # c counts only calls that ran
    "t||(k=0),a=t>>10&1?'pq':undefined,t&1?a.charCodeAt(k++):k&255",   # undefined: k++ never runs
]


@pytest.mark.parametrize("code", SONGS)
def test_char_codes_match_reference(code):
    check_song(code, "uint8")
    req = BytebeatRequest(code, "uint8", 8000, 0.25)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, "uint8", 8000, req.sample_count)
    assert_same_samples(ours, ref)
