"""Engine speed: the compiled tier (and the V8 tier) next to Node 20 running reference.mjs.

    python -m bench.engine_speed [--songs 30] [--seconds 60] [--v8-songs 6] [--ids id,id]
                                 [--json out.json]

Side by side in one run (the machine is shared and noisy; only ratios mean something):

* songs: the classics plus `--songs` corpus songs the compiled tier takes, chosen
  deterministically (ordered by sha256 of the id, spread over the modes; no reference
  error, integer rate, no clock, reference render of 10 s under 2 s so the run stays short);
* (a) warm throughput, samples/s: after the first 10 s and a warm-up render of `--seconds`,
  a timed render of `--seconds` of audio from t = 0, as `reference.mjs --bench` does
  (`warm_samples_per_second`). Ours two ways: `eval` = CompiledSong.fill in blocks of
  engine.render.BLOCK only; `loop` = the render loop's blocks (fill + NaN hold + the mode's
  mapping to u8/f32), which is what Node's number includes (it converts too);
* (b) first audio of a never-seen formula, in a fresh `python -c` process: time from just
  before `load_song` (parse, analysis, codegen, LLVM JIT of the quick code, test call;
  the optimized code is compiled meanwhile in a background thread) to the first 10 s of
  samples out of the render loop; also including the engine's imports, and since process
  start (Popen to the end, like Node's `cold_first_10s_since_process_start_s`), and in a
  process warmed like the service's pool workers (engine.compiled.warm_up(), the mappings
  to samples compiled (engine.compiled.samples.warm_up()) and one small song rendered before).
  Node: `cold_first_10s_s` (compile + test call + 10 s, inside a
  started process) and `cold_first_10s_since_process_start_s`;
* the same two numbers for the V8 tier (engine.v8) on `--v8-songs` songs (3 classics + corpus songs).

Targets of the issue: warm throughput >= 3x V8 (Node), first audio <= Node's time.
The cold runs also report where the time goes (exclusive time per engine stage).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# run as a script, bench/ would come first on sys.path and bench/queue.py would shadow
# the standard library's queue module
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

SHARED = (ROOT / ".." / "shared" / "bytebeat").resolve()
CORPUS = SHARED / "corpus.json"
REFERENCE = SHARED / "reference.mjs"

CLASSICS = [
    {"id": "classic", "mode": "uint8", "sample_rate": 8000, "code": "t*(t>>5|t>>8)"},
    {"id": "classic44k", "mode": "uint8", "sample_rate": 44100, "code": "t*(t>>5|t>>8)"},
    {"id": "sine-float", "mode": "float", "sample_rate": 44100, "code": "sin(t*2*PI*440/44100)*.5"},
    {"id": "pow-float", "mode": "float", "sample_rate": 48000, "code": "(t/48000*110%1)**1.5-.5"},
    {"id": "sierpinski", "mode": "uint8", "sample_rate": 8000, "code": "t&t>>8"},
]

# ---------------------------------------------------------------- fresh-process probe
# Runs in `python -c`: reads {code, mode, rate, tier, warm} on stdin, prints one JSON line.
PROBE = r'''
import json, sys, time
T_START = time.perf_counter()
W_START = time.time()
p = json.loads(sys.stdin.read())
import numpy as np
from engine.request import BytebeatRequest
from engine.render import _Renderer
excl = {}
if p["tier"] == "compiled":
    import engine.compiled as C
    from engine.compiled import analysis, codegen, jit, kernel
    stack = []
    def timed(label, fn):
        def w(*a, **k):
            t = time.perf_counter(); stack.append(0.0)
            try:
                return fn(*a, **k)
            finally:
                d = time.perf_counter() - t; inner = stack.pop()
                excl[label] = excl.get(label, 0.0) + d - inner
                if stack: stack[-1] += d
        return w
    if p["profile"]:
        C.check_song = timed("parse+analyze", C.check_song)
        analysis.fdlibm_names = timed("fdlibm import (numba)", analysis.fdlibm_names)
        codegen.generate = timed("codegen (IR text)", codegen.generate)
        # the first code only: the optimized code is compiled in a background thread
        kernel.compile_kernel = timed("LLVM (JIT init, first code)", kernel.compile_kernel)
        jit.fdlibm_address = timed("fdlibm machine code", jit.fdlibm_address)
        kernel.CompiledSong._call = timed("song calls", kernel.CompiledSong._call)
    load = C.load_song
    if p["warm"]:
        C.warm_up()
        from engine.compiled import samples
        samples.warm_up()
        r0 = load("t*(t>>4|t>>9)&255", "uint8", 8000.0)
        r0.fill(0, np.empty(100), np.empty(100))
        r0.wait_optimized()      # a pool worker is idle between jobs
        excl.clear()
else:
    import engine.v8 as V
    load = V.load_song
    if p["warm"]:
        r0 = load("t*(t>>4|t>>9)&255", "uint8", 8000.0)
        r0.fill(0, np.empty(100), np.empty(100)); r0.close()
T_IMPORTED = time.perf_counter()
t0 = time.perf_counter()
runner = load(p["code"], p["mode"], p["rate"])
t1 = time.perf_counter()
req = BytebeatRequest("0", p["mode"], int(p["rate"]), 10.0)
r = _Renderer(req, runner)
for _ in r.blocks(None, None):
    pass
t2 = time.perf_counter()
W_END = time.time()
excl["other (render loop mapping, ...)"] = (t2 - t0) - sum(excl.values())
print(json.dumps({"load_s": t1 - t0, "first_10s_s": t2 - t0, "incl_imports_s": t2 - T_START,
                  "imports_s": T_IMPORTED - T_START, "w_end": W_END, "excl": excl}))
'''


def probe(song: dict, tier: str, warm: bool, profile: bool = True, cache_dir: str | None = None) -> dict:
    """One fresh process. Its kernel disk cache (ENGINE_CACHE_DIR) is `cache_dir`, by default a
    new empty directory: the formula is never seen; pass a used one to measure a restart."""
    with tempfile.TemporaryDirectory(prefix="engine-cache-") as fresh:
        env = dict(os.environ, ENGINE_CACHE_DIR=cache_dir or fresh)
        w0 = time.time()
        p = subprocess.run([sys.executable, "-c", PROBE], cwd=str(ROOT), capture_output=True, text=True, env=env,
                           input=json.dumps({"code": song["code"], "mode": song["mode"],
                                             "rate": float(song["sample_rate"]), "tier": tier, "warm": warm,
                                             "profile": profile}), timeout=600)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}")
    d = json.loads(p.stdout.strip().splitlines()[-1])
    d["since_process_start_s"] = d["w_end"] - w0
    return d


# ---------------------------------------------------------------- warm throughput (in process)

def warm_ours(song: dict, tier: str, seconds: float) -> dict:
    import numpy as np
    from engine.render import BLOCK, _Renderer
    from engine.request import BytebeatRequest
    if tier == "compiled":
        from engine.compiled import load_song
        runner = load_song(song["code"], song["mode"], float(song["sample_rate"]))
    else:
        from engine.v8 import load_song
        runner = load_song(song["code"], song["mode"], float(song["sample_rate"]), block_timeout=600)
    rate = int(song["sample_rate"])
    n = round(rate * seconds)
    L, R = np.empty(BLOCK), np.empty(BLOCK)

    def eval_only(count: int) -> float:
        t = time.perf_counter()
        for s in range(0, count, BLOCK):
            m = min(BLOCK, count - s)
            runner.fill(s, L[:m], R[:m])
        return time.perf_counter() - t

    def loop(count: int) -> float:
        req = BytebeatRequest("0", song["mode"], rate, count / rate)
        r = _Renderer(req, runner)
        t = time.perf_counter()
        for _ in r.blocks(None, None):
            pass
        return time.perf_counter() - t

    try:
        eval_only(round(rate * 10))    # first 10 s
        loop(round(rate * 1))           # the render loop's first use (it compiles the mode's mapping)
        # warm: the optimized code (the quick code runs until it is ready) of the song and of
        # the mapping to samples (engine.compiled.samples, both tiers)
        from engine.compiled.samples import mapper
        mapper(song["mode"]).optimized.wait()
        if tier == "compiled":
            runner.wait_optimized()
        eval_only(n)                    # warm-up
        te = eval_only(n)
        tl = loop(n)
    finally:
        close = getattr(runner, "close", None)
        if close:
            close()
    return {"eval_sps": n / te, "loop_sps": n / tl}


def node_bench(song: dict, seconds: float) -> dict | None:
    node = shutil.which("node")
    if node is None or not REFERENCE.exists():
        return None
    p = subprocess.run([node, str(REFERENCE), "--mode", song["mode"], "--rate", str(song["sample_rate"]),
                        "--seconds", str(seconds), "--stdin", "--bench"],
                       input=song["code"], capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- song choice

def pick_songs(n: int, ids: list[str]) -> list[dict]:
    from engine import check
    songs = json.loads(CORPUS.read_text())["songs"] if CORPUS.exists() else []
    if ids:
        return [s for s in songs if s["id"] in ids]
    ok = [s for s in songs if not s.get("reference_error") and not s.get("uses_clock")
          and s["sample_rate"] == int(s["sample_rate"]) and (s.get("ref_render_s_10s") or 9) < 2.0
          and check(s["code"], s["mode"]).compiled]
    ok.sort(key=lambda s: hashlib.sha256(s["id"].encode()).hexdigest())
    share = {"uint8": 0.45, "int8": 0.15, "float": 0.3, "func": 0.1}
    chosen = []
    for mode, f in share.items():
        chosen += [s for s in ok if s["mode"] == mode][:max(1, round(n * f))]
    return chosen[:n] if len(chosen) > n else chosen


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.engine_speed")
    ap.add_argument("--songs", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=60.0, help="audio rendered by the timed warm render")
    ap.add_argument("--v8-songs", type=int, default=6)
    ap.add_argument("--ids", default="")
    ap.add_argument("--json", default="", help="write every figure to this file")
    a = ap.parse_args(argv)
    if not (shutil.which("node") and REFERENCE.exists()):
        print("engine_speed: needs node and ../shared/bytebeat/reference.mjs")
        return 0
    node_v = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    songs = [dict(s, id=s["id"]) for s in CLASSICS] + pick_songs(a.songs, [i for i in a.ids.split(",") if i])
    print(f"node {node_v}; {len(songs)} songs ({len(CLASSICS)} classics); warm render {a.seconds:g} s of audio; "
          f"ratios: warm = ours / node samples/s (target >= 3), cold = ours / node seconds (target <= 1)")
    rows = []
    hdr = (f"{'song':<12} {'mode':<5} {'rate':>6} | {'eval sps':>12} {'loop sps':>12} {'node sps':>12} "
           f"{'x eval':>6} {'x loop':>6} | {'cold':>7} {'cached':>7} {'+imp':>7} {'proc':>7} {'warmed':>7} "
           f"{'node':>7} {'n proc':>7} {'c/n':>5} {'w/n':>5} | top cold stage")
    print("\n(a) warm throughput and (b) first audio, compiled tier (times in s; cold: never-seen formula in a fresh"
          " process; cached: the same again, its machine code in the disk cache; warmed: a pool-like process)")
    print(hdr)
    for s in songs:
        rec = {"id": s["id"], "mode": s["mode"], "rate": s["sample_rate"], "tier": "compiled"}
        try:
            nd = node_bench(s, a.seconds)
            w = warm_ours(s, "compiled", a.seconds)
            with tempfile.TemporaryDirectory(prefix="engine-cache-") as used:
                c = probe(s, "compiled", warm=False, cache_dir=used)
                cc = probe(s, "compiled", warm=False, cache_dir=used)   # restart: machine code on disk
            cw = probe(s, "compiled", warm=True)
        except Exception as e:  # noqa: BLE001
            print(f"{s['id']:<12} {s['mode']:<5} {s['sample_rate']:>6} | failed: {e}")
            continue
        rec.update(warm=w, cold=c, cold_cached=cc, cold_warmed=cw, node=nd)
        rows.append(rec)
        top = sorted(c["excl"].items(), key=lambda kv: -kv[1])[:2]
        ns, ncold, nproc = nd["warm_samples_per_second"], nd["cold_first_10s_s"], nd["cold_first_10s_since_process_start_s"]
        print(f"{s['id']:<12} {s['mode']:<5} {s['sample_rate']:>6} | {w['eval_sps']:>12,.0f} {w['loop_sps']:>12,.0f} "
              f"{ns:>12,.0f} {w['eval_sps'] / ns:>6.2f} {w['loop_sps'] / ns:>6.2f} | {c['first_10s_s']:>7.3f} "
              f"{cc['first_10s_s']:>7.3f} "
              f"{c['incl_imports_s']:>7.3f} {c['since_process_start_s']:>7.3f} {cw['first_10s_s']:>7.3f} "
              f"{ncold:>7.3f} {nproc:>7.3f} {c['first_10s_s'] / ncold:>5.2f} {cw['first_10s_s'] / ncold:>5.2f} | "
              + ", ".join(f"{k} {v:.3f}" for k, v in top), flush=True)
    if rows:
        def r_(f):
            return med([f(r) for r in rows])
        print(f"\nmedians over {len(rows)} songs (compiled tier):")
        print(f"  warm throughput ratio ours/node: eval {r_(lambda r: r['warm']['eval_sps'] / r['node']['warm_samples_per_second']):.2f}x, "
              f"render loop {r_(lambda r: r['warm']['loop_sps'] / r['node']['warm_samples_per_second']):.2f}x  (target >= 3)")
        print(f"  songs at >= 3x (loop): {sum(1 for r in rows if r['warm']['loop_sps'] >= 3 * r['node']['warm_samples_per_second'])} of {len(rows)}; "
              f"(eval): {sum(1 for r in rows if r['warm']['eval_sps'] >= 3 * r['node']['warm_samples_per_second'])} of {len(rows)}")
        print(f"  first audio, fresh process, load_song -> 10 s: median {r_(lambda r: r['cold']['first_10s_s']):.3f} s, "
              f"node cold_first_10s_s {r_(lambda r: r['node']['cold_first_10s_s']):.3f} s, "
              f"ratio ours/node {r_(lambda r: r['cold']['first_10s_s'] / r['node']['cold_first_10s_s']):.2f} (target <= 1); "
              f"songs at or under node: {sum(1 for r in rows if r['cold']['first_10s_s'] <= r['node']['cold_first_10s_s'])} of {len(rows)}")
        print(f"  including imports: median {r_(lambda r: r['cold']['incl_imports_s']):.3f} s (imports {r_(lambda r: r['cold']['imports_s']):.3f} s); "
              f"since process start: ours {r_(lambda r: r['cold']['since_process_start_s']):.3f} s vs node "
              f"{r_(lambda r: r['node']['cold_first_10s_since_process_start_s']):.3f} s, ratio "
              f"{r_(lambda r: r['cold']['since_process_start_s'] / r['node']['cold_first_10s_since_process_start_s']):.2f}")
        print(f"  restarted process, machine code in the disk cache: median "
              f"{r_(lambda r: r['cold_cached']['first_10s_s']):.3f} s, ratio ours/node "
              f"{r_(lambda r: r['cold_cached']['first_10s_s'] / r['node']['cold_first_10s_s']):.2f}")
        print(f"  warmed process (service pool worker): median {r_(lambda r: r['cold_warmed']['first_10s_s']):.3f} s, "
              f"ratio ours/node {r_(lambda r: r['cold_warmed']['first_10s_s'] / r['node']['cold_first_10s_s']):.2f}; "
              f"songs at or under node: {sum(1 for r in rows if r['cold_warmed']['first_10s_s'] <= r['node']['cold_first_10s_s'])} of {len(rows)}")
        stages = sorted({k for r in rows for k in r["cold"]["excl"]})
        print("  where the fresh-process first audio goes (median exclusive seconds per stage, over songs):")
        for k in sorted(stages, key=lambda k: -med([r["cold"]["excl"].get(k, 0.0) for r in rows])):
            print(f"    {k:<28} {med([r['cold']['excl'].get(k, 0.0) for r in rows]):.4f}"
                  f"   (warmed process: {med([r['cold_warmed']['excl'].get(k, 0.0) for r in rows]):.4f})")

    # ---- V8 tier
    # a few classics and corpus songs of different modes
    corpus_part = songs[len(CLASSICS):]
    k = max(0, a.v8_songs - 3)
    v8_songs = songs[:min(3, a.v8_songs)] + [corpus_part[i * len(corpus_part) // k] for i in range(k)
                                               if corpus_part] if k else songs[:a.v8_songs]
    v8rows = []
    print(f"\nV8 tier (engine.v8, embedded mini-racer) on {len(v8_songs)} songs, same measures")
    print(f"{'song':<12} {'mode':<5} {'rate':>6} | {'eval sps':>12} {'loop sps':>12} {'node sps':>12} "
          f"{'x eval':>6} {'x loop':>6} | {'cold':>7} {'+imp':>7} {'proc':>7} {'warmed':>7} {'node':>7} {'c/n':>5}")
    for s in v8_songs:
        node_rec = next((r["node"] for r in rows if r["id"] == s["id"]), None) or node_bench(s, a.seconds)
        try:
            w = warm_ours(s, "v8", a.seconds)
            c = probe(s, "v8", warm=False)
            cw = probe(s, "v8", warm=True)
        except Exception as e:  # noqa: BLE001
            print(f"{s['id']:<12} {s['mode']:<5} {s['sample_rate']:>6} | failed: {e}")
            continue
        v8rows.append({"id": s["id"], "warm": w, "cold": c, "cold_warmed": cw, "node": node_rec})
        ns, ncold = node_rec["warm_samples_per_second"], node_rec["cold_first_10s_s"]
        print(f"{s['id']:<12} {s['mode']:<5} {s['sample_rate']:>6} | {w['eval_sps']:>12,.0f} {w['loop_sps']:>12,.0f} "
              f"{ns:>12,.0f} {w['eval_sps'] / ns:>6.2f} {w['loop_sps'] / ns:>6.2f} | {c['first_10s_s']:>7.3f} "
              f"{c['incl_imports_s']:>7.3f} {c['since_process_start_s']:>7.3f} {cw['first_10s_s']:>7.3f} "
              f"{ncold:>7.3f} {c['first_10s_s'] / ncold:>5.2f}", flush=True)
    if v8rows:
        print(f"  V8 tier medians: warm ratio (loop) {med([r['warm']['loop_sps'] / r['node']['warm_samples_per_second'] for r in v8rows]):.2f}x, "
              f"first audio fresh process {med([r['cold']['first_10s_s'] for r in v8rows]):.3f} s "
              f"(ratio to node {med([r['cold']['first_10s_s'] / r['node']['cold_first_10s_s'] for r in v8rows]):.2f}), "
              f"warmed process {med([r['cold_warmed']['first_10s_s'] for r in v8rows]):.3f} s")
    if a.json:
        Path(a.json).write_text(json.dumps({"compiled": rows, "v8": v8rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
