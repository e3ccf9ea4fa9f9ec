"""The V8 tier against the reference renderer: corpus hashes and live reference.mjs runs.

Skipped when Node (/usr/bin/node or on PATH) or ../shared/bytebeat is missing.
The whole corpus: `python -m tests.engine_v8.corpus_run --out results.jsonl`.
"""
from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("py_mini_racer")

from engine.v8 import load_song  # noqa: E402
from tests.engine_v8.refmap import render_sha256  # noqa: E402

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "bytebeat"
NODE = shutil.which("node") or ("/usr/bin/node" if Path("/usr/bin/node").exists() else None)

pytestmark = [
    pytest.mark.reference,
    pytest.mark.skipif(NODE is None or not (SHARED / "corpus.json").exists(),
                       reason="needs node and ../shared/bytebeat"),
]


def _corpus() -> list[dict]:
    return json.loads((SHARED / "corpus.json").read_text())["songs"]


def _sample() -> list[dict]:
    """A fixed, spread sample: per mode the first songs (by id) that render fast in the
    reference, plus the first ones using `**`, sin/cos, random() and stereo."""
    songs = sorted((s for s in _corpus() if not s.get("reference_error") and s.get("ref_deterministic", True)
                    and not s.get("uses_clock") and ((s.get("ref_render_s_10s") or 9) < 0.25
                                                     or s["id"] in ("04421620e8", "c7a3808ad0"))),
                   key=lambda s: s["id"])
    picked: dict[str, dict] = {}

    def take(pred, k):
        for s in songs:
            if k == 0:
                return
            if s["id"] not in picked and pred(s):
                picked[s["id"]] = s
                k -= 1

    for mode, k in (("uint8", 10), ("int8", 5), ("float", 6), ("func", 5)):
        take(lambda s, m=mode: s["mode"] == m, k)
    take(lambda s: "**" in s["code"], 5)
    take(lambda s: "sin(" in s["code"] or "cos(" in s["code"], 4)
    take(lambda s: s.get("uses_random"), 4)
    take(lambda s: s.get("stereo"), 3)
    # regressions: `++v ** x` operands; a 317 kB song that V8 14's Maglev compiled for minutes
    take(lambda s: s["id"] in ("04421620e8", "c7a3808ad0"), 2)
    return list(picked.values())


SAMPLE = _sample() if NODE is not None and (SHARED / "corpus.json").exists() else []


@pytest.mark.parametrize("song", SAMPLE, ids=[f"{s['mode']}-{s['id']}" for s in SAMPLE])
def test_corpus_song_bit_exact_10s(song):
    sha, stereo = render_sha256(song["code"], song["mode"], song["sample_rate"], seconds=10.0)
    assert stereo == song["stereo"]
    assert sha == song["ref_sha256_10s"], f"{song['id']} {song['name']!r} differs from the reference"


def _reference_sha(code: str, mode: str, rate: float, seconds: float) -> str:
    out = subprocess.run([NODE, str(SHARED / "reference.mjs"), "--mode", mode, "--rate", str(rate),
                          "--seconds", str(seconds), "--code", code, "--format", "json-stats"],
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)["sha256"]


@pytest.mark.parametrize("code,mode,rate", [
    ("random()*256", "uint8", 8000),                                   # seeded Math.random
    ("t||(a=[]),a.push(random()),[a[t]*2-1, sin(t/40)**3]", "float", 22050),
    ("let k = random(); return (t, sr) => [sin(t*440*PI*2)*k, cos(t*3)**2 - random()]", "func", 44100),
    ("(t*(t>>5|t>>8))+((t/7)**1.5&64)", "int8", 11025),
    ("x=t/3e3, (sin(x)**2*cos(x*1.3) + tan(x/9) + 2**(x%5) + exp(-x%3) + log1p(x))/4", "float", 48000),
])
def test_matches_live_reference(code, mode, rate):
    sha, _ = render_sha256(code, mode, rate, seconds=2.0)
    assert sha == _reference_sha(code, mode, rate, 2.0)


def test_sanity_sum_from_semantics():
    # SEMANTICS.md: t*(t>>5|t>>8) at 8000 Hz for 120 s has this SHA-256
    sha, _ = render_sha256("t*(t>>5|t>>8)", "uint8", 8000, seconds=120.0)
    assert sha == "cc5f674f031686644c19e81e89ea61ef90c92f283a68edeef95bda548e41c751"


def _js_number(x: float) -> str:
    if x != x:
        return "NaN"
    if x in (math.inf, -math.inf):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0 and math.copysign(1.0, x) < 0:
        return "-0"
    return repr(x)


def test_memoised_pow_matches_node_when_arguments_repeat_and_collide():
    """pow (Math.pow and the rewritten `**`) keeps recent results in a 256-slot table:
    repeated pairs, pairs sharing a slot, +0 right after -0 (=== cannot tell them apart)
    and NaN keys must all give Node's exact values."""
    xs = [2.0, 1.5, 0.5, 3.7, -2.0, -0.5, 0.0, -0.0, math.inf, -math.inf, math.nan, 1e-310, 1e300, 10.0, 1.0]
    ys = [k / 12 for k in range(-24, 25)] + [-0.0, 0.5, 1.5, -1.0, 3.0, 2.0, math.inf, -math.inf, math.nan, 1e20, -3.0]
    rng = random.Random(5)
    pairs = [(rng.choice(xs), rng.choice(ys)) for _ in range(6000)]
    pairs += [(0.0, -1.0), (-0.0, -1.0), (0.0, -3.0), (-0.0, -3.0), (-0.0, -1.0), (0.0, -1.0)] * 3
    pairs += [(2.0, k / 12) for k in range(24) for _ in range(50)]  # the song pattern: runs of one note
    X = "[" + ",".join(_js_number(x) for x, _ in pairs) + "]"
    Y = "[" + ",".join(_js_number(y) for _, y in pairs) + "]"
    n = len(pairs)

    runner = load_song(f"const X = {X}, Y = {Y};\nreturn t => [pow(X[t], Y[t]), X[t] ** Y[t]]", "func", 1)
    try:
        left, right = np.empty(n), np.empty(n)
        runner.fill(0, left, right)
    finally:
        runner.close()
    script = (f"const X = {X}, Y = {Y}; const o = new Float64Array({n});"
              f"for (let i = 0; i < {n}; i++) o[i] = Math.pow(X[i], Y[i]);"
              "process.stdout.write(Buffer.from(o.buffer));")
    node = subprocess.run([NODE, "-"], input=script.encode(), capture_output=True, timeout=60, check=True)
    want = np.frombuffer(node.stdout, dtype=np.float64)
    for name, got in (("Math.pow", left), ("**", right)):
        same = (got.view(np.uint64) == want.view(np.uint64)) | (np.isnan(got) & np.isnan(want))
        bad = np.flatnonzero(~same)
        assert bad.size == 0, f"{name}: {bad.size} differ, first pow{pairs[bad[0]]} = {got[bad[0]]!r}, Node {want[bad[0]]!r}"
