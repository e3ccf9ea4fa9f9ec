"""Integrated loudness against pyloudnorm on random signals (within 0.05 LU).

pyloudnorm's "DeMan" filters are the BS.1770 K-weighting derived for any rate from the
same analog prototype as ours (and libebur128's). Its default filters are the RBJ
cookbook's approximations (1500 Hz, +4 dB, Q 0.707; 38 Hz, Q 0.5), which differ from the
Recommendation's table by up to ~0.05 dB, so they are not the reference here.
Signal lengths are whole 100 ms hops: pyloudnorm rounds its block count, we only count
complete 400 ms blocks.
"""
import numpy as np
import pytest

from engine.loudness import integrated_loudness
from tests.engine_loudness.signals import noise

pyloudnorm = pytest.importorskip("pyloudnorm")

CASES = [
    # colour, rms dBFS, sample rate, channels, seconds
    ("white", -20, 48000, 2, 12.0),
    ("pink", -30, 44100, 2, 9.5),
    ("brown", -18, 44100, 1, 8.0),
    ("pink", -45, 22050, 2, 10.0),
    ("white", -60, 22050, 1, 6.3),
    ("brown", -25, 96000, 2, 7.0),
    ("pink", -12, 96000, 1, 5.0),
    ("white", -8, 32000, 2, 4.4),
]


def reference(signal: np.ndarray, sample_rate: int) -> float:
    return pyloudnorm.Meter(sample_rate, filter_class="DeMan").integrated_loudness(signal)


@pytest.mark.parametrize("colour, rms_dbfs, sample_rate, channels, seconds", CASES)
def test_noise_matches_pyloudnorm(colour, rms_dbfs, sample_rate, channels, seconds):
    signal = noise(colour, seconds, sample_rate, channels, rms_dbfs, seed=sample_rate + channels)
    ours = integrated_loudness(signal, sample_rate)
    assert ours == pytest.approx(reference(signal, sample_rate), abs=0.05)


@pytest.mark.parametrize("sample_rate", [22050, 44100, 48000, 96000])
def test_gated_passages_match_pyloudnorm(sample_rate):
    """Loud, quiet (relative gate) and near-silent (absolute gate) passages in one signal."""
    parts = [noise("pink", 4.0, sample_rate, 2, -18, seed=1),
             noise("white", 3.0, sample_rate, 2, -34, seed=2),
             noise("brown", 2.0, sample_rate, 2, -85, seed=3),
             noise("pink", 5.0, sample_rate, 2, -24, seed=4)]
    signal = np.concatenate(parts)
    ours = integrated_loudness(signal, sample_rate)
    assert ours == pytest.approx(reference(signal, sample_rate), abs=0.05)
