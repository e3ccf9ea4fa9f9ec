"""The fdlibm functions' vector variants (engine.compiled.vector_math) give the port's
bits on every lane, and optimized kernels call them."""
import ctypes

import llvmlite.binding as llvm
import numpy as np
import pytest

from engine.compiled import check_song, codegen, jit, vector_math
from engine.compiled.analysis import fdlibm_address, fdlibm_names
from engine.compiled.kernel import CompiledSong, Kernel


def apply_variant(name: str, lanes: int, *columns: np.ndarray) -> np.ndarray:
    """The variant `name`/`lanes` over arrays (length a multiple of `lanes`), through the
    optimizing JIT, as a vectorised kernel calls it."""
    vt = f"<{lanes} x double>"
    symbol = vector_math.vector_symbol(name, lanes)
    loads = "\n".join(f"  %p{k} = getelementptr double, ptr %src{k}, i64 %i\n  %x{k} = load {vt}, ptr %p{k}, align 8"
                      for k in range(len(columns)))
    args = ", ".join(f"{vt} %x{k}" for k in range(len(columns)))
    params = ", ".join(f"ptr %src{k}" for k in range(len(columns)))
    ir_text = f"""
declare {vt} @{symbol}({", ".join([vt] * len(columns))})
define void @"fill"({params}, ptr %dst, i64 %n) {{
entry:
  br label %loop
loop:
  %i = phi i64 [0, %entry], [%next, %loop]
{loads}
  %y = call {vt} @{symbol}({args})
  %q = getelementptr double, ptr %dst, i64 %i
  store {vt} %y, ptr %q, align 8
  %next = add i64 %i, {lanes}
  %more = icmp slt i64 %next, %n
  br i1 %more, label %loop, label %exit
exit:
  ret void
}}
"""
    fill = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * (len(columns) + 1), ctypes.c_int64)(
        jit.OPTIMIZED.compile(ir_text))
    columns = [np.ascontiguousarray(c, dtype=np.float64) for c in columns]
    out = np.empty_like(columns[0])
    fill(*[c.ctypes.data for c in columns], out.ctypes.data, len(out))
    return out


def scalar(name: str):
    arity = vector_math.arity(name)
    return ctypes.CFUNCTYPE(ctypes.c_double, *[ctypes.c_double] * arity)(fdlibm_address(name))


def trig_arguments() -> np.ndarray:
    """Every branch of s_sin.c / s_cos.c and e_rem_pio2.c, many times over."""
    rng = np.random.default_rng(7)
    any_exponent = (rng.integers(0, 2**52, 100_000) | (rng.integers(0x3C0, 0x420, 100_000) << 52)
                    | (rng.integers(0, 2, 100_000) << 63)).view(np.float64)
    parts = [
        rng.uniform(-10, 10, 100_000),
        rng.uniform(-2e6, 2e6, 50_000),                       # beyond 2^19*pi/2: lane by lane
        np.arange(200_000) * (2 * np.pi * 440 / 44100),       # a song's sine, t up to 4.5 s
        np.arange(0, 2**31, 2**31 // 50_000) / 48000.0,
        rng.integers(-2**20, 2**20, 50_000) * (np.pi / 2),    # near multiples of pi/2: 2nd, 3rd rounds
        rng.integers(-40, 40, 50_000) * (np.pi / 2) + rng.normal(0, 1e-9, 50_000),   # fdlibm's table
        any_exponent,
        np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, -5e-324, 1e-300, 2**-27, np.pi / 4,
                  -np.pi / 4, 3 * np.pi / 4, -3 * np.pi / 4, np.pi / 2, -np.pi / 2, 1647099.0, 1647100.0,
                  -1647100.0, 1e300, 0.3, 0.78125, 0.7853981633974483]),
    ]
    xs = np.concatenate(parts)
    # the thresholds' neighbours: each high word fdlibm compares with, and one ulp around
    for hi in (0x3E400000, 0x3FD33333, 0x3FE90000, 0x3FE921FB, 0x3FF921FB, 0x4002D97C, 0x413921FB, 0x7FF00000):
        word = np.array([hi << 32, (hi << 32) - 1, (hi << 32) + 0x54442D18, (hi + 1) << 32], dtype=np.int64)
        xs = np.concatenate([xs, word.view(np.float64), -word.view(np.float64)])
    return np.concatenate([xs, np.zeros(-len(xs) % 8)])


@pytest.mark.parametrize("lanes", vector_math.LANES)
@pytest.mark.parametrize("name", ["sin", "cos", "tan"])
def test_vector_sin_cos_and_tan_are_the_ports_bits_on_every_lane(name, lanes):
    xs = trig_arguments()
    f = scalar(name)
    expected = np.array([f(x) for x in xs])
    got = apply_variant(name, lanes, xs)
    wrong = np.flatnonzero(got.view(np.int64) != expected.view(np.int64))
    assert not len(wrong), [(xs[k], got[k], expected[k]) for k in wrong[:5]]


def pow_arguments() -> tuple[np.ndarray, np.ndarray]:
    """Bases and exponents over every branch of e_pow.c: the songs' (a fraction to a
    constant power, 2 to a fraction), every exponent of either, and the special values."""
    rng = np.random.default_rng(5)
    n = 60_000
    any_double = (rng.integers(0, 2**52, n) | (rng.integers(0, 0x7FF, n) << 52)).view(np.float64)
    xs = [rng.uniform(0, 1, n), rng.uniform(0, 3e5, n), any_double, np.full(n, 2.0), rng.uniform(0.5, 1.5, n),
          -rng.uniform(0, 10, n), 1 + rng.normal(0, 1e-12, n), np.arange(n) / 48000 * 110 % 1]
    ys = [np.full(n, 1.5), np.full(n, .69), rng.uniform(-40, 40, n), rng.uniform(-12, 12, n) / 12,
          np.tile([2, 0.5, 1, -1, 3, -2, 0.25, 1e-300, 2**31, 2**32, 1e10], n // 11 + 1)[:n],
          rng.integers(-5, 5, n).astype(float), rng.uniform(-1e4, 1e4, n), np.full(n, 1.5)]
    specials = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 5e-324, 2.2250738585072014e-308,
                         1.7976931348623157e308, 0.5, 2.0, 1e-310, 1024.0, -1075.0])
    sx, sy = np.meshgrid(specials, specials)
    x = np.concatenate(xs + [sx.ravel()])
    y = np.concatenate(ys + [sy.ravel()])
    y = np.concatenate([y, np.random.default_rng(6).permutation(y)])   # every base with other exponents too
    x = np.concatenate([x, x])
    pad = -len(x) % 8
    return np.concatenate([x, np.ones(pad)]), np.concatenate([y, np.ones(pad)])


@pytest.mark.parametrize("lanes", vector_math.LANES)
def test_vector_pow_is_the_ports_bits_on_every_lane(lanes):
    x, y = pow_arguments()
    f = scalar("pow")
    expected = np.array([f(a, b) for a, b in zip(x, y)])
    got = apply_variant("pow", lanes, x, y)
    wrong = np.flatnonzero(got.view(np.int64) != expected.view(np.int64))
    assert not len(wrong), [(x[k], y[k], got[k], expected[k]) for k in wrong[:5]]


@pytest.mark.parametrize("name", sorted(fdlibm_names()))
def test_every_functions_variants_compute_the_port_lane_by_lane(name):
    rng = np.random.default_rng(3)
    columns = [np.concatenate([rng.uniform(-20, 20, 4000), rng.standard_normal(4000) * 1e3,
                               [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5]])
               for _ in range(vector_math.arity(name))]
    f = scalar(name)
    expected = np.array([f(*args) for args in zip(*columns)])
    for lanes in vector_math.LANES:
        got = apply_variant(name, lanes, *columns)
        assert got.tobytes() == expected.tobytes()


VECTORISED_SONGS = [
    ("sin(t*2*PI*440/44100)*.5", lambda t, m: m["sin"](t * 2 * np.pi * 440 / 44100) * .5),
    ("cos(t/7)+sin(t*t/3)", lambda t, m: m["cos"](t / 7) + m["sin"](t * t / 3)),   # t*t: lane by lane
    ("tan(t/99)*atan2(t,9)", lambda t, m: m["tan"](t / 99) * m["atan2"](t, 9)),
]


@pytest.mark.parametrize("code,f", VECTORISED_SONGS)
def test_a_song_calling_math_is_vectorised_with_the_ports_bits(code, f):
    info = check_song(code, "float", 8000)
    ir_text = codegen.generate(info)
    kernel = Kernel(info, ir_text, Kernel.signature(jit.OPTIMIZED.compile(ir_text, info.optimize)))
    n = 100_000
    left = np.empty(n)
    CompiledSong(kernel).fill(0, left, np.empty(n))
    port = {name: scalar(name) for name in fdlibm_names()}
    assert left.tobytes() == np.array([f(float(t), port) for t in range(n)]).tobytes()
    # the optimized code calls the vector variants
    with jit.OPTIMIZED.lock:
        mod = llvm.parse_assembly(ir_text, context=jit.OPTIMIZED.context)
        mod.triple = llvm.get_process_triple()
        jit.run_ir_passes(mod, jit.OPTIMIZED.target_machine(), "O2")
        optimized = str(mod)
    assert f"call <8 x double> @{vector_math.VECTOR_SYMBOL_PREFIX}" in optimized \
        or f"call <4 x double> @{vector_math.VECTOR_SYMBOL_PREFIX}" in optimized
