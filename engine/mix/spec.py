"""The mix spec: JSON in, frozen dataclasses out, every bad value refused at once.

A mix is a fixed-length stereo track (44100 or 48000 Hz) summed from layers, normalised
to a loudness target under a true-peak ceiling, and encoded to the outputs asked for.
A full example (every field shown; only `duration_s`, `layers` and each layer's `type`
and sound fields are required):

    {
      "sample_rate": 48000,
      "duration_s": 900,
      "loudness": {"target_lufs": -16, "true_peak_dbtp": -1},
      "layers": [
        {"type": "tone", "frequency_hz": "solfeggio-528", "gain_db": -12, "pan": 0,
         "start_s": 0, "duration_s": 900, "fade_in_s": 5, "fade_out_s": 10},
        {"type": "binaural", "carrier_hz": 200, "band": "theta", "gain_db": -18},
        {"type": "binaural", "carrier_hz": 417, "beat_hz": 7.83},
        {"type": "noise", "color": "pink", "seed": 7, "gain_db": -6, "pan": -0.3},
        {"type": "bytebeat", "code": "t*(t>>5|t>>8)", "mode": "uint8", "sample_rate": 8000,
         "gain_db": -20, "start_s": 60, "duration_s": 120, "fade_out_s": 3},
        {"type": "file", "url": "https://example.org/rain.flac", "loop": true,
         "required": false, "gain_db": -3},
        {"type": "file", "key": "uploads/7/voice.wav", "start_s": 30}
      ],
      "outputs": [
        {"format": "wav", "sample_format": "pcm_24"},
        {"format": "mp3", "name": "preview.mp3", "quality": 0.4},
        {"format": "flac"}, {"format": "ogg"}, {"format": "opus"}
      ],
      "waveform": {"samples_per_pixel": 1024, "bits": 8, "channels": 1,
                   "png_width": 800, "png_height": 120}
    }

Fields of every layer: `gain_db` (default 0), `start_s` (default 0), `duration_s` (default:
to the end of the mix; a file that does not loop: its own length), `fade_in_s` and
`fade_out_s` (default 0; half-cosine fades), `pan` (-1 left .. 1 right, default 0; not
for binaural layers, whose channels are the point; see engine.mix.envelope for the law).
A layer is cut at the end of the mix, and its fade-out ends where it is cut.

* `tone`: a sine, full scale at 0 dB. `frequency_hz` is a number or a solfeggio name
  `"solfeggio-<hz>"` (174, 285, 396, 417, 528, 639, 741, 852, 963).
* `binaural`: left = `carrier_hz` (a number or a solfeggio name), right = carrier +
  `beat_hz`; or `band` instead of `beat_hz`: delta 2 Hz, theta 6 Hz, alpha 10 Hz,
  beta 20 Hz, gamma 40 Hz. Each ear a full-scale sine at 0 dB.
* `noise`: `color` white, pink or brown; `seed` (integer, default 0); independent left and
  right streams at about -20 dBFS RMS at 0 dB. The same seed gives the same samples.
* `bytebeat`: `code`, `mode` (uint8, int8, float, func; default uint8) and the song's own
  `sample_rate` (default 8000), rendered by the engine from t = 0 at the layer's start
  and resampled to the mix rate.
* `file`: exactly one of `url` (http or https) or `key` (a storage key); `loop` (default
  false) repeats it to fill the layer; `required` (default true): a missing optional file
  is skipped with a warning, a missing required one fails the job. The listener downloads
  it (MixSpec.file_sources()); the engine decodes it with soundfile and resamples it.

Outputs (default: one 24-bit WAV): `format` wav | flac | mp3 | ogg (Vorbis) | opus (Ogg
Opus, 48000 Hz mixes only); `sample_format` for wav (pcm_16, pcm_24, float; default pcm_24)
and flac (pcm_16, pcm_24; default pcm_24); `quality` 0..1 for mp3/ogg/opus (default 0.6);
`name` (default `mix.<ext>`), unique, letters, digits, `.`, `-` and `_` only.
The waveform (BBC audiowaveform JSON v2 + PNG thumbnail) is always written.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from engine.mix.fields import Fields, SpecError
from engine.request import MAX_SAMPLE_RATE, MODES

SAMPLE_RATES = (44100, 48000)
SOLFEGGIO_HZ = (174, 285, 396, 417, 528, 639, 741, 852, 963)
BANDS_HZ = {"delta": 2.0, "theta": 6.0, "alpha": 10.0, "beta": 20.0, "gamma": 40.0}
NOISE_COLORS = ("white", "pink", "brown")
LAYER_TYPES = ("tone", "binaural", "noise", "bytebeat", "file")
OUTPUT_EXTENSIONS = {"wav": "wav", "flac": "flac", "mp3": "mp3", "ogg": "ogg", "opus": "opus"}
SAMPLE_FORMATS = {"wav": ("pcm_16", "pcm_24", "float"), "flac": ("pcm_16", "pcm_24")}
OPUS_RATE = 48000
MAX_LAYERS = 64
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class Placement:
    """Where and how loud a layer plays (seconds, dB, pan -1..1)."""
    gain_db: float = 0.0
    start_s: float = 0.0
    duration_s: float | None = None
    fade_in_s: float = 0.0
    fade_out_s: float = 0.0
    pan: float = 0.0


@dataclass(frozen=True)
class ToneLayer:
    frequency_hz: float
    placement: Placement


@dataclass(frozen=True)
class BinauralLayer:
    carrier_hz: float
    beat_hz: float
    placement: Placement


@dataclass(frozen=True)
class NoiseLayer:
    color: str
    seed: int
    placement: Placement


@dataclass(frozen=True)
class BytebeatLayer:
    code: str
    mode: str
    sample_rate: int
    placement: Placement


@dataclass(frozen=True)
class FileLayer:
    url: str | None
    key: str | None
    loop: bool
    required: bool
    placement: Placement


Layer = ToneLayer | BinauralLayer | NoiseLayer | BytebeatLayer | FileLayer


@dataclass(frozen=True)
class FileSource:
    """A file the listener must fetch before the render (the engine does no network I/O)."""
    layer: int
    url: str | None
    key: str | None
    required: bool


@dataclass(frozen=True)
class OutputSpec:
    format: str                 # wav | flac | mp3 | ogg | opus
    name: str
    sample_format: str | None   # wav/flac only
    quality: float | None       # lossy formats only, 0..1


@dataclass(frozen=True)
class WaveformSpec:
    samples_per_pixel: int = 1024
    bits: int = 8
    channels: int = 1
    png_width: int = 800
    png_height: int = 120


@dataclass(frozen=True)
class MixSpec:
    sample_rate: int
    duration_s: float
    target_lufs: float
    true_peak_dbtp: float
    layers: tuple[Layer, ...]
    outputs: tuple[OutputSpec, ...]
    waveform: WaveformSpec

    @property
    def frames(self) -> int:
        return seconds_to_frames(self.duration_s, self.sample_rate)

    def file_sources(self) -> list[FileSource]:
        return [FileSource(i, layer.url, layer.key, layer.required)
                for i, layer in enumerate(self.layers) if isinstance(layer, FileLayer)]


def parse_spec(spec: dict | str | bytes, *, max_duration_s: float,
               default_target_lufs: float = -16.0) -> MixSpec:
    """Validate a mix spec (a dict or its JSON text) into a MixSpec, or raise SpecError."""
    if isinstance(spec, (str, bytes, bytearray)):
        try:
            spec = json.loads(spec)
        except ValueError as e:
            raise SpecError(f"spec: not valid JSON ({e})") from None
    top = Fields(spec, "", "the mix spec")
    rate = top.choice("sample_rate", SAMPLE_RATES, 44100)
    duration = top.number("duration_s", above=0, maximum=max_duration_s, unit="s")
    target, ceiling = _loudness(top, default_target_lufs)
    raw_layers = top.get("layers")
    if not isinstance(raw_layers, list) or not 1 <= len(raw_layers) <= MAX_LAYERS:
        raise top.fail("layers", f"must be a list of 1 to {MAX_LAYERS} layers, got "
                                 f"{len(raw_layers) if isinstance(raw_layers, list) else raw_layers!r}")
    layers = tuple(_layer(Fields(raw, f"layers[{i}]", "a layer"), rate, duration)
                   for i, raw in enumerate(raw_layers))
    outputs = _outputs(top, rate)
    waveform = _waveform(top)
    top.done()
    return MixSpec(rate, duration, target, ceiling, layers, outputs, waveform)


def _loudness(top: Fields, default_target: float) -> tuple[float, float]:
    if not top.has("loudness"):
        top.get("loudness", None)
        return default_target, -1.0
    f = Fields(top.get("loudness"), top.at("loudness"), "loudness")
    target = f.number("target_lufs", default_target, minimum=-70, maximum=-5, unit="LUFS")
    ceiling = f.number("true_peak_dbtp", -1.0, minimum=-20, maximum=0, unit="dBTP")
    f.done()
    return target, ceiling


def _frequency(f: Fields, key: str, rate: int) -> float:
    value = f.get(key)
    if isinstance(value, str):
        m = re.fullmatch(r"solfeggio-(\d+)", value.strip().lower())
        if not m or int(m.group(1)) not in SOLFEGGIO_HZ:
            names = ", ".join(f"solfeggio-{hz}" for hz in SOLFEGGIO_HZ)
            raise f.fail(key, f"unknown frequency name {value!r}: expected a number in Hz or one of {names}")
        return float(m.group(1))
    return f.number(key, above=0, maximum=rate / 2 * 0.95, unit="Hz")


def _placement(f: Fields, duration: float, pan_allowed: bool) -> Placement:
    gain = f.number("gain_db", 0.0, minimum=-120, maximum=24, unit="dB")
    start = f.number("start_s", 0.0, minimum=0, unit="s")
    if start >= duration:
        raise f.fail("start_s", f"must be before the end of the mix ({duration:g} s), got {start:g}")
    length = f.number("duration_s", None, above=0, maximum=duration, unit="s")
    fade_in = f.number("fade_in_s", 0.0, minimum=0, unit="s")
    fade_out = f.number("fade_out_s", 0.0, minimum=0, unit="s")
    if length is not None and fade_in + fade_out > length:
        raise f.fail("fade_in_s", f"fade_in_s + fade_out_s ({fade_in + fade_out:g} s) must not exceed "
                                  f"the layer's duration_s ({length:g} s)")
    pan = f.number("pan", 0.0, minimum=-1, maximum=1) if pan_allowed else 0.0
    return Placement(gain, start, length, fade_in, fade_out, pan)


def _layer(f: Fields, rate: int, duration: float) -> Layer:
    kind = f.choice("type", LAYER_TYPES)
    layer = _LAYER_PARSERS[kind](f, rate, duration)
    f.done(f" of type {kind}")
    return layer


def _tone(f: Fields, rate: int, duration: float) -> ToneLayer:
    return ToneLayer(_frequency(f, "frequency_hz", rate), _placement(f, duration, True))


def _binaural(f: Fields, rate: int, duration: float) -> BinauralLayer:
    carrier = _frequency(f, "carrier_hz", rate)
    if f.has("band") == f.has("beat_hz"):
        raise f.fail("beat_hz", "give exactly one of beat_hz (Hz) or band "
                                f"({', '.join(BANDS_HZ)})")
    if f.has("band"):
        beat = BANDS_HZ[f.choice("band", tuple(BANDS_HZ))]
        f.get("beat_hz", None)
    else:
        beat = f.number("beat_hz", above=0, maximum=100, unit="Hz")
        f.get("band", None)
    if carrier + beat > rate / 2 * 0.95:
        raise f.fail("carrier_hz", f"carrier + beat ({carrier + beat:g} Hz) must stay under "
                                   f"{rate / 2 * 0.95:g} Hz at {rate} Hz")
    return BinauralLayer(carrier, beat, _placement(f, duration, False))


def _noise(f: Fields, rate: int, duration: float) -> NoiseLayer:
    color = f.choice("color", NOISE_COLORS)
    seed = f.integer("seed", 0, minimum=0, maximum=2**63 - 1)
    return NoiseLayer(color, seed, _placement(f, duration, True))


def _bytebeat(f: Fields, rate: int, duration: float) -> BytebeatLayer:
    code = f.text("code")
    if len(code) > 100_000:
        raise f.fail("code", f"must be at most 100000 characters, got {len(code)}")
    mode = f.choice("mode", MODES, "uint8")
    song_rate = f.integer("sample_rate", 8000, minimum=1000, maximum=MAX_SAMPLE_RATE)
    return BytebeatLayer(code, mode, song_rate, _placement(f, duration, True))


def _file(f: Fields, rate: int, duration: float) -> FileLayer:
    if f.has("url") == f.has("key"):
        raise f.fail("url", "give exactly one of url (http or https) or key (a storage key)")
    url = key = None
    if f.has("url"):
        url = f.text("url")
        if not re.match(r"^https?://[^/\s]+", url, re.I):
            raise f.fail("url", f"must be an http or https URL, got {url!r}")
        f.get("key", None)
    else:
        key = f.text("key")
        if key.startswith("/") or ".." in key.split("/") or "\\" in key:
            raise f.fail("key", f"must be a relative storage key without '..', got {key!r}")
        f.get("url", None)
    loop = f.boolean("loop", False)
    required = f.boolean("required", True)
    return FileLayer(url, key, loop, required, _placement(f, duration, True))


_LAYER_PARSERS = {"tone": _tone, "binaural": _binaural, "noise": _noise,
                  "bytebeat": _bytebeat, "file": _file}


def _outputs(top: Fields, rate: int) -> tuple[OutputSpec, ...]:
    raw = top.get("outputs", [{"format": "wav"}])
    if not isinstance(raw, list) or not 1 <= len(raw) <= 10:
        raise top.fail("outputs", f"must be a list of 1 to 10 outputs, got {raw!r}"[:200])
    outputs, names = [], set()
    for i, item in enumerate(raw):
        f = Fields(item, f"outputs[{i}]", "an output")
        fmt = f.choice("format", tuple(OUTPUT_EXTENSIONS))
        if fmt == "opus" and rate != OPUS_RATE:
            raise f.fail("format", f"opus needs a 48000 Hz mix (Opus has no {rate} Hz mode): "
                                   f"set sample_rate to 48000 or choose another format")
        sample_format = quality = None
        if fmt in SAMPLE_FORMATS:
            sample_format = f.choice("sample_format", SAMPLE_FORMATS[fmt], "pcm_24")
        else:
            quality = f.number("quality", 0.6, minimum=0, maximum=1)
        name = f.text("name", f"mix.{OUTPUT_EXTENSIONS[fmt]}")
        if not _NAME.match(name) or name in ("waveform.json", "waveform.png"):
            raise f.fail("name", f"must be a file name of letters, digits, '.', '-' and '_' "
                                 f"(not waveform.json/png), got {name!r}")
        if name in names:
            raise f.fail("name", f"{name!r} is already the name of another output")
        names.add(name)
        f.done(f" of format {fmt}")
        outputs.append(OutputSpec(fmt, name, sample_format, quality))
    return tuple(outputs)


def _waveform(top: Fields) -> WaveformSpec:
    f = Fields(top.get("waveform", {}), top.at("waveform"), "waveform")
    spec = WaveformSpec(
        samples_per_pixel=f.integer("samples_per_pixel", 1024, minimum=32, maximum=1 << 20),
        bits=f.choice("bits", (8, 16), 8),
        channels=f.choice("channels", (1, 2), 1),
        png_width=f.integer("png_width", 800, minimum=16, maximum=4096),
        png_height=f.integer("png_height", 120, minimum=8, maximum=1024))
    f.done()
    return spec


def seconds_to_frames(seconds: float, rate: int) -> int:
    return int(math.floor(seconds * rate + 0.5))
