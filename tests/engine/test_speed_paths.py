"""The compiled tier's fast paths give exactly the double code's results: integer code
(engine.compiled.integers), constant folding, the compiled sample mapping
(engine.compiled.samples), the mono shortcut of the render loop and the on-disk cache
of machine code (engine.compiled.objcache). Expected values are computed in Python
from the ECMAScript rules."""
import json
import math
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import BytebeatRequest, render_samples
from engine.compiled import compile_song, load_song
from engine.compiled.jsvalues import to_int32
from engine.errors import InvalidRequestError
from engine.modes import ChannelHold

ROOT = Path(__file__).resolve().parents[2]


def run(code, t0=0, n=64, mode="uint8"):
    song = load_song(code, mode, 8000)
    left, right = np.empty(n), np.empty(n)
    song.fill(t0, left, right)
    return left


def shl(t: float, k: int) -> float:
    return float(to_int32(float(i32(t) << k)))


def js_div(a: float, c: float) -> float:
    if c == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1.0, c)
    return a / c


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def js_rem(a: float, c: float) -> float:
    """JS `%`: C fmod (sign of the dividend, -0 kept), NaN for a zero divisor."""
    if c == 0:
        return math.nan
    return math.fmod(a, c)


def i32(t: float) -> int:
    return to_int32(t)


def assert_same(got, expected):
    assert len(got) == len(expected)
    for k, (g, e) in enumerate(zip(got, expected)):
        assert bits(g) == bits(e) or (math.isnan(g) and math.isnan(e)), (k, g, e)


@pytest.mark.parametrize("code,f", [
    ("t%7", lambda t: js_rem(t, 7.0)),
    ("(t-40)%7", lambda t: js_rem(t - 40.0, 7.0)),                   # -0 where a negative is divisible
    ("(t-40)%-7", lambda t: js_rem(t - 40.0, -7.0)),
    ("t%((t>>3)-2)", lambda t: js_rem(t, float((i32(t) >> 3) - 2))),  # divisor 0 -> NaN, negative divisors
    ("(t>>2)*((t&7)-3)", lambda t: float(i32(t) >> 2) * float((i32(t) & 7) - 3)),  # 0 * negative = -0
    ("(t-32)*0", lambda t: (t - 32.0) * 0.0),
    ("(t>>1)-(t>>1)", lambda t: 0.0),
    ("t*(t>>5|t>>8)", lambda t: t * float(i32(t) >> 5 | i32(t) >> 8)),
    ("(t>>>1)+(~t)", lambda t: float((i32(t) & 0xFFFFFFFF) >> 1) + float(~i32(t))),
    ("(t<<28)>>>0", lambda t: float((i32(t) << 28) & 0xFFFFFFFF)),
    ("((t%5)<3)+(t==9)+(t!==t)", lambda t: float((t % 5) < 3) + float(t == 9)),
    ("t%3?t:-t", lambda t: t if t % 3 else -t),                          # -0 at t = 0
    ("1e300%t", lambda t: js_rem(1e300, t)),
    # a bitwise result is an integer even when an operand is a double (Infinity, NaN and
    # values beyond 2^31 included), and its fact flows on
    ("(t/(t%3))|(t>>2)", lambda t: float(i32(js_div(t, js_rem(t, 3.0))) | (i32(t) >> 2))),
    ("((t*1e10)^t)%9", lambda t: js_rem(float(i32(t * 1e10) ^ i32(t)), 9.0)),
    ("((t<<5)*1663&t>>5)*-3", lambda t: float(i32(shl(t, 5) * 1663.0) & (i32(t) >> 5)) * -3.0),
    ("(t*t*1e3>>>3)+(t/7|0)", lambda t: float((i32(t * t * 1e3) & 0xFFFFFFFF) >> 3) + float(i32(t / 7))),
    ("((t<<5)*-7)*(t&1)", lambda t: shl(t, 5) * -7.0 * float(i32(t) & 1)),  # -0 stays
])
def test_integer_code_matches_double_rules(code, f):
    for t0 in (0, 2**30 - 20, 2**31 - 65):
        assert_same(run(code, t0, 64), [f(float(t)) for t in range(t0, t0 + 64)])


def test_every_render_fits_the_kernels_range_of_t():
    from engine.compiled.codegen import T_MAX
    from engine.request import MAX_SAMPLE_RATE, MAX_SECONDS
    assert MAX_SAMPLE_RATE * MAX_SECONDS <= T_MAX
    t0 = T_MAX - 64
    assert_same(run("t|0", t0, 64), [float(t) for t in range(t0, t0 + 64)])


def test_t_outside_the_exact_range_is_refused_with_a_clear_error():
    song = load_song("t", "uint8", 8000)
    buf = np.empty(4)
    for t0 in (-1, 2**31 - 3):
        with pytest.raises(InvalidRequestError, match="t0=.* out of range"):
            song.fill(t0, buf, buf.copy())


def test_constant_subexpressions_are_folded_with_v8_results():
    kernel = compile_song("2**(12/26)*t+(7%-3)+(1<<33)+(-5>>>28)+(0/0)", "float", 8000)
    assert "bytebeat_fdlibm_pow" not in kernel.ir_text and " fdiv " not in kernel.ir_text
    from engine.fdlibm import pow as fd_pow
    expect = [fd_pow(2.0, 12 / 26) * t + 1.0 + 2.0 + 15.0 + math.nan for t in range(4)]
    assert_same(run("2**(12/26)*t+(7%-3)+(1<<33)+(-5>>>28)", 0, 4, "float"),
                [fd_pow(2.0, 12 / 26) * t + 18.0 for t in range(4)])
    assert all(math.isnan(x) for x in expect)


EDGES = [0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 127.9, 128.0, -129.0, 255.5, 256.0, 2**31, -2**31 - 1, 2**32 + 7,
         -2**32 - 5.75, 2**53 + 2, 2**63, -2**63, 2**64 + 2**12, 1e300, -1e300, 5e-324, math.inf, -math.inf,
         math.nan, 0.99, -0.99, 1.0000001, -3.4, 0.1]


def python_samples(mode, values, previous):
    out = []
    for x in values:
        if math.isnan(x):
            out.append(previous)
            continue
        if mode == "uint8":
            s = to_int32(x) & 255
        elif mode == "int8":
            s = to_int32(x + 128.0) & 255
        else:
            s = np.float32(max(min(x, 1.0), -1.0))
        out.append(s)
        previous = s
    return out


@pytest.mark.parametrize("mode", ["uint8", "int8", "float", "func"])
def test_compiled_sample_mapping_and_hold(mode):
    rng = np.random.default_rng(7)
    values = np.array(EDGES * 2 + list(rng.normal(0, 1e6, 500)) + [math.nan] * 3 + list(rng.normal(0, 1, 500)),
                      dtype=np.float64)
    hold = ChannelHold(mode)
    got = np.concatenate([hold.map(values[:3 * len(EDGES) // 2]), hold.map(values[3 * len(EDGES) // 2:])])
    start = 128 if mode in ("uint8", "int8") else np.float32(0.0)
    expected = np.array(python_samples(mode, values, start), dtype=got.dtype)
    assert got.tobytes() == expected.tobytes()
    assert hold.nan_count == int(np.isnan(values).sum())


def test_a_song_that_turns_stereo_late_keeps_each_channel_hold():
    # mono (NaN every 3rd sample) until t = 70000, then [NaN-or-t, t]: the right channel
    # must hold its own previous sample from the mono blocks
    code = "t<70000?(t%3?t:0/0):[t%5?t:0/0,t%7?t:0/0]"
    got = render_samples(BytebeatRequest(code, "uint8", 8000, 10))
    n = 80000
    left, right, pl, pr = [], [], 128, 128
    for t in range(n):
        if t < 70000:
            lv = rv = (t if t % 3 else None)
        else:
            lv, rv = (t if t % 5 else None), (t if t % 7 else None)
        pl = pl if lv is None else lv & 255
        pr = pr if rv is None else rv & 255
        left.append(pl)
        right.append(pr)
    assert got.shape == (n, 2)
    assert got[:, 0].tolist() == left and got[:, 1].tolist() == right


PROBE = """
import json, sys, numpy as np
from engine.compiled import load_song, jit
song = load_song(sys.argv[1], "float", 8000)
a, b = np.empty(4000), np.empty(4000)
song.fill(0, a, b)
song.wait_optimized()
print(json.dumps({"hits": jit.object_cache_hits(), "sum": a.tobytes().hex(), "numba": "numba" in sys.modules}))
"""


def test_machine_code_is_cached_on_disk_across_processes(tmp_path):
    env = dict(os.environ, ENGINE_CACHE_DIR=str(tmp_path))
    code = "sin(t/7)*pow(2,(t>>9)%5/3)/3+(t%11)/40"

    def probe():
        p = subprocess.run([sys.executable, "-c", PROBE, code], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout.strip().splitlines()[-1])

    first, second = probe(), probe()
    # (the sample mapping's code is kept with the engine, not in ENGINE_CACHE_DIR: a hit in both)
    assert second["hits"] == first["hits"] + 1
    # sin and pow come from the port's object code (built in a process of its own if missing)
    assert not first["numba"] and not second["numba"]
    assert second["sum"] == first["sum"]
    # a damaged file is not loaded: compiled again, same samples
    for f in tmp_path.rglob("*.o"):
        f.write_bytes(f.read_bytes()[:-7] + b"garbage")
    third = probe()
    assert third["hits"] == first["hits"] and third["sum"] == first["sum"]


HANDOVER_SONGS = [
    "x=(this.x|0)+sin(t/9)*3,x%256",                        # state kept between samples
    "r=random()*t,(r&255)/128-1",                           # the random generator's state
    "(t%25-(t>>2|t*15|t%227)-t>>3)|((t>>5)&(t<<5)*1663|(t>>3)%1544)/(t%17|t%2048 )",
    "f=(a,b=2)=>{for(let i=0;i<3;i++)a+=pow(b,i)*cos(a);return a},f(t/99)%1",
]


@pytest.mark.parametrize("code", HANDOVER_SONGS)
def test_quick_code_hands_over_to_optimized_code_with_the_same_bits(code):
    from engine.compiled import check_song, codegen, jit
    from engine.compiled.kernel import CompiledSong, Kernel
    info = check_song(code, "float", 8000)
    ir_text = codegen.generate(info)
    quick = Kernel(info, ir_text, Kernel.signature(jit.QUICK.compile(ir_text, info.optimize)))  # light passes
    optimized = Kernel(info, ir_text, Kernel.signature(jit.OPTIMIZED.compile(ir_text, info.optimize)))
    n = 20000
    reference = CompiledSong(optimized)
    expected = [np.empty(n) for _ in range(3)]
    for k, block in enumerate(expected):
        reference.fill(k * n, block, np.empty(n))
    song = CompiledSong(quick)                 # test call and first block with the quick code
    got = [np.empty(n) for _ in range(3)]
    song.fill(0, got[0], np.empty(n))
    quick.fill = optimized.fill                # what the background optimizer does
    song.fill(n, got[1], np.empty(n))
    song.fill(2 * n, got[2], np.empty(n))
    assert all(g.tobytes() == e.tobytes() for g, e in zip(got, expected))
    only_quick = CompiledSong(Kernel(info, ir_text, Kernel.signature(jit.QUICK.compile(ir_text, False))))  # none
    block = np.empty(n)
    only_quick.fill(0, block, np.empty(n))
    assert block.tobytes() == expected[0].tobytes()


def test_a_new_song_starts_on_quick_code_and_is_optimized_in_the_background():
    from engine.compiled import jit
    code = "t*(t>>7|t>>9)&(t>>3)+" + str(os.getpid())   # not compiled before, in memory or on disk
    song = load_song(code, "uint8", 8000)
    assert song.wait_optimized(120)
    assert song.kernel.fill is not None
    a = np.empty(5000)
    song.fill(0, a, np.empty(5000))
    pid = os.getpid()
    assert list(a[::7]) == [float(to_int32(t * float(t >> 7 | t >> 9)) & ((t >> 3) + pid)) for t in range(0, 5000, 7)]
    assert jit.OPTIMIZED.is_cached(song.kernel.ir_text, song.kernel.optimize)


def test_analysis_names_the_fdlibm_port_functions_without_importing_it():
    pytest.importorskip("numba")
    import engine.fdlibm
    from engine.compiled import analysis
    assert analysis.fdlibm_names() == frozenset(engine.fdlibm.FUNCTIONS)


def test_two_to_an_integer_is_the_ports_pow_exactly():
    """The kernel builds 2**k of an integer k in [-1022, 1023] from its bits instead of
    calling pow: the port's pow gives exactly that power of two for every such k."""
    pytest.importorskip("numba")
    import engine.fdlibm as fd
    for k in range(-1100, 1100):
        expected = math.ldexp(1.0, k) if k < 1024 else math.inf
        assert fd.pow(2.0, float(k)) == expected, k


@pytest.mark.parametrize("code,k", [
    ("2**((t&63)-40)", lambda t: (t & 63) - 40),
    ("pow(2,(t>>1&7)-3)*3", lambda t: (t >> 1 & 7) - 3),
    ("2**((t&1)*2045-1022)", lambda t: (t & 1) * 2045 - 1022),     # both ends of the normal range
    ("2**((t&3)-1074)", lambda t: (t & 3) - 1074),                 # subnormal results: the pow call
    ("2**(t&2047)", lambda t: t & 2047),                           # beyond 2^1023: the pow call
])
def test_two_to_an_integer_matches_pow(code, k):
    scale = 3.0 if code.endswith("*3") else 1.0
    got = run(code, 0, 256, mode="float")
    assert_same(got, [(math.ldexp(1.0, k(t)) if k(t) < 1024 else math.inf) * scale for t in range(256)])
    assert ("bytebeat_fdlibm_pow" in compile_song(code, "float", 8000).ir_text) == ("1074" in code or "2047" in code)


@pytest.mark.parametrize("code,f", [
    ("2**([-5,2,3,5,7,0,-2,9][t&7]/12)", lambda t, fd: fd.pow(2.0, [-5, 2, 3, 5, 7, 0, -2, 9][t & 7] / 12)),
    ("t*2**([4,7][t&1]/12-2)", lambda t, fd: t * fd.pow(2.0, [4, 7][t & 1] / 12 - 2)),
    ("2**([1,2,3][t%5]/12)", lambda t, fd: fd.pow(2.0, [1, 2, 3][t % 5] / 12) if t % 5 < 3 else math.nan),
    ("sin(-[.5,1e300,0,-0][t&3]*3)", lambda t, fd: fd.sin(-[0.5, 1e300, 0.0, -0.0][t & 3] * 3)),
    ("[2,3,.5][t%3]**1.5", lambda t, fd: fd.pow([2.0, 3.0, 0.5][t % 3], 1.5)),
    ("1/cos([0,1,2][t%3]/0)", lambda t, fd: 1 / fd.cos(_div0([0.0, 1.0, 2.0][t % 3]))),
    # the element goes through comparisons and selects (parseInt of a character), floor,
    # another Math call
    ('2**(parseInt("KMNPRTU9z"[t%11],36)/12)',
     # past the end: parseInt(undefined, 36) is parseInt("undefined", 36)
     lambda t, fd: fd.pow(2.0, int(("KMNPRTU9z" + "")[t % 11] if t % 11 < 9 else "undefined", 36) / 12)),
    ("sin(floor([1.5,-2.5,7][t%3]*3)+.5)", lambda t, fd: fd.sin(math.floor([1.5, -2.5, 7.0][t % 3] * 3) + 0.5)),
    ("atan2(1,cos([1,2,3,4][t&3]))", lambda t, fd: fd.atan2(1.0, fd.cos(float((t & 3) + 1)))),
])
def test_math_of_a_constant_tables_element_is_a_lookup(code, f):
    """Math.<f> of a constant table's element through constant steps is precomputed per
    element with the port: no call per sample, the same values (NaN and -0 included)."""
    pytest.importorskip("numba")
    import engine.fdlibm as fd
    got = run(code, 0, 64, mode="float")
    assert_same(got, [float(f(t, fd)) for t in range(64)])
    assert "call double @\"bytebeat_fdlibm" not in compile_song(code, "float", 8000).ir_text


def _div0(x: float) -> float:
    return math.nan if x == 0 else math.copysign(math.inf, x)


IR_PROBE = """
import hashlib, sys
from engine.compiled import check_song, codegen
print(hashlib.sha256(codegen.generate(check_song(sys.argv[1], "uint8", 8000)).encode()).hexdigest())
"""


def test_a_songs_ir_is_the_same_in_every_process():
    """The IR text is the disk cache's key: it must not depend on the process's string
    hashing (records' holders once took their state slots in a set's order)."""
    code = "t||(Bq={l:0,w:1},Cx={p:-1,t:0},Dz={p:2},Ea={k:3},Fo={m:4}),Bq.l+Cx.p+Dz.p+Ea.k+Fo.m+t"
    digests = set()
    for seed in ("1", "2", "3", "4", "5", "6"):
        p = subprocess.run([sys.executable, "-c", IR_PROBE, code], cwd=ROOT, capture_output=True, text=True,
                           env=dict(os.environ, PYTHONHASHSEED=seed), timeout=120)
        assert p.returncode == 0, p.stderr
        digests.add(p.stdout.strip())
    assert len(digests) == 1
