"""`n.toString(radix)[i]` for integer n and a constant radix (engine.compiled.radixdigits),
compared sample by sample with the reference player (skipped without Node)."""
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    "16*(f=t>>3,f.toString(8)[t>>3&15])",
    "128*(f=t>>10,f.toString(2)[t>>3&15])",
    "c=(~t).toString(16)[t>>9&7],c=='a'?200:c=='-'?99:c*9",           # negative: the sign first
    "c=(t<<20).toString(36)[t>>8&7],(c=='-')*50+c*3+(c=='z')*80",
    "c=(t>>>0).toString(7)[t/3],c*30",                                  # a fractional index: undefined
    "(0x6a1ac71ca).toString(5)[-(t&0)]*t+(1099511627776).toString(2)[(t>>7)-3]*64",   # -0 index, large n
]


@pytest.mark.parametrize("code", SONGS)
def test_digit_reads_match_reference(code):
    check_song(code, "uint8")
    req = BytebeatRequest(code, "uint8", 8000, 0.25)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, "uint8", 8000, req.sample_count)
    assert_same_samples(ours, ref)


@pytest.mark.parametrize("code", [
    "(t/3).toString(8)[2]*t",                # not surely an integer: a fraction part
    "f=t>>3,f=t/7,f.toString(2)[1]*t",
    "(t>>3).toString(t&7)[1]*t",             # the radix is not a constant
    "t=t>>1,t.toString(2)[1]*t",             # t holds the sample's time before the assignment
])
def test_other_number_texts_are_refused(code):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert "toString" in e.value.construct
    assert e.value.position is not None
