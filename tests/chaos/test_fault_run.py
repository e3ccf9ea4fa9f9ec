"""A CI-sized fault run (`make chaos` with a few hundred posts): every fault kind
happens at least once and the independent audit passes."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

import pytest

from chaos.service import ROOT


def test_short_fault_run_passes_the_audit():
    env = {**os.environ, "CHAOS_POSTS": "300", "CHAOS_SAMPLE": "60", "CHAOS_TIMEOUT": "240",
           "CHAOS_KILL_EVERY": "4", "CHAOS_TERMINATE_EVERY": "2"}
    with tempfile.TemporaryFile("w+") as log:  # the run's log, kept even if it must be stopped
        proc = subprocess.Popen([sys.executable, "-m", "chaos"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            out, _ = proc.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            proc.terminate()  # the run cleans up its workers and servers on SIGTERM
            out, _ = proc.communicate(timeout=120)
            log.seek(0)
            pytest.fail("the fault run did not end within 600 s; its output:\n" + out +
                        "\nthe end of its log:\n" + log.read()[-8000:])
        log.seek(0)
        errors = log.read()
    print(out)
    assert proc.returncode == 0 and "RESULT: PASS" in out, out + errors[-3000:]
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
