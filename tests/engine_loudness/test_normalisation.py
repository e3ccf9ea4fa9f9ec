"""normalisation_gain_db: target reached unless the true-peak ceiling forbids it; never over it."""
import math

import numpy as np
import pytest

from engine.errors import InvalidRequestError
from engine.loudness import LoudnessMeter, normalisation_gain_db
from tests.engine_loudness.signals import db_to_amplitude, noise, sine_sequence


def measure(signal: np.ndarray, sample_rate: int = 48000) -> LoudnessMeter:
    meter = LoudnessMeter(sample_rate, signal.shape[1])
    meter.add(signal)
    return meter


def normalised(signal: np.ndarray, target: float, ceiling: float) -> tuple[float, LoudnessMeter]:
    before = measure(signal)
    gain = normalisation_gain_db(before.integrated_lufs(), before.true_peak_dbtp(), target, ceiling)
    return gain, measure(signal * db_to_amplitude(gain))


@pytest.mark.parametrize("rms_dbfs, target", [(-40, -16), (-30, -23), (-10, -16), (-20, -14)])
def test_target_is_reached_when_the_ceiling_allows(rms_dbfs, target):
    signal = noise("pink", 6.0, 48000, 2, rms_dbfs, seed=7)
    gain, after = normalised(signal, target, ceiling=-1.0)
    assert after.true_peak_dbtp() < -1.0          # these programmes have the headroom
    assert after.integrated_lufs() == pytest.approx(target, abs=0.1)


def test_quiet_noise_is_brought_to_the_target():
    signal = noise("white", 6.0, 48000, 2, -40, seed=3)
    gain, after = normalised(signal, -16.0, ceiling=-1.0)
    assert gain > 15
    assert after.integrated_lufs() == pytest.approx(-16.0, abs=0.1)
    assert after.true_peak_dbtp() <= -1.0


def test_the_ceiling_wins_over_the_target():
    """A spiky signal: reaching -10 LUFS would push its true peak far over -1 dBTP."""
    signal = noise("white", 6.0, 48000, 2, -30, seed=5)
    signal[48000] = 0.9                                 # one loud click
    gain, after = normalised(signal, target=-10.0, ceiling=-1.0)
    assert after.true_peak_dbtp() <= -1.0 + 1e-5
    assert after.true_peak_dbtp() == pytest.approx(-1.0, abs=1e-3)   # the largest such gain
    assert after.integrated_lufs() < -10.0


def test_inter_sample_peaks_count_against_the_ceiling():
    """fs/4 at 45 degrees: samples at -9 dBFS, true peak -6 dBTP; the gain stops at the latter."""
    t = np.arange(48000 * 3)
    mono = 0.5 * np.sin(2 * np.pi * t / 4 + np.pi / 4)
    mono[:4800] *= np.linspace(0, 1, 4800)
    gain, after = normalised(np.stack([mono, mono], axis=1), target=0.0, ceiling=-1.0)
    assert after.true_peak_dbtp() <= -1.0 + 1e-5
    assert after.sample_peak_dbfs() < -3.5


def test_silence_gets_no_gain():
    assert normalisation_gain_db(-math.inf, -math.inf, -16.0, -1.0) == 0.0
    silent = measure(np.zeros((48000 * 2, 2)))
    assert normalisation_gain_db(silent.integrated_lufs(), silent.true_peak_dbtp(), -16, -1) == 0.0


def test_loud_programmes_are_turned_down():
    loud = sine_sequence([(-3, 5)])
    meter = measure(loud)
    gain = normalisation_gain_db(meter.integrated_lufs(), meter.true_peak_dbtp(), -16.0, -1.0)
    assert gain == pytest.approx(-16.0 - meter.integrated_lufs())
    assert gain < -10


@pytest.mark.parametrize("arguments, message", [
    ((float("nan"), -3.0, -16.0, -1.0), "measured_lufs: must be a finite number or -inf, got nan"),
    ((-20.0, math.inf, -16.0, -1.0), "true_peak_dbtp: must be a finite number or -inf, got inf"),
    ((-20.0, -3.0, -math.inf, -1.0), "target_lufs: must be a finite number, got -inf"),
    ((-20.0, -3.0, -16.0, 1.5), "ceiling_dbtp: must be <= 0 dBTP, got 1.5"),
    ((-20.0, -3.0, "-16", -1.0), "target_lufs: must be a number, got '-16'"),
])
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(InvalidRequestError, match=message):
        normalisation_gain_db(*arguments)
