"""parse_spec: the documented example parses, and every bad spec fails at once naming the field."""
from __future__ import annotations

import json
import pickle
import re

import pytest

from engine.errors import InvalidRequestError
from engine.mix import FileSource, SpecError, parse_spec
from engine.mix import spec as spec_module
from engine.mix.spec import BinauralLayer, FileLayer, NoiseLayer, ToneLayer

MAX = 900.0


def documented_example() -> dict:
    """The full example in engine/mix/spec.py's docstring, read from the docstring itself."""
    doc = spec_module.__doc__
    start = doc.index("    {\n")
    end = doc.index("\n    }\n", start) + 6
    return json.loads(doc[start:end])


def minimal(**overrides) -> dict:
    spec = {"duration_s": 10, "layers": [{"type": "tone", "frequency_hz": 440}]}
    spec.update(overrides)
    return spec


def test_documented_example_parses_into_frozen_dataclasses():
    spec = parse_spec(documented_example(), max_duration_s=MAX)
    assert spec.sample_rate == 48000 and spec.duration_s == 900 and spec.frames == 900 * 48000
    assert spec.target_lufs == -16 and spec.true_peak_dbtp == -1
    tone, theta, beat, noise, song, rain, voice = spec.layers
    assert isinstance(tone, ToneLayer) and tone.frequency_hz == 528.0
    assert tone.placement.fade_out_s == 10 and tone.placement.gain_db == -12
    assert isinstance(theta, BinauralLayer) and (theta.carrier_hz, theta.beat_hz) == (200, 6.0)
    assert beat.beat_hz == 7.83
    assert isinstance(noise, NoiseLayer) and noise.color == "pink" and noise.placement.pan == -0.3
    assert song.code == "t*(t>>5|t>>8)" and song.sample_rate == 8000 and song.placement.start_s == 60
    assert isinstance(rain, FileLayer) and rain.loop and not rain.required
    assert [o.name for o in spec.outputs] == ["mix.wav", "preview.mp3", "mix.flac", "mix.ogg", "mix.opus"]
    assert spec.outputs[1].quality == 0.4 and spec.outputs[0].sample_format == "pcm_24"
    with pytest.raises(AttributeError):
        spec.duration_s = 1  # frozen
    assert pickle.loads(pickle.dumps(spec)) == spec      # it crosses to the render pool


def test_opus_needs_a_48k_mix():
    example = documented_example()
    example["sample_rate"] = 44100
    with pytest.raises(SpecError, match=r"^outputs\[4\]\.format: opus needs a 48000 Hz mix"):
        parse_spec(example, max_duration_s=MAX)


def test_file_sources_list_what_the_listener_must_download():
    spec = parse_spec(documented_example(), max_duration_s=MAX)
    assert spec.file_sources() == [
        FileSource(layer=5, url="https://example.org/rain.flac", key=None, required=False),
        FileSource(layer=6, url=None, key="uploads/7/voice.wav", required=True),
    ]


def test_defaults_and_json_text():
    spec = parse_spec(json.dumps(minimal()).encode(), max_duration_s=MAX, default_target_lufs=-14)
    assert spec.sample_rate == 44100 and spec.target_lufs == -14 and spec.true_peak_dbtp == -1
    assert [(o.format, o.name, o.sample_format) for o in spec.outputs] == [("wav", "mix.wav", "pcm_24")]
    assert spec.waveform.samples_per_pixel == 1024 and spec.file_sources() == []


@pytest.mark.parametrize("name, hz", [("solfeggio-174", 174), ("solfeggio-528", 528), ("SOLFEGGIO-963", 963)])
def test_solfeggio_names(name, hz):
    spec = parse_spec(minimal(layers=[{"type": "tone", "frequency_hz": name}]), max_duration_s=MAX)
    assert spec.layers[0].frequency_hz == hz


@pytest.mark.parametrize("band, beat", sorted(spec_module.BANDS_HZ.items()))
def test_binaural_bands(band, beat):
    spec = parse_spec(minimal(layers=[{"type": "binaural", "carrier_hz": 300, "band": band}]),
                      max_duration_s=MAX)
    assert spec.layers[0].beat_hz == beat


BAD = [
    # (spec change, exact start of the message)
    (minimal(layers=[{"type": "sine", "frequency_hz": 440}]),
     "layers[0].type: must be one of 'tone', 'binaural', 'noise', 'bytebeat', 'file', got 'sine'"),
    (minimal(duration_s=-5), "duration_s: must be > 0 s, got -5"),
    (minimal(duration_s=901), "duration_s: must be <= 900 s, got 901"),
    (minimal(layers=[{"type": "tone", "frequency_hz": 440, "duration_s": -1}]),
     "layers[0].duration_s: must be > 0 s, got -1"),
    (minimal(layers=[{"type": "tone", "frequency_hz": 440},
                     {"type": "noise", "color": "white"},
                     {"type": "binaural", "carrier_hz": 0, "beat_hz": 4}]),
     "layers[2].carrier_hz: must be > 0 Hz, got 0"),
    (minimal(layers=[{"type": "tone", "frequency_hz": 440, "gain_db": float("nan")}]),
     "layers[0].gain_db: must be a finite number dB, got nan"),
    (minimal(outputs=[{"format": "aiff"}]),
     "outputs[0].format: must be one of 'wav', 'flac', 'mp3', 'ogg', 'opus', got 'aiff'"),
    (minimal(duraton_s=10), "duraton_s: unknown field of the mix spec"),
    (minimal(layers=[{"type": "tone", "frequency_hz": 440, "gain": -3}]),
     "layers[0].gain: unknown field of a layer of type tone"),
    (minimal(layers=[{"type": "binaural", "carrier_hz": 200, "beat_hz": 5, "pan": 0.5}]),
     "layers[0].pan: unknown field of a layer of type binaural"),
    (minimal(layers=[{"type": "tone", "frequency_hz": "solfeggio-500"}]),
     "layers[0].frequency_hz: unknown frequency name 'solfeggio-500'"),
    (minimal(layers=[{"type": "tone", "frequency_hz": 30000}]),
     "layers[0].frequency_hz: must be <= 20947.5 Hz, got 30000"),
    (minimal(layers=[{"type": "binaural", "carrier_hz": 200}]),
     "layers[0].beat_hz: give exactly one of beat_hz (Hz) or band"),
    (minimal(layers=[{"type": "binaural", "carrier_hz": 200, "band": "omega"}]),
     "layers[0].band: must be one of 'delta', 'theta', 'alpha', 'beta', 'gamma', got 'omega'"),
    (minimal(layers=[{"type": "noise", "color": "purple"}]),
     "layers[0].color: must be one of 'white', 'pink', 'brown', got 'purple'"),
    (minimal(layers=[{"type": "noise", "color": "white", "seed": 1.5}]),
     "layers[0].seed: must be an integer, got 1.5"),
    (minimal(layers=[{"type": "bytebeat", "code": "t", "mode": "int16"}]),
     "layers[0].mode: must be one of 'uint8', 'int8', 'float', 'func', got 'int16'"),
    (minimal(layers=[{"type": "file"}]), "layers[0].url: give exactly one of url"),
    (minimal(layers=[{"type": "file", "url": "ftp://x/y.wav"}]),
     "layers[0].url: must be an http or https URL, got 'ftp://x/y.wav'"),
    (minimal(layers=[{"type": "file", "key": "../etc/passwd"}]),
     "layers[0].key: must be a relative storage key without '..'"),
    (minimal(layers=[{"type": "file", "key": "a.wav", "required": "no"}]),
     "layers[0].required: must be true or false, got 'no'"),
    (minimal(layers=[{"type": "tone", "frequency_hz": 440, "start_s": 10}]),
     "layers[0].start_s: must be before the end of the mix (10 s), got 10"),
    (minimal(layers=[{"type": "tone", "frequency_hz": 440, "duration_s": 4, "fade_in_s": 3, "fade_out_s": 2}]),
     "layers[0].fade_in_s: fade_in_s + fade_out_s (5 s) must not exceed the layer's duration_s (4 s)"),
    (minimal(layers=[{"type": "tone", "frequency_hz": 440, "pan": 2}]), "layers[0].pan: must be <= 1, got 2"),
    (minimal(layers=[]), "layers: must be a list of 1 to 64 layers, got 0"),
    (minimal(sample_rate=22050), "sample_rate: must be one of 44100, 48000, got 22050"),
    (minimal(outputs=[{"format": "wav", "sample_format": "pcm_8"}]),
     "outputs[0].sample_format: must be one of 'pcm_16', 'pcm_24', 'float', got 'pcm_8'"),
    (minimal(outputs=[{"format": "mp3", "sample_format": "pcm_16"}]),
     "outputs[0].sample_format: unknown field of an output of format mp3"),
    (minimal(outputs=[{"format": "wav"}, {"format": "wav", "sample_format": "pcm_16"}]),
     "outputs[1].name: 'mix.wav' is already the name of another output"),
    (minimal(outputs=[{"format": "wav", "name": "../x.wav"}]), "outputs[0].name: must be a file name"),
    (minimal(loudness={"target_lufs": 3}), "loudness.target_lufs: must be <= -5 LUFS, got 3"),
    (minimal(waveform={"bits": 12}), "waveform.bits: must be one of 8, 16, got 12"),
    ("{not json", "spec: not valid JSON"),
    ([1, 2], "spec: must be an object, got a list"),
]


@pytest.mark.parametrize("bad, message", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_specs_fail_naming_the_field(bad, message):
    with pytest.raises(SpecError) as caught:
        parse_spec(bad, max_duration_s=MAX)
    assert str(caught.value).startswith(message), str(caught.value)
    assert isinstance(caught.value, InvalidRequestError)


def test_unknown_field_message_lists_the_allowed_fields():
    with pytest.raises(SpecError) as caught:
        parse_spec(minimal(layers=[{"type": "noise", "color": "pink", "colour": "x"}]), max_duration_s=MAX)
    allowed = re.search(r"\(allowed: (.*)\)", str(caught.value)).group(1).split(", ")
    assert {"color", "seed", "gain_db", "pan", "fade_in_s"} <= set(allowed)


def test_numeric_choices_come_back_canonical():
    spec = parse_spec(minimal(sample_rate=48000.0, waveform={"bits": 16.0}), max_duration_s=MAX)
    assert type(spec.sample_rate) is int and spec.sample_rate == 48000
    assert type(spec.waveform.bits) is int
