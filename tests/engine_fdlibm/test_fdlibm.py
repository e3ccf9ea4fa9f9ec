"""Bit-exactness of the V8 11.3 Math ports against Node 20.

* JS port (engine/v8/fdlibm.js) evaluated in Node == Node's built-in Math.
* numba port (engine.fdlibm) == Node's built-in Math.
* C-ABI cfunc addresses callable through ctypes.
Comparisons are on float64 bit patterns; any NaN equals any NaN.
"""
import ctypes
import json

import numba
import numpy as np
import pytest

from .conftest import BINARY, FDLIBM_JS, UNARY

fd = pytest.importorskip("engine.fdlibm")


def mismatches(got, want):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    same = (got.view(np.uint64) == want.view(np.uint64)) | (np.isnan(got) & np.isnan(want))
    return np.flatnonzero(~same)


def describe(idx, args, got, want, n=5):
    rows = []
    for i in idx[:n]:
        a = tuple(float(x[i]).hex() for x in args)
        rows.append(f"args={a} got={float(got[i])!r} want={float(want[i])!r}")
    return f"{len(idx)} mismatches of {len(got)}:\n  " + "\n  ".join(rows)


@numba.njit
def _map1(f, a):
    out = np.empty_like(a)
    for i in range(a.size):
        out[i] = f(a[i])
    return out


@numba.njit
def _map2(f, a, b):
    out = np.empty_like(a)
    for i in range(a.size):
        out[i] = f(a[i], b[i])
    return out


def test_argument_counts(args):
    assert len(args["unary"]) >= 100_000
    assert len(args["bx"]) >= 100_000


@pytest.mark.parametrize("name", UNARY)
def test_js_port_unary_matches_node(name, args, node_results):
    got, want = node_results["port"][name], node_results["native"][name]
    bad = mismatches(got, want)
    assert bad.size == 0, describe(bad, [args["unary"]], got, want)


@pytest.mark.parametrize("name", BINARY)
def test_js_port_binary_matches_node(name, args, node_results):
    got, want = node_results["port"][name], node_results["native"][name]
    bad = mismatches(got, want)
    assert bad.size == 0, describe(bad, [args["bx"], args["by"]], got, want)


def test_node_pow_operator_is_math_pow(args, node_results):
    got, want = node_results["native"]["**"], node_results["native"]["pow"]
    bad = mismatches(got, want)
    assert bad.size == 0, describe(bad, [args["bx"], args["by"]], got, want)


@pytest.mark.parametrize("name", UNARY)
def test_numba_unary_matches_node(name, args, node_results):
    got = _map1(fd.FUNCTIONS[name], args["unary"])
    want = node_results["native"][name]
    bad = mismatches(got, want)
    assert bad.size == 0, describe(bad, [args["unary"]], got, want)


@pytest.mark.parametrize("name", BINARY)
def test_numba_binary_matches_node(name, args, node_results):
    got = _map2(fd.FUNCTIONS[name], args["bx"], args["by"])
    want = node_results["native"][name]
    bad = mismatches(got, want)
    assert bad.size == 0, describe(bad, [args["bx"], args["by"]], got, want)


def test_python_call_of_njit_function():
    # no Node needed: a few values that glibc rounds differently from V8
    assert fd.pow(0.08984375, 19.7) == 2.4194188106376805e-21
    assert fd.pow(24.0, 0.7890625) == 12.276453775399197
    assert fd.sin(1e300) == -0.8178819121159085
    assert np.isnan(fd.log(-1.0)) and fd.log(0.0) == -np.inf
    assert fd.exp(1.0) == 2.718281828459045


def test_cfunc_addresses_ctypes(args):
    addrs = fd.cfunc_addresses()
    assert set(addrs) == set(UNARY) | set(BINARY)
    assert fd.ADDRESSES == addrs
    u1 = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)
    u2 = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double, ctypes.c_double)
    xs = args["unary"][::97]
    for name in ("sin", "cos", "exp", "log", "tanh", "cbrt"):
        f = u1(addrs[name])
        got = np.array([f(float(x)) for x in xs])
        want = _map1(fd.FUNCTIONS[name], xs)
        assert mismatches(got, want).size == 0, name
    bx, by = args["bx"][::97], args["by"][::97]
    for name in BINARY:
        f = u2(addrs[name])
        got = np.array([f(float(a), float(b)) for a, b in zip(bx, by)])
        want = _map2(fd.FUNCTIONS[name], bx, by)
        assert mismatches(got, want).size == 0, name


def test_js_port_in_mini_racer(args, node_results):
    """fdlibm.js in mini-racer's (newer) V8 gives Node 20's results too."""
    mr = pytest.importorskip("py_mini_racer")
    from engine.v8 import v8_version

    v8_version()  # V8's flags are process-wide: let the engine's V8 tier set them first
    ctx = mr.MiniRacer()
    try:
        ctx.eval(FDLIBM_JS.read_text())
        ctx.eval("installFdlibm(Math)")
        ctx.eval("""
          var __b = new Float64Array(1), __u = new Uint32Array(__b.buffer);
          function __fromHex(s) { __u[1] = parseInt(s.slice(0, 8), 16); __u[0] = parseInt(s.slice(8), 16); return __b[0]; }
          function __toHex(x) { __b[0] = x; return (__u[1] >>> 0).toString(16).padStart(8, '0') + (__u[0] >>> 0).toString(16).padStart(8, '0'); }
          function __run(name, js) { const a = JSON.parse(js); const f = Math[name];
            return JSON.stringify(a.map(p => __toHex(p.length === 1 ? f(__fromHex(p[0])) : f(__fromHex(p[0]), __fromHex(p[1]))))); }
        """)

        def hexes(a):
            return [f"{int(b):016x}" for b in np.asarray(a).view(np.uint64)]

        step = 23
        for name in UNARY + BINARY:
            if name in BINARY:
                cols = [hexes(args["bx"][::step]), hexes(args["by"][::step])]
            else:
                cols = [hexes(args["unary"][::step])]
            payload = json.dumps([list(p) for p in zip(*cols)])
            out = json.loads(ctx.call("__run", name, payload))
            got = np.array([int(h, 16) for h in out], dtype=np.uint64).view(np.float64)
            want = node_results["native"][name][::step]
            bad = mismatches(got, want)
            assert bad.size == 0, f"{name}: {bad.size} mismatches in mini-racer"
    finally:
        ctx.close()


def test_cfunc_addresses_from_llvmlite_mcjit():
    """Generated LLVM IR can call the ports through their addresses (same process)."""
    import llvmlite.binding as llvm
    from llvmlite import ir

    addrs = fd.cfunc_addresses()
    dbl = ir.DoubleType()
    i64 = ir.IntType(64)
    mod = ir.Module(name="fdlibm_call_test")
    mod.triple = llvm.get_process_triple()
    # double f(double t) { return pow(sin(t), 2.0) + atan2(t, 3.0); }
    fn = ir.Function(mod, ir.FunctionType(dbl, [dbl]), name="f")
    b = ir.IRBuilder(fn.append_basic_block())
    u_ty = ir.FunctionType(dbl, [dbl]).as_pointer()
    b_ty = ir.FunctionType(dbl, [dbl, dbl]).as_pointer()
    c_sin = b.inttoptr(ir.Constant(i64, addrs["sin"]), u_ty)
    c_pow = b.inttoptr(ir.Constant(i64, addrs["pow"]), b_ty)
    c_atan2 = b.inttoptr(ir.Constant(i64, addrs["atan2"]), b_ty)
    s = b.call(c_sin, [fn.args[0]])
    p = b.call(c_pow, [s, ir.Constant(dbl, 2.0)])
    a = b.call(c_atan2, [fn.args[0], ir.Constant(dbl, 3.0)])
    b.ret(b.fadd(p, a))

    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    target_machine = llvm.Target.from_default_triple().create_target_machine()
    parsed = llvm.parse_assembly(str(mod))
    parsed.verify()
    engine = llvm.create_mcjit_compiler(parsed, target_machine)
    engine.finalize_object()
    f = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)(engine.get_function_address("f"))
    for t in (0.0, 0.1, 1.0, 12.5, 1e6 + 0.3, 123456.789):
        want = fd.pow(fd.sin(t), 2.0) + fd.atan2(t, 3.0)
        assert f(t) == want


@pytest.mark.parametrize("name", UNARY + BINARY)
def test_object_code_matches_the_numba_port(name, args):
    """The port's object code (what compiled songs call, loaded without numba) computes
    every argument set's bits as the numba port does, huge trig arguments included."""
    from engine.compiled import fdlibm_object

    addresses = fdlibm_object.addresses()
    assert addresses is not None, "the fdlibm object code could not be built or loaded"
    arity = 2 if name in BINARY else 1
    f = ctypes.CFUNCTYPE(ctypes.c_double, *[ctypes.c_double] * arity)(addresses[name])
    if arity == 1:
        xs = args["unary"]
        got = _map1(f, xs)
        want = _map1(fd.FUNCTIONS[name], xs)
        bad = mismatches(got, want)
        assert bad.size == 0, describe(bad, [xs], got, want)
    else:
        got = _map2(f, args["bx"], args["by"])
        want = _map2(fd.FUNCTIONS[name], args["bx"], args["by"])
        bad = mismatches(got, want)
        assert bad.size == 0, describe(bad, [args["bx"], args["by"]], got, want)
