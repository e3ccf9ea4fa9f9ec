"""`make bench`: every benchmark, one after another, each printing its tables.

Ratios are measured side by side in one run (the machines are shared and noisy);
timed assertions live nowhere else.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys

BENCHMARKS = [
    ("engine speed: compiled and V8 tiers against Node (reference.mjs)", "bench.engine_speed"),
    ("V8 tier throughput against Node", "bench.v8_tier"),
    ("queue: no-op jobs against pgqueuer and a 2 s polling loop", "bench.queue"),
    ("notification load and insert throughput with and without the triggers", "bench.notify_load"),
    ("loudness meter against pyloudnorm", "bench.loudness"),
    ("mix jobs: stages against the seed apps, memory against duration", "bench.mix"),
]


def main() -> int:
    failed = []
    for title, module in BENCHMARKS:
        if importlib.util.find_spec(module) is None:
            print(f"\n=== {title}: not available ({module})")
            continue
        print(f"\n=== {title} ({module})", flush=True)
        if subprocess.run([sys.executable, "-m", module]).returncode != 0:
            failed.append(module)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
