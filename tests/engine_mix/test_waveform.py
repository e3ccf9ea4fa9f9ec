"""Waveform peaks (audiowaveform JSON v2) and the PNG thumbnail, checked by decoding them."""
from __future__ import annotations

import struct
import zlib

import numpy as np
import orjson

from engine.mix.png import encode_png
from engine.mix.spec import WaveformSpec
from engine.mix.waveform import Peaks, thumbnail


def decode_png(data: bytes) -> np.ndarray:
    """Just enough of a PNG reader for our files (8-bit RGBA, filter 0 on every row)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 6) and b"IEND" in chunks
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, 1 + 4 * width)
    assert np.all(rows[:, 0] == 0)
    return rows[:, 1:].reshape(height, width, 4)


def test_png_round_trip():
    image = np.random.default_rng(1).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    assert np.array_equal(decode_png(encode_png(image)), image)


def test_peaks_do_not_depend_on_block_boundaries_and_match_the_definition():
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((10_000, 2)) * 0.3).astype(np.float32)
    spec = WaveformSpec(samples_per_pixel=256, bits=16, channels=2)
    whole, pieces = Peaks(spec, 44100), Peaks(spec, 44100)
    whole.add(x)
    for a in range(0, len(x), 777):
        pieces.add(x[a:a + 777])
    p, q = whole.finish(), pieces.finish()
    assert np.array_equal(p, q) and p.shape == (40, 2, 2)           # 39 full pixels + 1 partial
    assert p[3, 1, 0] == round(x[768:1024, 1].min() * 32767)
    assert p[39, 0, 1] == round(x[9984:, 0].max() * 32767)


def test_json_is_audiowaveform_version_2():
    spec = WaveformSpec(samples_per_pixel=100, bits=8, channels=1)
    peaks = Peaks(spec, 48000)
    block = np.zeros((250, 2), np.float32)
    block[10] = (1.0, 0.0)       # mono = mean of the channels: 0.5
    block[120] = (-1.0, -1.0)
    peaks.add(block)
    doc = orjson.loads(peaks.to_json_bytes(peaks.finish()))
    assert doc == {"version": 2, "channels": 1, "sample_rate": 48000, "samples_per_pixel": 100,
                   "bits": 8, "length": 3, "data": [0, 64, -127, 0, 0, 0]}


def test_thumbnail_draws_the_envelope():
    spec = WaveformSpec(samples_per_pixel=100, bits=8, channels=1)
    peaks = Peaks(spec, 44100)
    envelope = np.linspace(0, 1, 100_000, dtype=np.float32)
    tone = np.sin(np.arange(100_000) * 0.3).astype(np.float32) * envelope
    peaks.add(np.stack([tone, tone], axis=1))
    image = decode_png(thumbnail(peaks.finish(), 8, 200, 50))
    drawn = (image[:, :, 3] == 255).sum(axis=0)          # opaque pixels per column
    assert image.shape == (50, 200, 4)
    assert drawn[5] < drawn[100] < drawn[195] and drawn[195] >= 45
