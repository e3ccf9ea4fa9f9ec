"""The true-peak interpolator against the Annex 2 filter applied the plain way."""
import numpy as np
import pytest

from engine.loudness.truepeak import ANNEX2_PHASES, TruePeakDetector, mirrored_pair_coefficients
from tests.engine_loudness.signals import noise


def annex_peak(mono: np.ndarray) -> float:
    """max |y_p[n]| over the 4 phases, y_p = the 12-tap phase p convolved with the signal,
    over the windows that lie wholly inside it (float64, straight from the table)."""
    return max(np.abs(np.convolve(mono, phase, mode="valid")).max() for phase in ANNEX2_PHASES)


def test_the_phases_come_in_mirrored_pairs():
    symmetric, antisymmetric = mirrored_pair_coefficients()
    for p in (0, 1):
        np.testing.assert_array_equal(np.concatenate([symmetric[p] + antisymmetric[p],
                                                      (symmetric[p] - antisymmetric[p])[::-1]]),
                                      ANNEX2_PHASES[p].astype(np.float32))
        np.testing.assert_array_equal(ANNEX2_PHASES[3 - p], ANNEX2_PHASES[p][::-1])


@pytest.mark.parametrize("colour, seed", [("white", 1), ("pink", 2), ("brown", 3)])
def test_peak_equals_the_annex_filter_applied_directly(colour, seed):
    signal = noise(colour, 3.0, 48000, 2, -12, seed=seed)
    detector = TruePeakDetector(48000, 2)
    for piece in np.split(signal, [1, 500, 4801, 70000, 100003]):
        detector.add(piece)
    expected = max(annex_peak(signal[:, 0]), annex_peak(signal[:, 1]))
    # float32 arithmetic in ours: 1e-6 relative is 1e-5 dB
    assert detector.interpolated_peak() == pytest.approx(expected, rel=1e-6)


def test_square_wave_overshoots_between_samples():
    """A full-scale 1 kHz square at 48 kHz: its samples are +-0.5, its waveform rings higher."""
    square = 0.5 * np.sign(np.sin(2 * np.pi * 1000 * (np.arange(48000) + 0.5) / 48000))
    detector = TruePeakDetector(48000, 1)
    detector.add(square[:, np.newaxis])
    assert detector.interpolated_peak() == pytest.approx(annex_peak(square), rel=1e-6)
    assert detector.interpolated_peak() > 0.55
