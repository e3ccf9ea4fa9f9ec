"""The render loop: a SongRunner's values -> held, mapped, faded samples -> WAV file.

Blocks of BLOCK samples are evaluated, mapped per channel (engine.modes), faded
(engine.fades) and streamed to a private temporary file beside the output, so memory
stays bounded whatever the duration. The WAV is then written from it (mono: left
channel only; stereo once any sample returned an array) into another private
temporary file, which finally replaces `path` atomically.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import fades, modes, wav
from engine.errors import (EngineError, NotCompiledError, RenderTimeoutError, SongLimitError,
                           SongRuntimeError, SongSyntaxError)
from engine.request import BytebeatRequest

BLOCK = 1 << 16
FIRST_BLOCK = 1 << 12      # the first blocks are smaller (4096, 4096, 8192, ... up to BLOCK): a newly
                           # compiled song moves from its quick code to its optimized code at a block
                           # boundary (engine.compiled.jit)
TIERS = ("auto", "compiled", "v8")


@dataclass(frozen=True)
class RenderInfo:
    path: str
    tier: str
    mode: str
    channels: int
    sample_rate: int
    samples: int          # per channel
    seconds: float
    format: str           # "wav"
    sample_format: str    # "u8" or "f32"
    bytes: int            # file size
    sha256: str           # of the whole file
    nan_count: int        # samples where a channel held its previous value
    render_s: float       # wall time of the render


def _v8_loader():
    try:
        from engine import v8  # noqa: PLC0415
    except Exception:
        return None
    return getattr(v8, "load_song", None)


def load_runner(request: BytebeatRequest, tier: str = "auto", deadline: float | None = None,
                memory_mb: int | None = None):
    """A SongRunner for the request from the asked tier ("auto": the compiled tier
    when it takes the song, else the V8 tier, which runs every song)."""
    if tier not in TIERS:
        from engine.errors import InvalidRequestError  # noqa: PLC0415
        raise InvalidRequestError(f"invalid tier {tier!r}: expected one of {', '.join(TIERS)}")
    if tier == "v8":
        return _load_v8(request, deadline, None, memory_mb)
    from engine.compiled import load_song  # noqa: PLC0415
    try:
        return load_song(request.code, request.mode, request.sample_rate)
    except (NotCompiledError, SongSyntaxError, SongLimitError) as refused:
        if tier == "compiled":
            raise
        return _load_v8(request, deadline, refused, memory_mb)


def _load_v8(request: BytebeatRequest, deadline: float | None, refused: EngineError | None,
             memory_mb: int | None):
    loader = _v8_loader()
    if loader is None:
        if refused is not None:
            raise refused
        raise EngineError("the v8 tier is not available in this installation")
    limits = {"deadline": deadline}
    if memory_mb is not None:
        limits["memory_mb"] = memory_mb
    return loader(request.code, request.mode, request.sample_rate, **limits)


def close_runner(runner) -> None:
    close = getattr(runner, "close", None)
    if close is not None:
        close()


class _Renderer:
    """Evaluates blocks and turns them into faded samples, channel by channel."""

    def __init__(self, request: BytebeatRequest, runner):
        self.request = request
        self.runner = runner
        self.n = request.sample_count
        self.holds = (modes.ChannelHold(request.mode), modes.ChannelHold(request.mode))
        self.fi, self.fo = fades.fade_lengths(request.sample_rate, request.fade_in, request.fade_out, self.n)
        self.stereo = False
        self.left = np.empty(BLOCK)
        self.right = np.empty(BLOCK)
        self.left_samples = np.empty(BLOCK, dtype=modes.sample_dtype(request.mode))
        self.right_samples = np.empty(BLOCK, dtype=modes.sample_dtype(request.mode))

    def blocks(self, deadline: float | None, on_progress):
        """Yields (start, left samples, right samples) per block (arrays reused by the next block)."""
        start = 0
        while start < self.n:
            count = min(BLOCK, max(FIRST_BLOCK, start), self.n - start)
            left, right = self.left[:count], self.right[:count]
            if self.runner.fill(start, left, right):
                self.stereo = True
            g = fades.gains(start, count, self.n, self.fi, self.fo)
            nan_before = self.holds[0].nan_count
            ls = fades.apply(self.holds[0].map(left, self.left_samples), g)
            if self.stereo:
                rs = fades.apply(self.holds[1].map(right, self.right_samples), g)
            else:
                # until the first array result both channels had the same values, so the
                # same samples and hold state: map once (mono songs are most songs)
                self.holds[1].copy_state(self.holds[0], self.holds[0].nan_count - nan_before)
                rs = ls
            yield start, ls, rs
            start += count
            if on_progress is not None and (start % BLOCK == 0 or start == self.n):
                on_progress(start / self.n)     # every BLOCK samples, as the blocks ramp up to it
            if deadline is not None and start < self.n and time.monotonic() > deadline:
                raise RenderTimeoutError(_timeout_message(self.request, start, self.n))

    def check_played(self) -> None:
        """A song that never produced a number (every value NaN, undefined or a
        thrown exception) has nothing to render: the player would play silence.
        Say why instead of storing silence."""
        if self.n == 0 or any(h.nan_count < self.n for h in self.holds):
            return
        stats = getattr(self.runner, "stats", None)
        info = stats() if stats is not None else _v8_exceptions(self.request)
        if info.get("errors"):
            first = info.get("firstError") or "an exception"
            raise SongRuntimeError(f"the song threw on every sample, so there is nothing to render"
                                   f" (first: {first})")
        raise SongRuntimeError("the song produced no sound: every value it returned was NaN,"
                               " undefined or not a number")

    @property
    def nan_count(self) -> int:
        return max(self.holds[0].nan_count, self.holds[1].nan_count)


def _v8_exceptions(request: BytebeatRequest, samples: int = 256) -> dict:
    """The V8 tier's exception counts over the song's first samples, for the message of
    a song that never played: the compiled tier turns a throw into a NaN sample without
    keeping what was thrown, and the message should not depend on the tier."""
    loader = _v8_loader()
    if loader is None:
        return {}
    runner = None
    try:
        runner = loader(request.code, request.mode, request.sample_rate,
                        deadline=time.monotonic() + 10.0)
        n = min(samples, request.sample_count)
        runner.fill(0, np.empty(n), np.empty(n))
        return runner.stats()
    except EngineError:
        return {}
    finally:
        if runner is not None:
            close_runner(runner)


def _timeout_message(request: BytebeatRequest, done: int, n: int, limit: float | None = None) -> str:
    return (f"render timed out: exceeded its time limit after {done} of {n} samples "
            f"({done / request.sample_rate:.1f} of {request.seconds:g} s of audio)")


def render_samples(request: BytebeatRequest, *, tier: str = "auto") -> np.ndarray:
    """All samples in memory (for tests): shape (n,) or (n, 2); uint8 or float32.
    Unlike render_to_file, a song that never produced a number is returned as the
    player plays it (silence), so tests can compare it with the reference."""
    runner = load_runner(request, tier)
    try:
        r = _Renderer(request, runner)
        dtype = modes.sample_dtype(request.mode)
        out = np.empty((r.n, 2), dtype=dtype)
        for start, ls, rs in r.blocks(None, None):
            out[start:start + len(ls), 0] = ls
            out[start:start + len(ls), 1] = rs
        return out if r.stereo else out[:, 0].copy()
    finally:
        close_runner(runner)


def render_to_file(request: BytebeatRequest, path, *, tier: str = "auto", deadline: float | None = None,
                   on_progress=None, memory_mb: int | None = None) -> RenderInfo:
    """Render the request to a WAV file at `path`; see the module docstring."""
    started = time.monotonic()
    path = Path(path)
    runner = load_runner(request, tier, deadline, memory_mb)
    try:
        return _render_runner_to_file(request, runner, path, tier, deadline, on_progress, started)
    finally:
        close_runner(runner)


def _render_runner_to_file(request, runner, path: Path, tier: str, deadline, on_progress,
                           started: float) -> RenderInfo:
    if deadline is not None and time.monotonic() > deadline:
        raise RenderTimeoutError(_timeout_message(request, 0, request.sample_count))
    r = _Renderer(request, runner)
    dtype = modes.sample_dtype(request.mode)
    itemsize = np.dtype(dtype).itemsize
    directory = path.parent if str(path.parent) else Path(".")
    raw_fd, raw_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".raw", dir=directory)
    wav_name = None
    try:
        with os.fdopen(raw_fd, "wb") as raw:
            inter = np.empty((BLOCK, 2), dtype=dtype)
            for start, ls, rs in r.blocks(deadline, on_progress):
                k = len(ls)
                inter[:k, 0] = ls
                inter[:k, 1] = rs
                raw.write(inter[:k].tobytes())
        r.check_played()
        channels = 2 if r.stereo else 1
        wav_fd, wav_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".wav", dir=directory)
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(wav_fd, "wb") as out, open(raw_name, "rb") as raw:
            def put(data: bytes) -> None:
                nonlocal size
                out.write(data)
                digest.update(data)
                size += len(data)
            put(wav.header(channels, request.sample_rate, 8 * itemsize, itemsize == 4, r.n))
            frame = 2 * itemsize
            chunk_frames = 1 << 18
            while True:
                data = raw.read(chunk_frames * frame)
                if not data:
                    break
                if channels == 1:
                    data = np.frombuffer(data, dtype=dtype).reshape(-1, 2)[:, 0].tobytes()
                put(data)
            if (r.n * channels * itemsize) & 1:
                put(b"\x00")
        os.replace(wav_name, path)
        wav_name = None
    finally:
        for name in (raw_name, wav_name):
            if name is not None:
                try:
                    os.unlink(name)
                except FileNotFoundError:
                    pass
    return RenderInfo(
        path=str(path), tier=getattr(runner, "tier", tier), mode=request.mode, channels=channels,
        sample_rate=request.sample_rate, samples=r.n, seconds=r.n / request.sample_rate, format="wav",
        sample_format="u8" if itemsize == 1 else "f32", bytes=size, sha256=digest.hexdigest(),
        nan_count=r.nan_count, render_s=time.monotonic() - started)
