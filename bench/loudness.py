"""Loudness meter speed: ours (BS.1770-4 loudness + true peak) next to pyloudnorm on the same signal.

    .venv/bin/python -m bench.loudness [--minutes 10] [--repeats 3]

Side by side in one run (the machine is shared and noisy: only the ratios mean much, and
CPU seconds are steadier than wall seconds there). The signal is `--minutes` of 48 kHz
stereo, float32 as the mixer makes it: pink-ish noise under a slowly swelling 220 Hz
square wave (bytebeat-like: full of inter-sample peaks, so the true-peak meter can skip
nothing). Rows:

* ours, the streaming meter fed 1 s blocks (how the mixer uses it), and fed the whole
  array at once; both measure integrated loudness AND 4x-oversampled true peak;
* ours split into its two parts (K-weighting + gating; true peak), to show where time goes;
* pyloudnorm 0.2 (scipy lfilter + a Python block loop), integrated loudness only (it has
  no true peak), with its BS.1770 filters ("DeMan") and its default (RBJ cookbook) ones.

The issue's target: 10 minutes of 48 kHz stereo in well under 0.2 s, 10x faster than the
seed apps' ~2 s normalisation.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# run as a script, bench/ would come first on sys.path and bench/queue.py would shadow
# the standard library's queue module
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from engine.loudness import LoudnessMeter  # noqa: E402
from engine.loudness.gating import CHANNEL_WEIGHTS, GatedIntegrator  # noqa: E402
from engine.loudness.kweighting import KWeightedEnergy  # noqa: E402
from engine.loudness.truepeak import TruePeakDetector, amplitude_to_db  # noqa: E402

RATE = 48000


def test_signal(minutes: float) -> np.ndarray:
    """Noise (1-pole low-passed white) under a swelling 220 Hz square, stereo float32."""
    frames = int(minutes * 60 * RATE)
    rng = np.random.default_rng(0)
    t = np.arange(frames, dtype=np.float64) / RATE
    square = np.sign(np.sin(2 * np.pi * 220.0 * t)) * (0.25 + 0.2 * np.sin(2 * np.pi * t / 17.0))
    noise = rng.standard_normal((frames, 2)) * 0.05
    noise[1:] = 0.5 * noise[1:] + 0.5 * noise[:-1]
    return (noise + square[:, np.newaxis]).astype(np.float32)


def timed(fn, repeats: int) -> tuple[float, float, object]:
    """Best wall and best CPU seconds over `repeats` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


def ours_streamed(signal: np.ndarray) -> tuple[float, float]:
    meter = LoudnessMeter(RATE, 2)
    for start in range(0, len(signal), RATE):
        meter.add(signal[start:start + RATE])
    return meter.integrated_lufs(), meter.true_peak_dbtp()


def ours_whole(signal: np.ndarray) -> tuple[float, float]:
    meter = LoudnessMeter(RATE, 2)
    meter.add(signal)
    return meter.integrated_lufs(), meter.true_peak_dbtp()


def ours_loudness_only(signal: np.ndarray) -> tuple[float, float]:
    energy = KWeightedEnergy(RATE, 2, RATE // 10)
    gating = GatedIntegrator(RATE // 10, CHANNEL_WEIGHTS[2])
    for start in range(0, len(signal), RATE):
        gating.add_hops(energy.add(signal[start:start + RATE]))
    return gating.integrated_lufs(), float("nan")


def ours_true_peak_only(signal: np.ndarray) -> tuple[float, float]:
    detector = TruePeakDetector(RATE, 2)
    for start in range(0, len(signal), RATE):
        detector.add(signal[start:start + RATE])
    return float("nan"), amplitude_to_db(detector.interpolated_peak())


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loudness")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    signal = test_signal(args.minutes)
    ours_whole(signal[:RATE])                      # compile / load the numba kernels first
    rows = [
        ("ours: loudness + true peak, 1 s blocks", lambda: ours_streamed(signal), args.repeats),
        ("ours: loudness + true peak, one array", lambda: ours_whole(signal), args.repeats),
        ("  of which K-weighting + gating", lambda: ours_loudness_only(signal), args.repeats),
        ("  of which true peak (4x)", lambda: ours_true_peak_only(signal), args.repeats),
    ]
    try:
        import pyloudnorm
    except ImportError:
        print("pyloudnorm is not installed (pip install -e '.[test]'): only our rows")
    else:
        as_float64 = signal.astype(np.float64)
        for label, filters in (("pyloudnorm, BS.1770 filters (DeMan)", "DeMan"),
                               ("pyloudnorm, default filters", "K-weighting")):
            meter = pyloudnorm.Meter(RATE, filter_class=filters)
            rows.append((f"{label}: loudness only",
                         lambda meter=meter: (meter.integrated_loudness(as_float64), float("nan")), 1))

    print(f"{args.minutes:g} min of {RATE} Hz stereo float32; best of {args.repeats} for ours"
          f" (pyloudnorm: 1 run)")
    header = f"{'meter':<52} {'wall s':>8} {'cpu s':>8} {'cpu ratio':>10} {'LUFS':>9} {'dBTP':>7}"
    print(header)
    print("-" * len(header))
    results = [(label, *timed(fn, repeats)) for label, fn, repeats in rows]
    baseline_cpu = results[0][2]
    for label, wall, cpu, (lufs, dbtp) in results:
        print(f"{label:<52} {wall:8.3f} {cpu:8.3f} {cpu / baseline_cpu:9.1f}x {lufs:9.3f} {dbtp:7.2f}")
    print("cpu ratio: CPU seconds over those of the first row (ours, streamed).")
    return 0


def main() -> int:
    return run()


if __name__ == "__main__":
    sys.exit(main())
