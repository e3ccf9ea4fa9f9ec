"""The engine's errors: one small hierarchy, messages written for the song's author.

Every engine error is *permanent*: rendering the same inputs again gives the same
error, so the service fails the job at once instead of retrying it.
"""
from __future__ import annotations


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidRequestError(EngineError):
    """A render input outside what the engine accepts (unknown mode, bad rate...)."""


class SourcePosition:
    """1-based line and column of a place in the song's code."""

    __slots__ = ("line", "column", "offset")

    def __init__(self, line: int, column: int, offset: int):
        self.line, self.column, self.offset = line, column, offset

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"

    def __repr__(self) -> str:
        return f"SourcePosition({self.line}, {self.column}, {self.offset})"

    @classmethod
    def at(cls, source: str, offset: int) -> "SourcePosition":
        line = source.count("\n", 0, offset) + 1
        column = offset - (source.rfind("\n", 0, offset) + 1) + 1
        return cls(line, column, offset)


class SongSyntaxError(EngineError):
    """The code does not parse: names the position and the construct found there."""

    def __init__(self, what: str, position: SourcePosition):
        super().__init__(f"syntax error at {position}: {what}")
        self.what, self.position = what, position


class NotCompiledError(EngineError):
    """The code parses but uses a construct outside the compiled subset."""

    def __init__(self, construct: str, position: SourcePosition | None):
        where = f" at {position}" if position is not None else ""
        super().__init__(f"not compiled: {construct}{where}")
        self.construct, self.position = construct, position


class SongLimitError(EngineError):
    """The code is too long or nested too deeply to be accepted."""


class RenderTimeoutError(EngineError):
    """The render passed its deadline (checked between blocks)."""


class SongRuntimeError(EngineError):
    """The song could not be run at all (for example its code throws when compiled)."""
