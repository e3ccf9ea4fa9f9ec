"""Layer sources: real samples checked by FFT, level, continuity and reproducibility."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from engine import BytebeatRequest, render_samples
from engine.errors import InvalidRequestError
from engine.mix.sources import (BinauralSource, BytebeatSource, FileLayerSource, NoiseSource,
                                ToneSource)
from tests.engine_mix.signals import dominant_hz, octave_slope_db, rms_db

RATE = 44100


def read_all(source, total: int, block: int) -> np.ndarray:
    return np.concatenate([source.read(o, min(block, total - o)) for o in range(0, total, block)])


@pytest.mark.parametrize("hz", [174.0, 528.0, 963.0, 7777.7])
def test_tone_frequency_and_level(hz):
    x = read_all(ToneSource(hz, RATE, 4096), RATE * 2, 4096)
    assert abs(dominant_hz(x[:, 0], RATE) - hz) < 0.05
    assert np.array_equal(x[:, 0], x[:, 1])
    assert abs(rms_db(x[:, 0]) - (-3.0103)) < 0.01          # a full-scale sine
    assert np.abs(x).max() <= 1.0 + 1e-6


def test_binaural_ears_carrier_and_carrier_plus_beat():
    x = read_all(BinauralSource(200.0, 10.0, RATE, 8192), RATE * 4, 8192)
    assert abs(dominant_hz(x[:, 0], RATE) - 200.0) < 0.02
    assert abs(dominant_hz(x[:, 1], RATE) - 210.0) < 0.02


@pytest.mark.parametrize("block", [1000, 4096, 44100, 65536])
def test_binaural_is_click_free_across_blocks_and_matches_exact_phase(block):
    """Every sample-to-sample step stays within the sine's own slope (2 pi f / rate), at block
    boundaries too, and the samples equal sin() of the exact float64 phase, even one hour in."""
    carrier, beat = 432.1, 6.3
    source = BinauralSource(carrier, beat, RATE, block)
    start = 3600 * RATE - 5 * block // 2               # blocks straddling the one-hour mark
    blocks = [source.read(start + i * block, block) for i in range(5)]
    x = np.concatenate(blocks).astype(np.float64)
    n = np.arange(start, start + len(x), dtype=np.float64)
    for channel, hz in ((0, carrier), (1, carrier + beat)):
        exact = np.sin(2 * np.pi * np.mod(n * hz / RATE, 1.0))
        assert np.abs(x[:, channel] - exact).max() < 2e-6
        max_step = 2 * np.pi * hz / RATE
        assert np.abs(np.diff(x[:, channel])).max() <= max_step * 1.0001


@pytest.mark.parametrize("color, slope", [("white", 0.0), ("pink", -3.0), ("brown", -6.0)])
def test_noise_spectral_slope_and_level(color, slope):
    x = read_all(NoiseSource(color, 11, RATE), RATE * 20, 65536)
    for channel in (0, 1):
        measured = octave_slope_db(x[:, channel], RATE)
        assert abs(measured - slope) < 0.6, (color, measured)
        assert abs(rms_db(x[:, channel]) - (-20.0)) < 1.0
    # the two channels are independent streams
    assert abs(np.corrcoef(x[:, 0], x[:, 1])[0, 1]) < 0.05


@pytest.mark.parametrize("color", ["white", "pink", "brown"])
def test_noise_is_seeded_and_independent_of_block_size(color):
    total = 200_000
    a = read_all(NoiseSource(color, 5, RATE), total, 65536)
    b = read_all(NoiseSource(color, 5, RATE), total, 1237)
    c = read_all(NoiseSource(color, 6, RATE), total, 65536)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_noise_refuses_reads_out_of_order():
    source = NoiseSource("pink", 1, RATE)
    source.read(0, 100)
    with pytest.raises(ValueError, match="consecutive"):
        source.read(500, 100)


def test_bytebeat_layer_is_the_song_resampled():
    """A float song playing a 500 Hz sine at 8 kHz comes out as a 500 Hz sine at 44.1 kHz."""
    frames = RATE * 2
    source = BytebeatSource("sin(2*PI*500*t/8000)*0.5", "float", 8000, RATE, frames, None)
    try:
        x = read_all(source, frames, 10000)
    finally:
        source.close()
    steady = x[RATE // 10:]
    assert abs(dominant_hz(steady[:, 0], RATE) - 500.0) < 0.05
    assert abs(rms_db(steady[:, 0]) - (-3.0103 - 6.0206)) < 0.05
    assert np.array_equal(x[:, 0], x[:, 1])


def test_bytebeat_byte_modes_are_centred_and_keep_their_level():
    """uint8 bytes b become (b - 128) / 128; upsampling keeps the song's level within half a
    dB (all its content is below 4 kHz; soxr's transition band, the top ~9 % below 4 kHz,
    takes a little of this bright song), whatever the filter's ringing at its edges."""
    frames = RATE
    source = BytebeatSource("t*(t>>5|t>>8)", "uint8", 8000, RATE, frames, None)
    try:
        x = read_all(source, frames, 8192)
    finally:
        source.close()
    song = (render_samples(BytebeatRequest("t*(t>>5|t>>8)", "uint8", 8000, 1.0)).astype(np.float64) - 128) / 128
    assert abs(rms_db(x[1000:-1000, 0]) - rms_db(song[200:-200])) < 0.5
    assert abs(x[:, 0].mean() - song.mean()) < 0.01


@pytest.fixture
def sine_file(tmp_path):
    """One second of a 1 kHz sine at 22050 Hz, mono, 16-bit: a real file on disk."""
    path = tmp_path / "sine.wav"
    n = np.arange(22050)
    sf.write(path, 0.5 * np.sin(2 * np.pi * 1000 * n / 22050), 22050, subtype="PCM_16")
    return path


def test_file_layer_decoded_and_resampled(sine_file):
    source = FileLayerSource(sine_file, False, RATE, "layers[0]")
    assert source.length == RATE
    x = read_all(source, RATE, 4096)
    source.close()
    middle = x[2000:-2000]
    assert abs(dominant_hz(middle[:, 0], RATE) - 1000.0) < 0.05
    assert abs(rms_db(middle[:, 0]) - (-9.03)) < 0.05
    assert np.array_equal(x[:, 0], x[:, 1])          # mono in both channels


def test_file_layer_loops_and_pads(sine_file):
    looped = FileLayerSource(sine_file, True, RATE, "layers[0]")
    assert looped.length is None
    x = read_all(looped, RATE * 3, 10000)
    looped.close()
    # still playing in the third second, at the same frequency and level
    assert abs(dominant_hz(x[2 * RATE + 2000:3 * RATE - 2000, 0], RATE) - 1000.0) < 0.05
    assert abs(rms_db(x[2 * RATE:3 * RATE - 100, 0]) - (-9.03)) < 0.1
    once = FileLayerSource(sine_file, False, RATE, "layers[0]")
    y = read_all(once, RATE * 2, 10000)
    once.close()
    assert np.abs(y[RATE + 100:]).max() == 0.0       # past its end: silence


def test_file_layer_that_is_not_audio_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not audio")
    with pytest.raises(InvalidRequestError, match=r"^layers\[3\]: cannot decode the file as audio"):
        FileLayerSource(path, False, RATE, "layers[3]")
