"""The render loop and the WAV files: bytes checked against numpy computations."""
import hashlib
import os
import struct
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import engine
from engine import BytebeatRequest, RenderTimeoutError, render_samples, render_to_file


def expected_classic(mode: str, n: int) -> np.ndarray:
    t = np.arange(n, dtype=np.int64)
    v = t * ((t >> 5) | (t >> 8))            # fits in int64 for these n
    if mode == "int8":
        v = v + 128
    v = ((v + 2**31) % 2**32) - 2**31         # ToInt32
    return (v & 255).astype(np.uint8)


def wav_parts(path: Path):
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    pos, chunks = 12, {}
    while pos < len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        chunks[cid] = data[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)
    fmt = struct.unpack("<HHIIHH", chunks[b"fmt "][:16])
    return fmt, chunks[b"data"]


@pytest.mark.parametrize("mode", ["uint8", "int8"])
def test_byte_wav_is_exactly_the_players_bytes(tmp_path, mode):
    req = BytebeatRequest("t*(t>>5|t>>8)", mode, 8000, 20)   # > several blocks
    info = render_to_file(req, tmp_path / "a.wav")
    fmt, data = wav_parts(tmp_path / "a.wav")
    assert fmt == (1, 1, 8000, 8000, 1, 8)
    assert data == expected_classic(mode, 160000).tobytes()
    raw = (tmp_path / "a.wav").read_bytes()
    assert info.bytes == len(raw) and info.sha256 == hashlib.sha256(raw).hexdigest()
    assert (info.channels, info.samples, info.sample_rate, info.format, info.tier) == (1, 160000, 8000, "wav", "compiled")
    assert info.seconds == 20


def test_sanity_sums_from_semantics_md():
    a = render_samples(BytebeatRequest("t*(t>>5|t>>8)", "uint8", 8000, 120))
    assert int(a.sum(dtype=np.int64)) == 120787392
    assert hashlib.sha256(a.tobytes()).hexdigest() == \
        "cc5f674f031686644c19e81e89ea61ef90c92f283a68edeef95bda548e41c751"
    assert int(render_samples(BytebeatRequest("t&255", "uint8", 44100, 120)).sum(dtype=np.int64)) == 674726416


def test_nan_holds_previous_byte_and_starts_at_128():
    a = render_samples(BytebeatRequest("t<3?0/0:t%5==0?0/0:t", "uint8", 8000, 0.002))
    assert list(a[:8]) == [128, 128, 128, 3, 4, 4, 6, 7]
    b = render_samples(BytebeatRequest("t<2?undefined:t-129", "int8", 8000, 0.001))
    assert list(b[:4]) == [128, 128, 1, 2]


def test_float_wav(tmp_path):
    req = BytebeatRequest("t/4000-1+(t%3==0?0/0:0)", "float", 8000, 1)
    info = render_to_file(req, tmp_path / "f.wav")
    fmt, data = wav_parts(tmp_path / "f.wav")
    assert fmt[0] == 3 and fmt[1] == 1 and fmt[5] == 32
    got = np.frombuffer(data, dtype="<f4")
    t = np.arange(8000, dtype=np.float64)
    v = t / 4000 - 1
    v[t % 3 == 0] = np.nan
    exp = np.empty(8000, np.float32)
    prev = np.float32(0)
    for i in range(8000):
        if not np.isnan(v[i]):
            prev = np.float32(max(min(v[i], 1.0), -1.0))
        exp[i] = prev
    assert got.tobytes() == exp.tobytes()
    read, rate = sf.read(tmp_path / "f.wav", dtype="float32")
    assert rate == 8000 and np.array_equal(read, exp) and info.sample_format == "f32"


def test_float_clamps_and_keeps_negative_zero():
    a = render_samples(BytebeatRequest("[1e9,-Infinity,-0,0.5][t&3]", "float", 8000, 0.001))
    assert a[:4].tobytes() == np.array([1, -1, -0.0, 0.5], dtype=np.float32).tobytes()


def test_stereo_wav(tmp_path):
    req = BytebeatRequest("t<100?t:[t,t>>1]", "uint8", 8000, 1)
    info = render_to_file(req, tmp_path / "s.wav")
    fmt, data = wav_parts(tmp_path / "s.wav")
    assert info.channels == 2 and fmt[1] == 2 and fmt[4] == 2
    a = np.frombuffer(data, dtype=np.uint8).reshape(-1, 2)
    t = np.arange(8000)
    assert np.array_equal(a[:, 0], (t & 255).astype(np.uint8))
    assert np.array_equal(a[:, 1], np.where(t < 100, t, t >> 1).astype(np.uint8) & 255)


def test_stereo_found_in_a_later_block_keeps_earlier_samples():
    n = 3 * 65536
    a = render_samples(BytebeatRequest("t<150000?t:[t,1]", "uint8", 48000, n / 48000))
    assert a.shape == (n, 2)
    assert np.array_equal(a[:150000, 1], (np.arange(150000) & 255).astype(np.uint8))


def test_odd_length_8bit_wav_is_padded(tmp_path):
    render_to_file(BytebeatRequest("t", "uint8", 8000, 0.000375), tmp_path / "o.wav")  # 3 samples
    raw = (tmp_path / "o.wav").read_bytes()
    assert len(raw) == 44 + 3 + 1
    data, rate = sf.read(tmp_path / "o.wav", dtype="int16")
    assert len(data) == 3


def test_fades_bytes(tmp_path):
    req = BytebeatRequest("255", "uint8", 1000, 1, fade_in=0.1, fade_out=0.2)
    a = render_samples(req)
    i = np.arange(1000, dtype=np.float64)
    g = np.clip(np.minimum(np.minimum(1, i / 100), (999 - i) / 200), 0, 1)
    exp = np.floor(128 + 127 * g + 0.5).astype(np.uint8)
    assert np.array_equal(a, exp) and a[0] == 128 and a[999] == 128 and a[500] == 255
    f = render_samples(BytebeatRequest("1", "float", 1000, 1, fade_in=0.1))
    assert f[0] == 0 and f[50] == np.float32(0.5) and f[999] == 1


def test_deadline_times_out(tmp_path):
    req = BytebeatRequest("t*(t>>5|t>>8)", "uint8", 384000, 3600)
    with pytest.raises(RenderTimeoutError) as e:
        render_to_file(req, tmp_path / "slow.wav", deadline=time.monotonic() + 0.2)
    assert "timed out" in e.value.message
    assert list(tmp_path.iterdir()) == []      # no partial output nor temporary files


def test_progress_is_reported(tmp_path):
    seen = []
    render_to_file(BytebeatRequest("t", "uint8", 44100, 5), tmp_path / "p.wav", on_progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 4


def test_not_compiled_is_raised_for_tier_compiled(tmp_path):
    with pytest.raises(engine.NotCompiledError) as e:
        render_to_file(BytebeatRequest("t+`${t}`.length", "uint8"), tmp_path / "n.wav", tier="compiled")
    assert e.value.message.startswith("not compiled: ")


def test_check_api():
    assert engine.check("t*(t>>5|t>>8)").compiled
    r = engine.check("t+`a${t}`")
    assert not r.compiled and r.status == "not compiled" and r.position == "1:3"
    r = engine.check("t)")
    assert r.status == "syntax error" and r.position == "1:2"
    with pytest.raises(engine.InvalidRequestError):
        engine.check("t", "bogus")


def test_packer_and_trim_and_empty():
    packed = "eval(unescape(escape`" + "".join(
        chr(ord(a) << 8 | ord(b)) for a, b in zip("t&t>>8 "[::2], "t&t>>8 "[1::2])) + "`.replace(/u(..)/g,\"$1%\")))"
    a = render_samples(BytebeatRequest(packed, "uint8", 8000, 0.1))
    b = render_samples(BytebeatRequest("t&t>>8", "uint8", 8000, 0.1))
    assert np.array_equal(a, b)
    assert np.array_equal(render_samples(BytebeatRequest(" \n t&t>>8 \n", "uint8", 8000, 0.1)), b)
    assert set(render_samples(BytebeatRequest("   ", "uint8", 8000, 0.1)).tolist()) == {0}


def test_wav_headers():
    from engine import wav
    h = wav.header(1, 8000, 8, False, 3)
    assert h[:4] == b"RIFF" and struct.unpack("<I", h[4:8])[0] == len(h) - 8 + 3 + 1 and len(h) == 44
    f = wav.header(2, 44100, 32, True, 10)
    assert struct.unpack("<HHIIHH", f[20:36]) == (3, 2, 44100, 44100 * 8, 8, 32) and b"fact" in f
    big = wav.header(2, 384000, 32, True, 1 << 31)       # 16 GiB of data: RF64
    assert big[:4] == b"RF64" and big[12:16] == b"ds64"
    riff, data, frames = struct.unpack("<QQQ", big[20:44])
    assert data == (1 << 31) * 8 and frames == 1 << 31 and riff == len(big) - 8 + data


def test_concurrent_renders_to_the_same_directory(tmp_path):
    import concurrent.futures
    reqs = [BytebeatRequest(f"t*{k}&255", "uint8", 8000, 2) for k in range(1, 7)]
    with concurrent.futures.ThreadPoolExecutor(3) as ex:
        infos = list(ex.map(lambda kr: render_to_file(kr[1], tmp_path / f"{kr[0]}.wav"), enumerate(reqs)))
    for k, info in enumerate(infos):
        _, data = wav_parts(Path(info.path))
        t = np.arange(16000, dtype=np.int64)
        assert data == ((t * (k + 1)) & 255).astype(np.uint8).tobytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{k}.wav" for k in range(6)]


@pytest.mark.parametrize("tier", ["compiled", "v8"])
def test_a_song_that_always_throws_fails_with_what_it_threw_whichever_tier(tmp_path, tier):
    """The compiled tier turns a throw into a NaN sample without keeping the thrown value;
    the failure message still names it, as the V8 tier's does."""
    request = BytebeatRequest(code="(()=>{throw 'no song here: '+'<b>'})()", seconds=1)
    with pytest.raises(engine.SongRuntimeError) as caught:
        render_to_file(request, tmp_path / "x.wav", tier=tier)
    assert str(caught.value) == ("the song threw on every sample, so there is nothing to render"
                                 " (first: t=0: thrown: no song here: <b>)")
    assert not (tmp_path / "x.wav").exists()
