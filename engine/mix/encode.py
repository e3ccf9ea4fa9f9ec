"""Output writers: every format through soundfile, opened once and written block by block.

libsndfile does the encoding (WAV, FLAC, MP3 via LAME/mpg123, Ogg Vorbis, Ogg Opus), so a
60-minute master never sits in memory. `quality` (0..1, higher is better) maps to
libsndfile's compression level (0..1, higher is smaller), variable bitrate; libsndfile
refuses level 1.0 for MP3, so levels stop just short of it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from engine.mix.spec import OutputSpec

# format -> (soundfile format, default subtype, content type)
FORMATS = {
    "wav": ("WAV", None, "audio/wav"),
    "flac": ("FLAC", None, "audio/flac"),
    "mp3": ("MP3", "MPEG_LAYER_III", "audio/mpeg"),
    "ogg": ("OGG", "VORBIS", "audio/ogg"),
    "opus": ("OGG", "OPUS", "audio/ogg; codecs=opus"),
}
SUBTYPES = {"pcm_16": "PCM_16", "pcm_24": "PCM_24", "float": "FLOAT"}
MAX_COMPRESSION_LEVEL = 0.99
# libsndfile's SFC_SET_ADD_PEAK_CHUNK (sndfile.h; soundfile does not name it): float WAVs get
# a PEAK chunk holding the time of writing, so the same audio would hash differently
SFC_SET_ADD_PEAK_CHUNK = 0x1050


@dataclass(frozen=True)
class MixOutput:
    """One file of a mix's result: its name (also its storage name), where it is, what it is."""
    name: str
    path: Path
    content_type: str
    format: str
    bytes: int
    sha256: str

    def to_json(self) -> dict:
        return {"name": self.name, "content_type": self.content_type, "format": self.format,
                "bytes": self.bytes, "sha256": self.sha256}


class Encoder:
    """One output file, open for writing until close()."""

    def __init__(self, output: OutputSpec, out_dir: Path, sample_rate: int):
        self.spec = output
        self.path = out_dir / output.name
        fmt, subtype, self.content_type = FORMATS[output.format]
        if output.sample_format is not None:
            subtype = SUBTYPES[output.sample_format]
        extra = {}
        if output.quality is not None:
            extra = {"compression_level": min(MAX_COMPRESSION_LEVEL, 1.0 - output.quality)}
            if output.format == "mp3":
                extra["bitrate_mode"] = "VARIABLE"
        self.file = sf.SoundFile(str(self.path), "w", samplerate=sample_rate, channels=2,
                                 format=fmt, subtype=subtype, **extra)
        if fmt == "WAV":
            sf._snd.sf_command(self.file._file, SFC_SET_ADD_PEAK_CHUNK, sf._ffi.NULL, 0)

    def write(self, block: np.ndarray) -> None:
        self.file.write(block)

    def close(self) -> MixOutput:
        self.file.close()
        return describe(self.path, self.content_type, self.spec.format)


def describe(path: Path, content_type: str, format: str) -> MixOutput:
    """A finished file's MixOutput: size and SHA-256 read back in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return MixOutput(path.name, path, content_type, format, size, digest.hexdigest())
