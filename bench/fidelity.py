"""Fidelity of the compiled tier over the shared corpus.

    python -m bench.fidelity [--limit N] [--seconds 10] [--show-diffs]

For every corpus song: does the compiled tier take it (else: which construct keeps it
out)? For songs taken that have a reference hash (no reference_error, no random(),
integer rate), render the first 10 s and compare the sha256 of the sample bytes with
the reference's `ref_sha256_10s` (u8 bytes for byte modes, little-endian float32 for
float/func, interleaved L,R when stereo).
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

import engine
from engine.compiled import check_song

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "bytebeat" / "corpus.json"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.fidelity")
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--limit", type=int, default=0, help="only the first N songs")
    ap.add_argument("--show-diffs", action="store_true")
    args = ap.parse_args(argv)
    songs = json.loads(Path(args.corpus).read_text())["songs"]
    if args.limit:
        songs = songs[:args.limit]
    started = time.monotonic()
    taken = refused = exact = differ = unverifiable = random_exact = random_differ = 0
    reasons: collections.Counter = collections.Counter()
    by_mode: dict = collections.defaultdict(lambda: [0, 0])
    diffs = []
    for s in songs:
        by_mode[s["mode"]][1] += 1
        try:
            check_song(s["code"], s["mode"])
        except engine.NotCompiledError as e:
            refused += 1
            reasons[re.sub(r"^call of .*", "call of a variable/expression", e.construct)] += 1
            continue
        except engine.SongSyntaxError as e:
            refused += 1
            reasons["syntax error: " + e.what] += 1
            continue
        except engine.SongLimitError as e:
            refused += 1
            reasons["limit: " + e.message.split(":")[0]] += 1
            continue
        taken += 1
        by_mode[s["mode"]][0] += 1
        if s.get("reference_error") or s["sample_rate"] != int(s["sample_rate"]):
            unverifiable += 1
            continue
        req = engine.BytebeatRequest(s["code"], s["mode"], int(s["sample_rate"]), 10)
        a = engine.render_samples(req, tier="compiled")
        if a.dtype == np.float32:
            a = a.astype("<f4")
        same = hashlib.sha256(a.tobytes()).hexdigest() == s["ref_sha256_10s"]
        if s.get("uses_random"):
            random_exact += same
            random_differ += not same
        elif same:
            exact += 1
        else:
            differ += 1
        if not same:
            diffs.append((s["id"], s["mode"], s["name"], "(random)" if s.get("uses_random") else ""))
    print(f"songs: {len(songs)}  taken by the compiled tier: {taken}  refused: {refused}")
    print(f"taken with a reference hash, no random(): {exact + differ}  exact: {exact}  differing: {differ}")
    print(f"taken with a reference hash, calling random() (seed 42 convention): "
          f"{random_exact + random_differ}  exact: {random_exact}  differing: {random_differ}")
    print(f"taken but not verifiable (reference error or fractional rate): {unverifiable}")
    for mode, (t, n) in sorted(by_mode.items()):
        print(f"  {mode}: {t} of {n} taken")
    if diffs:
        for d in diffs:
            print("  differs:", *d)
    print("constructs that keep songs out (most frequent first):")
    for construct, count in reasons.most_common():
        print(f"  {count:5d}  {construct}")
    print(f"elapsed {time.monotonic() - started:.1f} s")
    return 0 if differ == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
