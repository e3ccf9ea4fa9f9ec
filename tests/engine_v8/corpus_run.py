"""Render every corpus song (10 s) with the V8 tier and compare with ref_sha256_10s.

    .venv/bin/python -m tests.engine_v8.corpus_run [--limit N] [--out results.jsonl]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from engine.errors import EngineError
from tests.engine_v8.refmap import render_sha256

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "bytebeat" / "corpus.json"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--out", default="-")
    ap.add_argument("--timeout", type=float, default=120.0)
    a = ap.parse_args()
    songs = [s for s in json.loads(CORPUS.read_text())["songs"] if not s.get("reference_error")]
    songs = songs[a.offset:]
    if a.limit:
        songs = songs[:a.limit]
    out = sys.stdout if a.out == "-" else open(a.out, "a")
    same = 0
    for s in songs:
        t = time.monotonic()
        rec = {"id": s["id"], "mode": s["mode"], "rate": s["sample_rate"],
               "uses_random": s.get("uses_random"), "ref_deterministic": s.get("ref_deterministic")}
        try:
            info: dict = {}
            sha, stereo = render_sha256(s["code"], s["mode"], s["sample_rate"], info=info,
                                        deadline=time.monotonic() + a.timeout)
            pow_status = info.get("pow")
            rec.update(ok=sha == s["ref_sha256_10s"], stereo=stereo, ref_stereo=s.get("stereo"), pow=pow_status)
        except EngineError as e:
            rec.update(ok=False, error=f"{type(e).__name__}: {e}")
        rec["s"] = round(time.monotonic() - t, 3)
        same += bool(rec["ok"])
        out.write(json.dumps(rec) + "\n")
        out.flush()
    print(f"{same} of {len(songs)} bit-exact", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
