"""The streaming meter: block-size independence, bounded memory, silence, bad input."""
import math
import tracemalloc

import numpy as np
import pytest

from engine.errors import InvalidRequestError
from engine.loudness import LoudnessMeter, integrated_loudness, true_peak_dbtp
from tests.engine_loudness.signals import noise, sine_sequence


def readings(meter: LoudnessMeter) -> tuple[float, float, float]:
    return meter.integrated_lufs(), meter.true_peak_dbtp(), meter.sample_peak_dbfs()


@pytest.mark.parametrize("sample_rate", [22050, 44100, 48000, 96000])
def test_readings_are_identical_whatever_the_block_sizes(sample_rate):
    rng = np.random.default_rng(sample_rate)
    signal = np.concatenate([noise("pink", 7.3, sample_rate, 2, -20, seed=1),
                             noise("white", 3.1, sample_rate, 2, -45, seed=2)]).astype(np.float32)
    whole = LoudnessMeter(sample_rate, 2)
    whole.add(signal)
    for sizes in (1, 7, 4410, 65537, 200_000):
        streamed = LoudnessMeter(sample_rate, 2)
        for start in range(0, len(signal), sizes if sizes > 1 else 997):
            streamed.add(signal[start:start + (sizes if sizes > 1 else 997)])
        assert readings(streamed) == readings(whole)
    random_cuts = LoudnessMeter(sample_rate, 2)
    for piece in np.split(signal, np.sort(rng.integers(0, len(signal), 300))):
        random_cuts.add(piece)
    assert readings(random_cuts) == readings(whole)
    assert random_cuts.frames == len(signal)


def test_an_hour_is_metered_in_bounded_memory():
    """60 minutes of 48 kHz stereo, one second at a time: the meter's own allocations stay
    small (about 8 bytes per 100 ms of history) and the reading is right."""
    second = sine_sequence([(-23, 1.0)])             # whole periods: the blocks join seamlessly
    meter = LoudnessMeter(48000, 2)
    meter.add(second)
    tracemalloc.start()
    try:
        for _ in range(3599):
            meter.add(second)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert meter.frames == 48000 * 3600
    assert meter.integrated_lufs() == pytest.approx(-23.0, abs=0.1)
    assert peak_bytes < 2_000_000, f"{peak_bytes} bytes traced while metering an hour"


def test_silence_and_too_short_signals_have_no_loudness():
    meter = LoudnessMeter(48000, 2)
    meter.add(np.zeros((48000 * 5, 2)))
    assert readings(meter) == (-math.inf, -math.inf, -math.inf)
    short = LoudnessMeter(48000, 1)
    short.add(sine_sequence([(-10, 0.35)], channels=1))     # under one 400 ms block
    assert short.integrated_lufs() == -math.inf
    assert short.sample_peak_dbfs() == pytest.approx(-10, abs=0.01)


def test_gates_drop_quiet_passages():
    """Signal below -70 LUFS never counts; passages 10 LU under the rest do not either."""
    loud_then_quiet = sine_sequence([(-20, 10), (-80, 30)])
    assert integrated_loudness(loud_then_quiet, 48000) == pytest.approx(-20, abs=0.1)
    assert integrated_loudness(sine_sequence([(-80, 10)]), 48000) == -math.inf
    with_quiet_part = sine_sequence([(-20, 10), (-35, 10)])
    assert integrated_loudness(with_quiet_part, 48000) == pytest.approx(-20, abs=0.1)


def test_mono_accepts_one_dimensional_arrays():
    mono = sine_sequence([(-23, 5)], channels=1)
    assert integrated_loudness(mono[:, 0], 48000) == integrated_loudness(mono, 48000)
    assert true_peak_dbtp(mono[:, 0], 48000) == true_peak_dbtp(mono, 48000)
    # BS.1770 weighs every front channel 1.0: the same sine in both channels is +3 dB
    assert integrated_loudness(np.repeat(mono, 2, axis=1), 48000) == pytest.approx(
        integrated_loudness(mono, 48000) + 3.01, abs=0.01)


@pytest.mark.parametrize("sample_rate, channels, message", [
    (4000, 2, "sample_rate: must be an integer from 8000 to 768000 Hz, got 4000"),
    (44100.0, 2, "sample_rate: must be an integer from 8000 to 768000 Hz, got 44100.0"),
    (True, 2, "sample_rate: must be an integer"),
    (48000, 3, "channels: must be one of 1, 2, 5, 6, got 3"),
    (48000, 0, "channels: must be one of 1, 2, 5, 6, got 0"),
])
def test_bad_settings_are_named(sample_rate, channels, message):
    with pytest.raises(InvalidRequestError, match=message.replace("(", r"\(")):
        LoudnessMeter(sample_rate, channels)


@pytest.mark.parametrize("block, message", [
    (np.zeros((10, 2), dtype=np.int16), "samples: must be a float32 or float64 numpy array"),
    ([0.0, 0.1], "samples: must be a float32 or float64 numpy array .* got list"),
    (np.zeros((10, 1)), r"samples: must have shape \(frames, 2\) for 2 channel\(s\), got \(10, 1\)"),
    (np.zeros(10), r"samples: must have shape \(frames, 2\) for 2 channel\(s\), got \(10,\)"),
    (np.array([[0.0, 0.0], [np.nan, 0.0]]), "samples: must be finite, got NaN or infinity"),
    (np.array([[0.0, np.inf]]), "samples: must be finite, got NaN or infinity between frames 0 and 1"),
])
def test_bad_blocks_are_named(block, message):
    with pytest.raises(InvalidRequestError, match=message):
        LoudnessMeter(48000, 2).add(block)


def test_oversampling_follows_the_rate():
    """4x below 176.4 kHz, none from there on (the samples are then as dense as 4 x 44.1 kHz)."""
    for rate, expected in ((8000, 4), (44100, 4), (48000, 4), (88200, 4), (96000, 4), (192000, 1)):
        assert LoudnessMeter(rate, 1)._true_peak.factor == expected
    for rate in (88200, 96000, 192000):
        # a 12 kHz sine whose crests fall half-way between two samples
        t = np.arange(rate * 2)
        mono = 0.5 * np.sin(2 * np.pi * 12000 * t / rate + np.pi / 2 - np.pi * 12000 / rate)
        mono[:4800] *= np.linspace(0, 1, 4800)
        peak = true_peak_dbtp(mono, rate)
        assert -6.02 - 0.4 <= peak <= -6.02 + 0.2, rate
        assert peak >= 20 * np.log10(np.abs(mono).max())
