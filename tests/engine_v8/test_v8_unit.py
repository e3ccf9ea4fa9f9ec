"""Unit tests of the embedded-V8 tier (real V8 through mini-racer, no mocks)."""
from __future__ import annotations

import math
import time

import numpy as np
import pytest

pytest.importorskip("py_mini_racer")

from engine.errors import EngineError, RenderTimeoutError, SongRuntimeError, SongSyntaxError  # noqa: E402
from engine.v8 import SongMemoryError, V8SongRunner, load_song  # noqa: E402


def render(code, mode="uint8", rate=8000, n=256, t0=0, **kw):
    r = load_song(code, mode, rate, **kw)
    try:
        L, R = np.empty(n), np.empty(n)
        st = r.fill(t0, L, R)
        return L, R, st
    finally:
        r.close()


def assert_healthy():
    """After a failure the process must still render the next song."""
    L, R, st = render("t*(t>>5|t>>8)", n=64)
    t = np.arange(64)
    assert np.array_equal(L, t * (t >> 5 | t >> 8))


# ------------------------------------------------------------------ formulas and modes

@pytest.mark.parametrize("mode", ["uint8", "int8", "float"])
def test_classic_formula_values(mode):
    n = 5000
    L, R, st = render("t*(t>>5|t>>8)", mode=mode, n=n, t0=1000)
    t = np.arange(1000, 1000 + n, dtype=np.int64)
    expect = (t * ((t >> 5) | (t >> 8))).astype(np.float64)
    assert st is False
    assert np.array_equal(L, expect) and np.array_equal(R, expect)


def test_float_formula_and_int_window_math_names():
    n = 300
    L, _, _ = render("sin(t/10)/2 + int(t/7)/1e3 + (window===this) + PI*0 + Math.abs(-1)*0", mode="float", n=n)
    t = np.arange(n)
    expect = np.sin(t / 10) / 2 + np.floor(t / 7) / 1e3 + 1
    assert np.allclose(L, expect, rtol=0, atol=1e-15)


def test_func_mode_time_and_rate():
    rate = 44100
    L, R, st = render("return (t, sr) => t * sr + sr / 1e6", mode="func", rate=rate, n=100, t0=10)
    expect = np.array([(i / rate) * rate + rate / 1e6 for i in range(10, 110)])
    assert np.array_equal(L, expect) and np.array_equal(R, expect)


def test_func_mode_this_is_the_processor_and_closures_keep_state():
    L, _, _ = render("let k = 0; return function () { return this.sampleRate + (k++) / 1000 }",
                     mode="func", rate=32000, n=5)
    # the test call at t = 0 took k = 0
    assert list(L) == [32000 + i / 1000 for i in range(1, 6)]


def test_func_outer_call_throwing_keeps_outer_function():
    # the player keeps the outer function if calling it throws; then it runs per sample
    r = load_song("if (this === undefined) {} ; throw 5", "func", 8000)
    try:
        assert r.test_call_error == "thrown: 5"
        L, R = np.empty(4), np.empty(4)
        r.fill(0, L, R)
        assert np.isnan(L).all()
    finally:
        r.close()


def test_empty_code_is_zero_and_packer_is_decoded():
    L, _, _ = render("   ", n=4)
    assert list(L) == [0, 0, 0, 0]
    packed = "eval(unescape(escape`" + "".join(
        chr(0xD800 | 0) for _ in range(0)) + "t*2`.replace(/u(..)/g,\"$1%\")))"
    L, _, _ = render(packed, n=4)
    assert list(L) == [0, 2, 4, 6]


def test_syntax_error_has_message_and_position():
    with pytest.raises(SongSyntaxError) as e:
        load_song("t*(t>>5|\n  t>>8))", "uint8", 8000)
    assert "Unexpected token ')'" in str(e.value)
    assert (e.value.position.line, e.value.position.column) == (2, 8)
    with pytest.raises(SongSyntaxError) as e:
        load_song("let a = 1;\nreturn t => a +;", "func", 8000)
    assert e.value.position.line == 2
    assert_healthy()


# ------------------------------------------------------------------ state and side effects

def test_globals_keep_state_across_samples_and_fill_calls():
    r = load_song("a = (typeof a == 'number' ? a : 0) + 1", "uint8", 8000)
    try:
        L, R = np.empty(100), np.empty(100)
        r.fill(0, L, R)
        assert list(L) == list(range(2, 102))  # the test call made a = 1
        r.fill(100, L, R)
        assert list(L) == list(range(102, 202))
    finally:
        r.close()


def test_test_call_side_effects_and_non_fatal_exception():
    r = load_song("t ? (calls = calls + 1) : (calls = 0, undefinedName)", "uint8", 8000)
    try:
        assert r.test_call_error.startswith("ReferenceError")
        L, R = np.empty(3), np.empty(3)
        r.fill(1, L, R)
        assert list(L) == [1, 2, 3]
        r.fill(0, L[:1], R[:1])  # t = 0 again throws: NaN
        assert math.isnan(L[0])
    finally:
        r.close()


def test_this_is_global_and_globals_reset_per_song():
    L, _, _ = render("this.x = (this.x|0) + 1", n=3)
    assert list(L) == [2, 3, 4]
    L, _, _ = render("typeof x == 'undefined' ? 7 : 9", n=1)  # new context: no x
    assert L[0] == 7


def test_builtins_are_frozen_like_the_player():
    L, _, _ = render("(Math.sin = 5, Array.prototype.foo = 1, o = {}, o.toString = 3, "
                     "typeof Math.sin == 'function' && [].foo === undefined && typeof o.toString == 'function') | 0", n=1)
    assert L[0] == 1


# ------------------------------------------------------------------ values -> NaN / ToNumber

def test_exceptions_and_conversions():
    code = ("[() => undefinedName, () => 'abc', () => '12', () => undefined, () => null, () => true, () => 1n,"
            " () => Symbol(), () => ({valueOf(){return 4}}), () => ({valueOf(){throw 1}}), () => 0/0, () => -0,"
            " () => 1/0][t]()")
    L, R, st = render(code, n=13, mode="float")
    assert st is False
    expect = [math.nan, math.nan, 12, math.nan, 0, 1, math.nan, math.nan, 4, math.nan, math.nan, -0.0, math.inf]
    for got, exp in zip(L, expect):
        assert (math.isnan(got) and math.isnan(exp)) or (got == exp and math.copysign(1, got) == math.copysign(1, exp))
    assert np.array_equal(L, R, equal_nan=True)


def test_stereo_and_channel_order():
    L, R, st = render("[t, -t]", n=4)
    assert st is True and list(L) == [0, 1, 2, 3] and list(R) == [0, -1, -2, -3]
    # right channel converted first, then left (the player's loop runs ch = 1, 0)
    L, R, st = render("o = '', [{valueOf: () => (o += 'L', o.length)}, {valueOf: () => (o += 'R', o.length * 10)}]", n=2)
    assert st is True and list(L) == [2, 2] and list(R) == [10, 10]
    # arrays at some samples only; a missing element is undefined -> NaN
    L, R, st = render("t % 2 ? [t] : t", n=4)
    assert st is True and L[1] == 1 and math.isnan(R[1]) and L[2] == R[2] == 2
    L, R, st = render("t", n=4)
    assert st is False


def test_fill_handles_block_size_changes():
    r = load_song("t & 255", "uint8", 8000)
    try:
        for t0, n in ((0, 10), (10, 100000), (100010, 3), (100013, 70000)):
            L, R = np.empty(n), np.empty(n)
            r.fill(t0, L, R)
            assert np.array_equal(L, (np.arange(t0, t0 + n) & 255).astype(float))
    finally:
        r.close()


# ------------------------------------------------------------------ seeded random

def _v8_random(seed: int, count: int) -> list[float]:
    """V8's Math.random with --random-seed=SEED, written independently in Python."""
    M = (1 << 64) - 1

    def fmix(h):
        h ^= h >> 33
        h = (h * 0xFF51AFD7ED558CCD) & M
        h ^= h >> 33
        h = (h * 0xC4CEB9FE1A85EC53) & M
        h ^= h >> 33
        return h

    s0, s1 = fmix(seed & M), fmix(~seed & M)
    out: list[float] = []
    while len(out) < count:
        cache = []
        for _ in range(64):
            a, b = s0, s1
            s0 = b
            a ^= (a << 23) & M
            a ^= a >> 17
            a ^= b
            a ^= b >> 26
            s1 = a
            cache.append((s0 >> 12) / 2 ** 52)
        out.extend(reversed(cache))
    return out[:count]


def test_seeded_random_is_v8s_generator_and_reproducible():
    n = 300
    L1, _, _ = render("random()", mode="float", n=n)
    L2, _, _ = render("Math.random()", mode="float", n=n)
    expect = _v8_random(42, n + 1)[1:]  # the test call drew the first value
    assert list(L1) == expect and list(L2) == expect
    L3, _, _ = render("random()", mode="float", n=n, random_seed=7)
    assert list(L3) == _v8_random(7, n + 1)[1:]


# ------------------------------------------------------------------ Node 20 Math

def test_math_names_are_node20s():
    L, _, _ = render("Object.getOwnPropertyNames(Math).length*1000 + (typeof f16round == 'undefined')*1 "
                     "+ (typeof Math.f16round == 'undefined')*10", n=1)
    assert L[0] == 43011


def test_pow_operator_matches_math_pow():
    r = load_song("x = 1.0001 + t / 977, [x ** 2.7, Math.pow(x, 2.7)]", "float", 8000)
    try:
        L, R = np.empty(2000), np.empty(2000)
        r.fill(0, L, R)
        assert np.array_equal(L, R)
        if r.math_installed:
            assert r.pow_rewritten
    finally:
        r.close()


def test_pow_assignment_rewrite():
    r = load_song("t || (x = 1.0001, o = {p: 1.0002}), x **= 1.01, o.p **= 1.001, [x, o.p]", "float", 8000)
    try:
        L, R = np.empty(50), np.empty(50)
        r.fill(1, L, R)
    finally:
        r.close()
    r2 = load_song("t || (x = 1.0001, o = {p: 1.0002}), x = Math.pow(x, 1.01), o.p = Math.pow(o.p, 1.001), [x, o.p]",
                   "float", 8000)
    try:
        L2, R2 = np.empty(50), np.empty(50)
        r2.fill(1, L2, R2)
    finally:
        r2.close()
    assert np.array_equal(L, L2) and np.array_equal(R, R2)


def test_pow_rewrite_keeps_semantics():
    code = ("[2 ** 10, (-8) ** (1/3), 2 ** -1, 2 ** 3 ** 2, (2n ** 64n == 18446744073709551616n) * 1, "
            "({valueOf(){return 3}}) ** 2, '2' ** '3', a ** 2, [3][0] ** 2, `2` ** 2, 2 ** 0.5][t]")
    r = load_song("a = 5, " + code, "float", 8000)
    try:
        L, R = np.empty(11), np.empty(11)
        r.fill(0, L, R)
        assert list(L[[0, 2, 3, 4, 5, 6, 7, 8, 9]]) == [1024, 0.5, 512, 1, 9, 8, 25, 9, 4]
        assert math.isnan(L[1]) and L[10] == 2 ** 0.5
    finally:
        r.close()


# ------------------------------------------------------------------ sandbox

@pytest.mark.parametrize("expr", [
    "typeof process", "typeof require", "typeof fetch", "typeof setTimeout", "typeof Deno",
    "typeof module", "typeof importScripts", "typeof __timer_manager", "typeof Temporal",
    "typeof Function('return this')().process",
    "(()=>{}).constructor.constructor('return typeof setTimeout')()",
])
def test_no_host_objects(expr):
    L, _, _ = render(f"({expr}) == 'undefined' ? 1 : 0", n=1)
    assert L[0] == 1, expr


def test_dynamic_import_is_rejected():
    r = load_song("t ? (typeof res == 'string' ? 1 : 0) : (import('fs').then(() => res = 0, e => res = String(e)), 0)",
                  "uint8", 8000)
    try:
        L, R = np.empty(4), np.empty(4)
        r.fill(1, L, R)  # the rejection is delivered after the test call's job
        assert list(L) == [1, 1, 1, 1]
    finally:
        r.close()


def test_endless_loop_in_fill_times_out_and_process_stays_healthy():
    r = load_song("t > 100 ? eval('for(;;);') : t", "uint8", 8000, block_timeout=1.0)
    L, R = np.empty(1000), np.empty(1000)
    t = time.monotonic()
    with pytest.raises(RenderTimeoutError):
        r.fill(0, L, R)
    assert time.monotonic() - t < 5
    with pytest.raises(EngineError):  # the runner is dead afterwards
        r.fill(0, L, R)
    assert_healthy()


def test_endless_loop_in_test_call_times_out_at_load():
    with pytest.raises(RenderTimeoutError):
        load_song("return function f() { for (;;); }", "func", 8000, block_timeout=1.0)
    assert_healthy()


def test_deadline():
    r = load_song("(() => { let x = 0; for (let i = 0; i < 3e6; i++) x += i; return x })()", "uint8", 8000,
                  deadline=time.monotonic() + 1.5)
    L, R = np.empty(100000), np.empty(100000)
    with pytest.raises(RenderTimeoutError, match="deadline"):
        r.fill(0, L, R)
    assert_healthy()


def test_wasm_endless_loop_and_atomics_wait_time_out():
    wasm = ("new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array([0,97,115,109,1,0,0,0,1,4,1,96,0,0,"
            "3,2,1,0,7,5,1,1,102,0,0,10,9,1,7,0,3,64,12,0,11,11]))).exports.f()")
    for code in (f"t > 5 ? {wasm} : t", "t > 5 ? Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0) : t"):
        r = load_song(code, "uint8", 8000, block_timeout=1.0)
        with pytest.raises(RenderTimeoutError):
            r.fill(0, np.empty(100), np.empty(100))
    assert_healthy()


def test_async_hooks_cannot_run_song_code_later():
    # Atomics.waitAsync timers and FinalizationRegistry callbacks would run between fills
    L, _, _ = render("typeof Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1)", n=1)
    assert math.isnan(L[0])
    r = load_song("t || (fr = new FinalizationRegistry(() => { for (;;); }), fr.register({}, 1), "
                  "fr.register([], 2, tok = {}), un = fr.unregister(tok)), junk = new Array(1000).fill(t), un",
                  "uint8", 8000, block_timeout=2.0)
    try:
        L, R = np.empty(4096), np.empty(4096)
        for k in range(4):
            r.fill(4096 * k, L, R)
            r._mr.low_memory_notification()  # full GC: would queue the cleanup callback
        assert L[0] == 1
    finally:
        r.close()


def test_heap_memory_bomb_fails_cleanly():
    r = load_song("t < 100 ? t : (this.a = this.a || [], a.push(new Array(1e6).fill(1.5)), 0)", "uint8", 8000,
                  memory_mb=64, block_timeout=20)
    with pytest.raises(SongMemoryError, match="memory limit of 64 MB"):
        r.fill(0, np.empty(4096), np.empty(4096))
    assert_healthy()


def test_buffer_memory_bomb_fails_cleanly():
    # ArrayBuffers live outside V8's heap limit: the resident-size watchdog stops them
    r = load_song("t < 10 ? t : (this.b = this.b || [], b.push(new Float64Array(1.25e7).fill(1)), b.length)",
                  "uint8", 8000, memory_mb=64, block_timeout=20)
    with pytest.raises(SongMemoryError, match="memory limit"):
        r.fill(0, np.empty(4096), np.empty(4096))
    assert_healthy()


def test_huge_string_and_deep_recursion_give_nan():
    L, _, _ = render("t || (s = 'x'), s += s, s.length", n=40)
    assert np.isnan(L[30:]).all()  # RangeError: Invalid string length, caught per sample
    L, _, _ = render("f = x => f(x + 1) + 1, f(0)", n=3)
    assert np.isnan(L).all()  # RangeError: Maximum call stack size exceeded
    assert_healthy()


def test_reentrant_entry_point_is_refused():
    # a song that finds the hidden entry point cannot render into its own buffer
    L, _, _ = render("k = Object.getOwnPropertyNames(globalThis).find(n => n.startsWith('__bb_') && !n.endsWith('_pow')),"
                     " this[k].fill(0, 10)", n=2)
    assert list(L) == [-1, -1]


def test_runner_protocol_surface():
    r = load_song("t", "uint8", 8000)
    try:
        assert isinstance(r, V8SongRunner) and r.tier == "v8"
        assert r.fill(0, np.empty(0), np.empty(0)) is False
    finally:
        r.close()
    with pytest.raises(EngineError):
        r.fill(0, np.empty(2), np.empty(2))
    with pytest.raises(EngineError):
        load_song("t", "bogus", 8000)
    assert issubclass(SongMemoryError, SongRuntimeError)


def test_value_to_byte_helper_agrees_with_engine_modes():
    from tests.engine_v8.refmap import own_channel_bytes
    modes = pytest.importorskip("engine.modes")
    rng = np.random.default_rng(1)
    x = np.concatenate([[math.nan, math.nan, -0.5, 2.0 ** 40 + 3.7, -2.0 ** 70, math.inf, -math.inf, -0.0],
                        rng.normal(0, 1e3, 500), np.where(rng.random(100) < .3, math.nan, 1.0)])
    for mode in ("uint8", "int8", "float", "func"):
        assert np.array_equal(own_channel_bytes(mode, x), modes.ChannelHold(mode).map(x.copy()))


def test_runners_in_parallel_threads_are_independent():
    import threading
    codes = ["t*(t>>5|t>>8)", "random()*256", "a = (typeof a == 'number' ? a : 0) + 3", "sin(t/50)**2*255"]
    expect = [render(c, n=20000)[0] for c in codes]
    got = [None] * len(codes)

    def work(i):
        r = load_song(codes[i], "uint8", 8000)
        L, R = np.empty(20000), np.empty(20000)
        for k in range(0, 20000, 5000):
            r.fill(k, L[k:k + 5000], R[k:k + 5000])
        got[i] = L
        r.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(codes))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    for e, g in zip(expect, got):
        assert g is not None and np.array_equal(e, g)


async def test_works_inside_a_running_event_loop():
    L, R, st = render("t*3", n=8)
    assert list(L) == [3 * i for i in range(8)]
    with pytest.raises(SongSyntaxError):
        load_song("t+", "uint8", 8000)
    with pytest.raises(RenderTimeoutError):
        load_song("for(;;);", "func", 8000, block_timeout=0.5)


def test_builtins_are_node20s():
    # features that came after Node 20 are absent, as in the reference renderer
    L, _, _ = render("[typeof Iterator, typeof [].values().map, typeof new Set().union, typeof Promise.try, "
                     "typeof Object.groupBy, typeof Uint8Array.fromBase64, typeof Float16Array, typeof Math.f16round,"
                     " typeof ArrayBuffer.prototype.transfer].every(x => x == 'undefined') * 1", n=1)
    assert L[0] == 1
    L, _, _ = render("[typeof [].findLast, typeof [].toSorted, typeof ''.isWellFormed, typeof structuredClone, "
                     "typeof Array.prototype.at].join()", n=1)
    assert math.isnan(L[0])  # a string: NaN; the check below reads the text itself
    r = load_song("t", "uint8", 8000)
    try:
        assert r._eval("[typeof [].findLast, typeof [].toSorted, typeof ''.isWellFormed, typeof Array.prototype.at]"
                       ".join()", "test") == "function,function,function,function"
    finally:
        r.close()
