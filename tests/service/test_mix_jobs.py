"""Mix jobs end to end: a row in render_jobs, a real file server for a file layer,
the real service rendering, normalising, encoding and uploading, and the test
checking the stored files' samples."""
from __future__ import annotations

import io
import json
import time

import aiohttp
import numpy as np
import pytest
import soundfile
from aiohttp import web

from engine.loudness import integrated_loudness
from tests.service.harness import ServiceProcess, free_port, wait_for

RATE = 44100
SECONDS = 5


@pytest.fixture
async def service(database, tmp_path):
    # the test's file server is on 127.0.0.1: a deployment's own network, allowed explicitly
    svc = ServiceProcess(database, tmp_path, "mix1", TARGET_LUFS="-18", MIX_URL_PRIVATE="true")
    await svc.start()
    yield svc
    svc.close()


@pytest.fixture
async def file_server(tmp_path):
    """A real HTTP server with one WAV (a 1 kHz sine, 1 s, looped by the spec) and nothing else."""
    t = np.arange(RATE) / RATE
    buffer = io.BytesIO()
    soundfile.write(buffer, (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32), RATE, format="WAV")
    wav = buffer.getvalue()

    async def sine(_request):
        return web.Response(body=wav, content_type="audio/wav")

    app = web.Application()
    app.router.add_get("/sine.wav", sine)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def fetch(url: str) -> bytes:
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            assert r.status == 200, f"GET {url} -> {r.status}"
            return await r.read()


def level_at(channel: np.ndarray, hz: float) -> float:
    """Amplitude of the sine at `hz` (Hann-windowed FFT; the mix is whole seconds long)."""
    window = np.hanning(len(channel))
    spectrum = np.abs(np.fft.rfft(channel * window)) / (window.sum() / 2)
    return float(spectrum[int(round(hz * len(channel) / RATE))])


async def test_mix_job_renders_normalised_stereo_with_every_output(service, file_server, db):
    spec = {
        "sample_rate": RATE, "duration_s": SECONDS,
        "layers": [
            {"type": "tone", "frequency_hz": 440, "gain_db": -12},
            {"type": "binaural", "carrier_hz": 200, "band": "alpha", "gain_db": -12},
            {"type": "noise", "color": "pink", "seed": 7, "gain_db": -30},
            {"type": "file", "url": f"{file_server}/sine.wav", "loop": True, "gain_db": -6},
            {"type": "file", "url": f"{file_server}/missing.wav", "required": False},
        ],
        "outputs": [{"format": "wav", "sample_format": "float"}, {"format": "mp3", "name": "preview.mp3"}],
    }
    job_id = await db.fetchval("INSERT INTO render_jobs (kind, spec) VALUES ('mix', $1) RETURNING id",
                               json.dumps(spec))
    job = await wait_for(lambda: db.fetchrow(
        "SELECT * FROM render_jobs WHERE id = $1 AND state IN ('done', 'failed')", job_id), 120, 0.1)
    assert job["state"] == "done", job["error"]
    result = json.loads(job["result"])

    # The optional file at a URL that 404s was left out, with the reason.
    [warning] = result["warnings"]
    assert warning.startswith("layers[4].url: could not download") and "HTTP 404" in warning
    assert {o["name"] for o in result["outputs"]} == {"mix.wav", "preview.mp3", "waveform.json",
                                                      "waveform.png"}
    assert all(o["key"] == f"mixes/{job_id}/{o['name']}" for o in result["outputs"])
    assert result["url"].endswith(f"/mixes/{job_id}/mix.wav")

    samples, rate = soundfile.read(io.BytesIO(await fetch(result["url"])), dtype="float64")
    assert rate == RATE and samples.shape == (RATE * SECONDS, 2)
    left, right = samples[:, 0], samples[:, 1]
    # Binaural: 200 Hz in the left ear only, 210 Hz (alpha, 10 Hz beat) in the right only.
    assert level_at(left, 200) > 30 * level_at(left, 210)
    assert level_at(right, 210) > 30 * level_at(right, 200)
    # The tone (440 Hz) and the file (1 kHz), both centred, are in both ears alike and
    # equally loud, as their gains say: the tone is full scale at -12 dB, the file a
    # half-scale sine (-6 dBFS) at -6 dB.
    for hz in (440, 1000):
        assert level_at(left, hz) == pytest.approx(level_at(right, hz), rel=0.02)
    assert level_at(left, 440) == pytest.approx(level_at(left, 1000), rel=0.05)
    # Normalised to TARGET_LUFS (-18) measured independently of the result's own figure.
    assert integrated_loudness(samples, RATE) == pytest.approx(-18.0, abs=0.3)
    assert result["lufs"] == pytest.approx(-18.0, abs=0.3) and result["target_lufs"] == -18.0

    mp3, mp3_rate = soundfile.read(io.BytesIO(await fetch(
        next(o["url"] for o in result["outputs"] if o["name"] == "preview.mp3"))), dtype="float64")
    assert mp3_rate == RATE and mp3.ndim == 2 and abs(len(mp3) - RATE * SECONDS) < RATE // 10
    assert integrated_loudness(mp3, RATE) == pytest.approx(-18.0, abs=0.5)

    waveform = json.loads(await fetch(result["waveform_json_url"]))
    assert waveform["version"] == 2 and len(waveform["data"]) > 0
    png = await fetch(result["waveform_url"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")

    # The dashboard's API shows it with its audio and thumbnail.
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{service.base_url}/api/jobs?state=done") as r:
            [listed] = (await r.json())["jobs"]
    assert (listed["kind"], listed["post_id"], listed["title"]) == ("mix", None, None)
    assert listed["audio_url"] == result["url"] and listed["waveform_url"] == result["waveform_url"]


async def test_bad_spec_fails_at_once_naming_the_field(service, db):
    spec = {"duration_s": 5, "layers": [{"type": "binaural", "carrier_hz": 0, "band": "alpha"}]}
    started = time.monotonic()
    job_id = await db.fetchval("INSERT INTO render_jobs (kind, spec) VALUES ('mix', $1) RETURNING id",
                               json.dumps(spec))
    job = await wait_for(lambda: db.fetchrow(
        "SELECT * FROM render_jobs WHERE id = $1 AND state <> 'queued' AND state <> 'running'", job_id), 10)
    assert time.monotonic() - started < 2
    assert job["state"] == "failed" and job["attempts"] == 1
    assert job["error"].startswith("layers[0].carrier_hz:") and "0" in job["error"]
    assert not (service.storage_dir / "mixes").exists(), "nothing rendered or uploaded"

    long_spec = {"duration_s": 16 * 60, "layers": [{"type": "tone", "frequency_hz": 440}]}
    job_id = await db.fetchval("INSERT INTO render_jobs (kind, spec) VALUES ('mix', $1) RETURNING id",
                               json.dumps(long_spec))
    job = await wait_for(lambda: db.fetchrow(
        "SELECT * FROM render_jobs WHERE id = $1 AND state = 'failed'", job_id), 10)
    assert job["error"].startswith("duration_s:") and "900" in job["error"], job["error"]


async def test_required_file_that_is_missing_fails_the_job(service, file_server, db):
    spec = {"duration_s": 2, "layers": [{"type": "file", "url": f"{file_server}/nope.wav"}]}
    job_id = await db.fetchval("INSERT INTO render_jobs (kind, spec) VALUES ('mix', $1) RETURNING id",
                               json.dumps(spec))
    job = await wait_for(lambda: db.fetchrow(
        "SELECT * FROM render_jobs WHERE id = $1 AND state = 'failed'", job_id), 30)
    assert job["error"] == f"layers[0].url: could not download '{file_server}/nope.wav': HTTP 404 Not Found"
    assert job["attempts"] == 1, "a 404 is not worth retrying"


async def test_a_mix_is_bounded_by_its_own_timeout_not_the_bytebeat_one(database, db, tmp_path):
    """MIX_TIMEOUT_MS stops a mix that runs too long and names itself in the error;
    bytebeat renders keep RENDER_TIMEOUT_MS, and the worker goes on serving."""
    svc = await ServiceProcess(database, tmp_path, "mix2", MIX_TIMEOUT_MS="1000").start()
    try:
        spec = {"duration_s": 15 * 60, "layers": [{"type": "noise", "color": "pink"},
                                                   {"type": "binaural", "carrier_hz": 200, "band": "theta"}],
                "outputs": [{"format": "mp3"}, {"format": "flac"}]}
        job_id = await db.fetchval("INSERT INTO render_jobs (kind, spec) VALUES ('mix', $1) RETURNING id",
                                   json.dumps(spec))
        job = await wait_for(lambda: db.fetchrow(
            "SELECT * FROM render_jobs WHERE id = $1 AND state = 'failed'", job_id), 60)
        assert "timed out" in job["error"] and "MIX_TIMEOUT_MS=1000" in job["error"], job["error"]
        assert job["attempts"] == 1
        assert not (svc.storage_dir / "mixes").exists(), "nothing uploaded"

        post = await db.fetchval("INSERT INTO posts (expression, prerender_duration) VALUES ('t>>4', 3) RETURNING id")
        await wait_for(lambda: db.fetchval("SELECT pre_rendered FROM posts WHERE id = $1", post), 30)
    finally:
        svc.close()
