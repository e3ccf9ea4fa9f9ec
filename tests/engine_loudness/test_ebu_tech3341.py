"""EBU Tech 3341 minimum-requirement cases, synthesised from their descriptions.

Cases 1-6 (integrated loudness, +-0.1 LU) and 15-19 (true peak, +0.2/-0.4 dB). Cases 7-8
are recorded programmes and 20-23 are specific recorded waveforms: they cannot be
synthesised from the text, so they are not here.
"""
import numpy as np
import pytest

from engine.loudness import LoudnessMeter
from tests.engine_loudness.signals import sine, sine_sequence

LOUDNESS_CASES = {
    "1: -23 dBFS for 20 s": ([(-23, 20)], -23.0),
    "2: -33 dBFS for 20 s": ([(-33, 20)], -33.0),
    "3: -36/-23/-36 dBFS, 10/60/10 s": ([(-36, 10), (-23, 60), (-36, 10)], -23.0),
    "4: -72/-36/-23/-36/-72 dBFS, 10/10/60/10/10 s":
        ([(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)], -23.0),
    "5: -26/-20/-26 dBFS, 20/20.1/20 s": ([(-26, 20), (-20, 20.1), (-26, 20)], -23.0),
}


def metered(samples: np.ndarray, sample_rate: int = 48000) -> LoudnessMeter:
    meter = LoudnessMeter(sample_rate, samples.shape[1])
    meter.add(samples)
    return meter


@pytest.mark.parametrize("case", LOUDNESS_CASES)
def test_stereo_1khz_cases(case):
    segments, expected = LOUDNESS_CASES[case]
    assert metered(sine_sequence(segments)).integrated_lufs() == pytest.approx(expected, abs=0.1)


def test_case_6_five_channels():
    """L, R at -28 dBFS, C at -24 dBFS, Ls, Rs at -30 dBFS (1 kHz, 20 s): -23 LUFS."""
    levels = [-28, -28, -24, -30, -30]
    signal = np.stack([sine(1000, level, 20, 48000) for level in levels], axis=1)
    assert metered(signal).integrated_lufs() == pytest.approx(-23.0, abs=0.1)


def test_case_6_as_5_1_ignores_the_lfe_channel():
    levels = [-28, -28, -24, 0, -30, -30]
    signal = np.stack([sine(1000, level, 20, 48000) for level in levels], axis=1)
    signal[:, 3] = sine(60, -6, 20, 48000)      # a loud LFE that must not count
    assert metered(signal).integrated_lufs() == pytest.approx(-23.0, abs=0.1)


# (frequency as a fraction of the rate, peak amplitude, phase in degrees, expected dBTP)
TRUE_PEAK_CASES = {
    "15: fs/4, 0.5, 0 deg": (1 / 4, 0.5, 0.0, -6.0),
    "16: fs/4, 0.5, 45 deg": (1 / 4, 0.5, 45.0, -6.0),
    "17: fs/6, 0.5, 60 deg": (1 / 6, 0.5, 60.0, -6.0),
    "18: fs/8, 0.5, 67.5 deg": (1 / 8, 0.5, 67.5, -6.0),
    "19: fs/4, 1.41, 45 deg": (1 / 4, 1.41, 45.0, 3.0),
}


def faded_in(mono: np.ndarray, frames: int = 4800) -> np.ndarray:
    """A 100 ms raised-cosine fade-in: a stationary sine has no step at its start (a step
    from silence really does overshoot between samples, and would be measured)."""
    envelope = np.ones(len(mono))
    envelope[:frames] = 0.5 - 0.5 * np.cos(np.pi * np.arange(frames) / frames)
    return mono * envelope


@pytest.mark.parametrize("case", TRUE_PEAK_CASES)
def test_true_peak_cases(case):
    fraction, amplitude, phase, expected = TRUE_PEAK_CASES[case]
    t = np.arange(48000 * 2)
    mono = faded_in(amplitude * np.sin(2 * np.pi * fraction * t + np.radians(phase)))
    true_peak = metered(np.stack([mono, mono], axis=1)).true_peak_dbtp()
    assert expected - 0.4 <= true_peak <= expected + 0.2


def test_true_peak_sees_what_the_samples_miss():
    """Case 16's samples peak at -9 dBFS; the waveform between them reaches -6 dBTP."""
    t = np.arange(48000)
    mono = faded_in(0.5 * np.sin(2 * np.pi * t / 4 + np.pi / 4))
    meter = metered(mono[:, np.newaxis])
    assert meter.sample_peak_dbfs() == pytest.approx(-9.03, abs=0.01)
    assert meter.true_peak_dbtp() == pytest.approx(-6.02, abs=0.1)
