"""A CI-sized fault run (`make chaos` with a few hundred posts): every fault kind
happens at least once and the independent audit passes."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from chaos.service import ROOT


def test_short_fault_run_passes_the_audit():
    env = {**os.environ, "CHAOS_POSTS": "300", "CHAOS_SAMPLE": "60", "CHAOS_TIMEOUT": "240",
           "CHAOS_KILL_EVERY": "4", "CHAOS_TERMINATE_EVERY": "2"}
    done = subprocess.run([sys.executable, "-m", "chaos"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    out = done.stdout
    print(out)
    assert done.returncode == 0 and "RESULT: PASS" in out, out + done.stderr[-3000:]
    faults = re.search(r"faults: (\d+) workers SIGKILLed, (\d+) LISTEN connections terminated, "
                       r"(\d+) Postgres restart\(s\), store faults injected (\{.*?\}) of \d+ requests, "
                       r"(\d+) edits, (\d+) re-render requests", out)
    assert faults, out
    kills, terminations, restarts, store, edits, rerenders = faults.groups()
    assert int(kills) >= 1 and int(terminations) >= 1 and int(restarts) == 1
    assert all(kind in store for kind in ("503", "stall", "drop-mid-upload"))
    assert int(edits) >= 1 and int(rerenders) >= 1
    assert re.search(r"problems \(lost, stale or stuck\)\s+0", out)
    assert re.search(r"objects re-rendered and compared\s+60 \(0 differ\)", out)
