"""Bytebeat engine: song code in, audio out. Pure (no I/O beyond the output file).

Public API:
    BytebeatRequest                 what to render (engine.request)
    render_to_file(request, path, *, tier="auto", deadline=None, on_progress=None) -> RenderInfo
    render_samples(request, *, tier="auto") -> numpy array
    check(code, mode="uint8") -> CheckResult
    the errors of engine.errors
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.errors import (EngineError, InvalidRequestError, NotCompiledError, RenderTimeoutError,
                           SongLimitError, SongRuntimeError, SongSyntaxError, SourcePosition)
from engine.render import RenderInfo, render_samples, render_to_file
from engine.request import BytebeatRequest

__all__ = [
    "BytebeatRequest", "RenderInfo", "CheckResult", "render_to_file", "render_samples", "check",
    "EngineError", "InvalidRequestError", "NotCompiledError", "RenderTimeoutError", "SongLimitError",
    "SongRuntimeError", "SongSyntaxError", "SourcePosition",
]


@dataclass(frozen=True)
class CheckResult:
    """Whether the compiled tier takes a song, and if not why."""
    compiled: bool
    status: str                 # "compiled" | "not compiled" | "syntax error" | "limit"
    message: str                # "compiled" or the error message
    construct: str | None = None
    position: str | None = None # "line:column"

    def __bool__(self) -> bool:
        return self.compiled


def check(code: str, mode: str = "uint8") -> CheckResult:
    """Parse and analyze `code` for the compiled tier (no machine code is generated)."""
    from engine.compiled import check_song  # noqa: PLC0415
    from engine.request import MODES  # noqa: PLC0415
    if mode not in MODES:
        raise InvalidRequestError(f"invalid mode {mode!r}: expected one of {', '.join(MODES)}")
    try:
        check_song(code, mode)
    except NotCompiledError as e:
        return CheckResult(False, "not compiled", e.message, e.construct,
                           str(e.position) if e.position else None)
    except SongSyntaxError as e:
        return CheckResult(False, "syntax error", e.message, e.what, str(e.position))
    except SongLimitError as e:
        return CheckResult(False, "limit", e.message)
    return CheckResult(True, "compiled", "compiled")
