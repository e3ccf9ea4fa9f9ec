"""Fixtures: argument sets and Node 20 (V8 11.3) reference results.

Node is run once per test session on all arguments (Float64Array files in a
temp dir).  Everything that needs Node skips when /usr/bin/node (or `node` on
PATH) is missing or is not V8 11.3.
"""
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FDLIBM_JS = ROOT / "engine" / "v8" / "fdlibm.js"
NODE_EVAL = Path(__file__).with_name("node_eval.js")

UNARY = ["sin", "cos", "tan", "asin", "acos", "atan", "exp", "expm1", "log", "log1p",
         "log2", "log10", "cbrt", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"]
BINARY = ["atan2", "pow"]


def _from_bits(bits):
    return np.asarray(bits, dtype=np.uint64).view(np.float64)


def _nudge(a, ulps):
    """a moved by `ulps` units in the last place (as bit patterns)."""
    b = a.view(np.int64) + np.int64(ulps)
    return b.view(np.float64)


def unary_args():
    rng = np.random.default_rng(20231103)
    parts = []
    specials = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0,
                5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308,
                -2.2250738585072014e-308, 1e-310, 1.7976931348623157e308,
                -1.7976931348623157e308, 1e-300, 1e300, 1e22, 2.0 ** 53, 2.0 ** 66, 2.0 ** 19 * math.pi,
                math.pi, math.pi / 2, math.pi / 4, 3 * math.pi / 4, math.e, 709.782712893384,
                709.7827128933841, 710.4758600739439, 710.475860073944, -745.1332191019411,
                -745.1332191019412, -746.0, 22.0, -22.0, 0.9999999999999999, 1.0000000000000002,
                0.975, 0.98, 0.4375, 2.4375, 1.1875, 0.6875, 2.0 ** -28, 2.0 ** -27, 2.0 ** -54, 2.0 ** 28]
    parts.append(np.array(specials))
    t = np.arange(0, 20000, dtype=np.float64)
    parts += [t / 10, t * math.pi / 128, t, t / 256, -t / 7, t / 44100, (t - 10000) / 1000]
    parts.append(rng.integers(0, 10_000_000, 20000).astype(np.float64))
    # near multiples of pi/2 (and huge ones), +-1..2 ulp
    k = np.concatenate([np.arange(1, 3000), rng.integers(1, 10 ** 9, 3000)]).astype(np.float64)
    m = k * (math.pi / 2)
    parts += [m, _nudge(m, 1), _nudge(m, -1), _nudge(m, 2), -m]
    # random doubles over all exponents
    e = rng.integers(-1074, 1024, 30000)
    mant = rng.uniform(1.0, 2.0, 30000)
    sign = rng.choice([-1.0, 1.0], 30000)
    parts.append(sign * np.ldexp(mant, e))
    parts.append(_from_bits(rng.integers(0, 2 ** 63, 10000, dtype=np.uint64)
                            | (rng.integers(0, 2, 10000, dtype=np.uint64) << np.uint64(63))))
    # subnormals
    parts.append(_from_bits(rng.integers(1, 2 ** 52, 3000, dtype=np.uint64)))
    parts += [rng.uniform(-1, 1, 15000), rng.uniform(-20, 20, 10000), rng.uniform(-750, 750, 10000),
              1 + rng.uniform(-1e-6, 1e-6, 3000), rng.uniform(-1e-8, 1e-8, 3000)]
    a = np.concatenate(parts).astype(np.float64)
    return a


def binary_args():
    """(x, y) pairs: pow(x, y) and atan2(x, y) (i.e. y=x, x=y of atan2)."""
    rng = np.random.default_rng(4711)
    xs, ys = [], []
    sp = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, math.inf, -math.inf, math.nan,
                   1e-310, -1e-310, 5e-324, 1e308, -1e308, 1 / 3, 0.1, 10.0, 100.0, 1024.0, -1074.0,
                   -1075.0, 1023.9, 0.9999999999999999, 1.0000000000000002, 2.0 ** 31, 2.0 ** 53 + 2,
                   2.0 ** 64, -(2.0 ** 53) - 1, 1e300, 7.0, -7.0, 0.25, -0.25])
    gx, gy = np.meshgrid(sp, sp)
    xs.append(gx.ravel()); ys.append(gy.ravel())
    n = 15000
    t = np.arange(n, dtype=np.float64)
    xs += [rng.uniform(0, 10, n), rng.integers(-20, 21, n).astype(float), rng.uniform(0, 2, n),
           -rng.uniform(0, 5, n), 1 + rng.uniform(-1e-10, 1e-10, n), t / 1000, t, np.full(n, 2.0),
           rng.uniform(-1000, 1000, n)]
    ys += [rng.uniform(-10, 10, n), rng.integers(-40, 41, n).astype(float), rng.uniform(-1500, 1500, n),
           rng.integers(-50, 51, n).astype(float), rng.uniform(-1e13, 1e13, n), np.full(n, 0.5),
           np.full(n, 1 / 3), (t % 97) / 12, rng.uniform(-1000, 1000, n)]
    e1 = rng.integers(-1074, 1024, 20000)
    e2 = rng.integers(-60, 60, 20000)
    xs.append(rng.choice([-1.0, 1.0], 20000) * np.ldexp(rng.uniform(1, 2, 20000), e1))
    ys.append(rng.choice([-1.0, 1.0], 20000) * np.ldexp(rng.uniform(1, 2, 20000), e2))
    # pow results in the subnormal range / near overflow (scalbn path, thresholds)
    x = rng.uniform(0.5, 2.0, 6000)
    xs += [x, x]
    ys += [rng.uniform(-1080, -1015, 6000) / np.log2(x), rng.uniform(1015, 1025, 6000) / np.abs(np.log2(x))]
    bits = rng.integers(0, 2 ** 64 - 1, (2, 5000), dtype=np.uint64)
    xs.append(_from_bits(bits[0])); ys.append(_from_bits(bits[1]))
    return np.concatenate(xs).astype(np.float64), np.concatenate(ys).astype(np.float64)


def node_binary():
    for cand in ("/usr/bin/node", shutil.which("node")):
        if cand and os.path.exists(cand):
            return cand
    return None


@pytest.fixture(scope="session")
def args():
    u = unary_args()
    bx, by = binary_args()
    return {"unary": u, "bx": bx, "by": by}


@pytest.fixture(scope="session")
def node_results(args, tmp_path_factory):
    """Results of Node's Math.* ('native'), of fdlibm.js in Node ('port') and of `**`."""
    node = node_binary()
    if node is None:
        pytest.skip("node not installed")
    try:
        v8 = subprocess.run([node, "-p", "process.versions.v8"], capture_output=True,
                            text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:  # pragma: no cover
        pytest.skip(f"node not runnable: {exc}")
    if not v8.startswith("11.3."):
        pytest.skip(f"reference is Node 20 / V8 11.3, found V8 {v8!r}")
    d = tmp_path_factory.mktemp("fdlibm_node")
    u, bx, by = args["unary"], args["bx"], args["by"]
    nu, nb = len(u), len(bx)
    np.concatenate([u, bx, by]).tofile(d / "in.f64")
    proc = subprocess.run([node, str(NODE_EVAL), str(FDLIBM_JS), str(d / "in.f64"), str(d / "out.f64"),
                           str(nu), str(nb)], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"node failed: {proc.stderr}")
    info = json.loads(proc.stdout)
    out = np.fromfile(d / "out.f64", dtype=np.float64)
    res = {"info": info, "native": {}, "port": {}}
    o = 0
    for name in UNARY:
        res["native"][name] = out[o:o + nu]; o += nu
        res["port"][name] = out[o:o + nu]; o += nu
    for name in BINARY:
        res["native"][name] = out[o:o + nb]; o += nb
        res["port"][name] = out[o:o + nb]; o += nb
    res["native"]["**"] = out[o:o + nb]; o += nb
    assert o == len(out)
    return res
