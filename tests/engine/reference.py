"""Access to the shared reference renderer (Node + ../shared/bytebeat/reference.mjs).

Tests that need it call `require_reference()`, which skips when Node or the shared
folder is absent.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared" / "bytebeat").resolve()
REFERENCE = SHARED / "reference.mjs"
CORPUS = SHARED / "corpus.json"


def node_path() -> str | None:
    return shutil.which("node")


def require_reference() -> str:
    node = node_path()
    if node is None or not REFERENCE.exists():
        pytest.skip("reference renderer unavailable (needs node and ../shared/bytebeat/reference.mjs)")
    return node


def require_corpus() -> list[dict]:
    require_reference()
    if not CORPUS.exists():
        pytest.skip("corpus.json unavailable")
    return json.loads(CORPUS.read_text())["songs"]


def reference_bytes(code: str, mode: str, rate: float, samples: int, fmt: str | None = None,
                    timeout: float = 60) -> bytes:
    node = require_reference()
    fmt = fmt or ("u8" if mode in ("uint8", "int8") else "f32")
    proc = subprocess.run(
        [node, str(REFERENCE), "--mode", mode, "--rate", str(rate), "--samples", str(samples),
         "--stdin", "--format", fmt], input=code.encode(), capture_output=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"reference failed ({proc.returncode}): {proc.stderr.decode()[:500]}")
    return proc.stdout


def reference_stats(code: str, mode: str, rate: float, samples: int, timeout: float = 60) -> dict:
    node = require_reference()
    proc = subprocess.run(
        [node, str(REFERENCE), "--mode", mode, "--rate", str(rate), "--samples", str(samples),
         "--stdin", "--format", "json-stats"], input=code.encode(), capture_output=True, timeout=timeout)
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def reference_samples(code: str, mode: str, rate: float, samples: int) -> np.ndarray:
    """The reference's samples shaped like render_samples' result (one node run)."""
    node = require_reference()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ref.bin"
        proc = subprocess.run(
            [node, str(REFERENCE), "--mode", mode, "--rate", str(rate), "--samples", str(samples),
             "--stdin", "--format", "json-stats", "--out", str(out)],
            input=code.encode(), capture_output=True, timeout=60)
        stats = json.loads(proc.stdout.decode().strip().splitlines()[-1])
        data = out.read_bytes()
    dtype = np.uint8 if mode in ("uint8", "int8") else np.dtype("<f4")
    a = np.frombuffer(data, dtype=dtype)
    return a.reshape(-1, 2) if stats["channels"] == 2 else a


def assert_same_samples(ours: np.ndarray, ref: np.ndarray) -> None:
    """Bit for bit, sample by sample (a float32 by its bits, a stereo frame whole); the
    failure names how many samples differ and the first of them."""
    assert ours.shape == ref.shape and ours.dtype == ref.dtype, \
        f"ours {ours.shape} {ours.dtype}, reference {ref.shape} {ref.dtype}"
    if ours.tobytes() != ref.tobytes():
        bad = np.nonzero((ours.view(np.uint8) != ref.view(np.uint8)).reshape(len(ours), -1).any(axis=1))[0]
        pytest.fail(f"{len(bad)} samples differ, first at t={bad[0]}: ours {ours[bad[0]]} reference {ref[bad[0]]}")
