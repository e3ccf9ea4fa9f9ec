"""render_mix end to end: real layers, real files written, decoded back and measured."""
from __future__ import annotations

import hashlib
import json
import time

import numpy as np
import pytest
import soundfile as sf

from engine.errors import InvalidRequestError, RenderTimeoutError
from engine.loudness import integrated_loudness, true_peak_dbtp
from engine.mix import parse_spec, render_mix
from tests.engine_mix.signals import dominant_hz

RATE = 44100


@pytest.fixture
def voice_file(tmp_path):
    """Three seconds of a 1 kHz tone at 22050 Hz in stereo: a stand-in for a downloaded file."""
    path = tmp_path / "in" / "voice.wav"
    path.parent.mkdir()
    n = np.arange(3 * 22050)
    tone = 0.4 * np.sin(2 * np.pi * 1000 * n / 22050)
    sf.write(path, np.stack([tone, tone], axis=1), 22050, subtype="PCM_16")
    return path


def full_spec(**overrides) -> dict:
    spec = {
        "duration_s": 12,
        "layers": [
            {"type": "tone", "frequency_hz": "solfeggio-528", "gain_db": -12, "fade_in_s": 1, "fade_out_s": 1},
            {"type": "binaural", "carrier_hz": 200, "band": "alpha", "gain_db": -18},
            {"type": "noise", "color": "pink", "seed": 3, "pan": -0.5, "gain_db": -6},
            {"type": "bytebeat", "code": "t*(t>>5|t>>8)", "gain_db": -24, "start_s": 4, "duration_s": 3,
             "fade_out_s": 0.5},
            {"type": "file", "key": "uploads/voice.wav", "loop": True, "start_s": 2, "gain_db": -12},
            {"type": "file", "url": "https://example.org/missing.flac", "required": False},
        ],
        "outputs": [{"format": "wav", "sample_format": "float", "name": "master.wav"},
                    {"format": "wav", "sample_format": "pcm_24"},
                    {"format": "flac"}, {"format": "mp3"}, {"format": "ogg"}],
    }
    spec.update(overrides)
    return spec


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_full_mix_hits_the_target_under_the_ceiling_and_writes_every_output(tmp_path, voice_file):
    spec = parse_spec(full_spec(), max_duration_s=900)
    stages = []
    result = render_mix(spec, tmp_path / "out", files={4: voice_file},
                        warnings=["layers[5]: download failed: HTTP 404"],
                        on_progress=lambda stage, fraction: stages.append((stage, fraction)))
    by_name = {o.name: o for o in result.outputs}
    assert list(by_name) == ["master.wav", "mix.wav", "mix.flac", "mix.mp3", "mix.ogg",
                             "waveform.json", "waveform.png"]
    for output in result.outputs:
        assert output.path.stat().st_size == output.bytes and sha256(output.path) == output.sha256
    assert by_name["mix.mp3"].content_type == "audio/mpeg" and by_name["mix.flac"].content_type == "audio/flac"

    master, rate = sf.read(by_name["master.wav"].path)
    assert rate == RATE and master.shape == (12 * RATE, 2)
    # the delivered loudness, measured independently on the decoded file
    assert abs(integrated_loudness(master, RATE) - (-16.0)) < 0.1
    assert true_peak_dbtp(master, RATE) <= -1.0 + 1e-6
    assert abs(result.lufs - (-16.0)) < 0.1 and result.true_peak_dbtp <= -1.0 + 1e-6
    assert abs(result.measured_lufs + result.gain_db - result.lufs) < 0.05

    pcm24, _ = sf.read(by_name["mix.wav"].path)
    flac, _ = sf.read(by_name["mix.flac"].path)
    # lossless: the same 24-bit samples (libsndfile's float -> int rounding may differ by 1 LSB)
    assert np.abs(pcm24 - flac).max() <= 2 ** -23 * 1.01
    assert np.abs(pcm24 - master).max() < 2 ** -22
    for lossy in ("mix.mp3", "mix.ogg"):
        info = sf.info(by_name[lossy].path)
        assert info.samplerate == RATE and info.channels == 2 and abs(info.duration - 12) < 0.1

    # the layers are there: 528 Hz tone in both ears, 200 Hz left and 210 Hz right, the file's 1 kHz
    seconds = master[8 * RATE:10 * RATE]
    freqs = np.fft.rfftfreq(len(seconds), 1 / RATE)
    for channel, tones in ((0, (200, 528, 1000)), (1, (210, 528, 1000))):
        spectrum = np.abs(np.fft.rfft(seconds[:, channel] * np.hanning(len(seconds))))
        for hz in tones:
            k = int(round(hz * len(seconds) / RATE))
            assert spectrum[k] > 30 * np.median(spectrum[(freqs > hz - 50) & (freqs < hz + 50)])
    right = np.abs(np.fft.rfft(seconds[:, 1] * np.hanning(len(seconds))))
    assert right[400] < 0.01 * right[420]                  # no 200 Hz in the right ear

    doc = result.to_json()
    json.dumps(doc, allow_nan=False)                       # JSON-ready
    assert doc["warnings"] == ["layers[5]: download failed: HTTP 404"]
    assert doc["sample_rate"] == RATE and doc["channels"] == 2 and doc["duration_s"] == 12
    assert all("path" not in o for o in doc["outputs"])
    assert [s for s, _ in stages if s not in ("rendering", "encoding")] == \
        ["normalising", "normalising", "waveform", "waveform"]
    order = [s for i, (s, _) in enumerate(stages) if i == 0 or stages[i - 1][0] != s]
    assert order == ["rendering", "normalising", "encoding", "waveform"]
    assert [f for s, f in stages if s == "rendering"][-1] == 1.0 and stages[-1] == ("waveform", 1.0)

    wave = json.loads(by_name["waveform.json"].path.read_bytes())
    assert wave["version"] == 2 and wave["length"] == -(-12 * RATE // 1024)
    assert len(wave["data"]) == 2 * wave["length"] and max(wave["data"]) <= 127
    assert by_name["waveform.png"].path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_same_spec_renders_identically_twice_and_whatever_the_block_size(tmp_path, voice_file):
    spec = parse_spec(full_spec(outputs=[{"format": "wav", "sample_format": "float"}, {"format": "flac"},
                                         {"format": "mp3"}, {"format": "ogg"}]), max_duration_s=900)
    a = render_mix(spec, tmp_path / "a", files={4: voice_file})
    b = render_mix(spec, tmp_path / "b", files={4: voice_file})
    for x, y in zip(a.outputs, b.outputs):
        if x.format == "ogg":
            # an Ogg stream carries a random serial number: the audio is what must be equal
            assert np.array_equal(sf.read(x.path)[0], sf.read(y.path)[0])
        else:
            assert x.sha256 == y.sha256, x.name
    c = render_mix(parse_spec(full_spec(outputs=[{"format": "wav", "sample_format": "float"}]),
                              max_duration_s=900), tmp_path / "c", files={4: voice_file}, block=10_007)
    x, _ = sf.read(a.outputs[0].path)
    z, _ = sf.read(c.outputs[0].path)
    assert np.abs(x - z).max() < 1e-5
    assert abs(a.gain_db - c.gain_db) < 1e-3


def test_a_peaky_mix_is_held_under_the_ceiling_instead_of_reaching_the_target(tmp_path):
    """Brown noise at -8 LUFS would peak far above -1 dBTP: the gain stops at the ceiling."""
    spec = parse_spec({"duration_s": 5, "loudness": {"target_lufs": -8, "true_peak_dbtp": -2},
                       "layers": [{"type": "noise", "color": "brown", "seed": 1}],
                       "outputs": [{"format": "wav", "sample_format": "float"}]}, max_duration_s=60)
    result = render_mix(spec, tmp_path, files={})
    x, _ = sf.read(result.outputs[0].path)
    assert true_peak_dbtp(x, RATE) <= -2.0 + 1e-6
    assert result.lufs < -8.5 and abs(result.true_peak_dbtp - (-2.0)) < 0.05
    assert np.abs(x).max() < 1.0


def test_opus_output_at_48k(tmp_path):
    spec = parse_spec({"sample_rate": 48000, "duration_s": 3,
                       "layers": [{"type": "tone", "frequency_hz": 440}],
                       "outputs": [{"format": "opus", "quality": 0.8}]}, max_duration_s=60)
    result = render_mix(spec, tmp_path, files={})
    assert result.outputs[0].content_type == "audio/ogg; codecs=opus"
    x, rate = sf.read(result.outputs[0].path)
    assert rate == 48000 and abs(dominant_hz(x[4800:-4800, 0], rate) - 440) < 0.5


def test_silence_gets_no_gain_and_null_loudness(tmp_path):
    path = tmp_path / "zeros.wav"
    sf.write(path, np.zeros((44100, 1)), 44100)
    spec = parse_spec({"duration_s": 2, "layers": [{"type": "file", "key": "z.wav"}]}, max_duration_s=60)
    result = render_mix(spec, tmp_path / "out", files={0: path})
    assert result.gain_db == 0.0
    doc = result.to_json()
    assert doc["lufs"] is None and doc["measured_lufs"] is None


def test_a_required_file_that_was_not_provided_fails_naming_the_layer(tmp_path):
    spec = parse_spec({"duration_s": 2, "layers": [{"type": "tone", "frequency_hz": 100},
                                                   {"type": "file", "url": "https://x.org/a.wav"}]},
                      max_duration_s=60)
    with pytest.raises(InvalidRequestError, match=r"^layers\[1\]: the required file 'https://x.org/a.wav'"):
        render_mix(spec, tmp_path, files={})


def test_an_optional_file_that_was_not_provided_is_skipped_with_a_warning(tmp_path):
    spec = parse_spec({"duration_s": 1, "layers": [{"type": "tone", "frequency_hz": 100},
                                                   {"type": "file", "key": "a.wav", "required": False}]},
                      max_duration_s=60)
    result = render_mix(spec, tmp_path, files={})
    assert result.warnings == ["layers[1]: optional file 'a.wav' was not available and is left out"]


def test_the_deadline_is_checked_between_blocks(tmp_path):
    spec = parse_spec({"duration_s": 60, "layers": [{"type": "noise", "color": "pink"}]}, max_duration_s=60)
    with pytest.raises(RenderTimeoutError, match="mix render timed out"):
        render_mix(spec, tmp_path, files={}, deadline=time.monotonic() + 0.05)
    assert not any(tmp_path.iterdir())                    # nothing half-written left behind
