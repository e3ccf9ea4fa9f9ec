"""Sample-by-sample comparison with the shared reference renderer (Node).

Skipped when node or ../shared/bytebeat is absent. The full corpus run is
`python -m bench.fidelity`; here a deterministic sample keeps the test quick.
"""
import hashlib

import numpy as np
import pytest

import engine
from engine import BytebeatRequest, render_samples
from engine.compiled import check_song
from tests.engine.reference import assert_same_samples, reference_bytes, reference_samples, reference_stats, require_corpus

pytestmark = pytest.mark.reference

FORMULAS = [
    "t*(t>>5|t>>8)", "t&t>>8", "(t*5&t>>7)|(t*3&t>>10)", "t*((t>>12|t>>8)&63&t>>4)", "t/3", "-t/5",
    "t*1e10", "t*t*t*t/3", "(t>>>3)*(t>>>-1)", "t%7-3.5", "-t%13", "t/1000%1", "t**2/1e6",
    "(t/100)**0.5*30", "~t", "!t+t", "t>>1^t>>3", "t<<3", "t*1.5|0", "1/0", "t%100?t:0/0",
    "t&1?undefined:t", "[t,t>>1]", "[t*2,t*3][t>>10&1]", "[1,2,3,5,8][t>>11&7]*t",
    "'36364689'[t>>13&7]*t", "t*('36364689'[t>>13&7])", "'0123 abc'.charCodeAt(t>>11&7)",
    "t*parseInt('36364689'[t>>13&7],16)", "a=t>>4,a*t", "t||(x=0),x+=t&7,x", "this.y??=t,y+t",
    "Math.round(t/7)", "round(-t/7)", "floor(t/3)+ceil(t/5)+trunc(-t/7)", "abs(-t)+sqrt(t)",
    "min(t,300,t>>2)+max(t&7,3)", "sign(t-100)*t", "fround(t/3)*3", "imul(t,t*3)", "clz32(t)*t",
    "int(t/2.5)", "t>1e3&&t<2e3?t:t>>2", "t&&(t&1)||5", "(t&255)==(t&127)?1:t", "'5'==t%10?t:0",
    "(c=t>>8,c&1)?c*t:-c*t", "x=t,x++,x*2", "t*-0", "-0", "1e300*t", "[t>>4,,][t&1]",
    "t*(t%3?0.4999999999999999:2.5)", "t/(t&255)", "(t&1)-0.5", "t/8000", "-(t&1)",
    "sin(t/10)*64+64", "cos(t*PI/128)", "2**(t/8000)*t", "t*2**((t>>11&7)/12)", "tan(t/1e3)",
    "exp(-(t%4000)/800)*sin(t/5)", "log(t+1)*20", "atan2(t,100)", "pow(t%7,1.5)", "cbrt(t)",
    "tanh(t/1000-4)", "sinh(t%100/50)", "log2(t+1)*t",
]


@pytest.mark.parametrize("mode", ["uint8", "int8", "float"])
@pytest.mark.parametrize("code", FORMULAS)
def test_formula_matches_reference(code, mode):
    req = BytebeatRequest(code, mode, 8000, 0.5)
    try:
        ours = render_samples(req, tier="compiled")
    except engine.NotCompiledError as e:
        pytest.skip(str(e))
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


def test_hash_convention_matches_reference_stats():
    code = "t<99?t:[t,t>>1]"
    stats = reference_stats(code, "float", 8000, 4000)
    ours = render_samples(BytebeatRequest(code, "float", 8000, 0.5))
    assert stats["channels"] == 2
    assert hashlib.sha256(ours.astype("<f4").tobytes()).hexdigest() == stats["sha256"]
    raw = reference_bytes(code, "uint8", 8000, 4000)
    assert hashlib.sha256(raw).hexdigest() == reference_stats(code, "uint8", 8000, 4000)["sha256"]


def corpus_sample(limit=40):
    songs = require_corpus()
    eligible = []
    for s in songs:
        if s.get("reference_error") or s.get("uses_random") or s["sample_rate"] != int(s["sample_rate"]):
            continue
        try:
            check_song(s["code"], s["mode"])
        except engine.EngineError:
            continue
        eligible.append(s)
    step = max(1, len(eligible) // limit)
    return eligible[::step][:limit], len(eligible)


def test_corpus_sample_matches_reference_hashes():
    sample, total = corpus_sample()
    assert total > 0
    differ = []
    for s in sample:
        req = BytebeatRequest(s["code"], s["mode"], int(s["sample_rate"]), 10)
        a = render_samples(req, tier="compiled")
        if a.dtype == np.float32:
            a = a.astype("<f4")
        if hashlib.sha256(a.tobytes()).hexdigest() != s["ref_sha256_10s"]:
            differ.append(s["id"])
    assert differ == [], f"{len(differ)} of {len(sample)} sampled corpus songs differ: {differ}"
