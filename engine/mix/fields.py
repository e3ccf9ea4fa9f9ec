"""Typed reads of one JSON object, each failure naming the field path, the value and what is allowed.

The spec parser reads every field through a `Fields` view so that a typo or a bad value
is reported the same way everywhere: `layers[2].carrier_hz: must be > 0 Hz, got 0`.
"""
from __future__ import annotations

import math
from typing import Any

from engine.errors import InvalidRequestError


class SpecError(InvalidRequestError):
    """A mix spec the engine does not accept; the message starts with the field's path."""


_MISSING = object()


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


class Fields:
    """The fields of one JSON object at `path`; `done()` refuses the keys nobody read."""

    def __init__(self, raw: Any, path: str, what: str):
        if not isinstance(raw, dict):
            raise SpecError(f"{path or 'spec'}: must be an object, got {_show(raw)}")
        self.raw, self.path, self.what = raw, path, what
        self.read: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> SpecError:
        return SpecError(f"{self.at(key)}: {message}")

    def get(self, key: str, default: Any = _MISSING) -> Any:
        self.read.add(key)
        if key not in self.raw or self.raw[key] is None:
            if default is _MISSING:
                raise self.fail(key, "is required")
            return default
        return self.raw[key]

    def has(self, key: str) -> bool:
        return self.raw.get(key) is not None

    def number(self, key: str, default: Any = _MISSING, *, minimum: float | None = None,
               above: float | None = None, maximum: float | None = None, unit: str = "") -> float:
        value = self.get(key, default)
        if value is default and default is not _MISSING:
            return value
        suffix = f" {unit}" if unit else ""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"must be a number{suffix}, got {_show(value)}")
        if not math.isfinite(value):
            raise self.fail(key, f"must be a finite number{suffix}, got {_show(value)}")
        if above is not None and not value > above:
            raise self.fail(key, f"must be > {above:g}{suffix}, got {_show(value)}")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be >= {minimum:g}{suffix}, got {_show(value)}")
        if maximum is not None and value > maximum:
            raise self.fail(key, f"must be <= {maximum:g}{suffix}, got {_show(value)}")
        return float(value)

    def integer(self, key: str, default: Any = _MISSING, *, minimum: int | None = None,
                maximum: int | None = None) -> int:
        value = self.get(key, default)
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be an integer, got {_show(value)}")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise self.fail(key, f"must be an integer from {minimum} to {maximum}, got {value}")
        return value

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {_show(value)}")
        return value

    def text(self, key: str, default: Any = _MISSING) -> str:
        value = self.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, got {_show(value)}")
        return value

    def choice(self, key: str, allowed: tuple, default: Any = _MISSING) -> Any:
        value = self.get(key, default)
        if value not in allowed or isinstance(value, bool):
            shown = ", ".join(_show(a) for a in allowed)
            raise self.fail(key, f"must be one of {shown}, got {_show(value)}")
        return allowed[allowed.index(value)]     # the canonical value: 44100, not 44100.0

    def done(self, allowed_here: str = "") -> None:
        """Refuse unknown keys (typos) so that a misspelt field is never silently ignored."""
        unknown = sorted(set(self.raw) - self.read)
        if unknown:
            known = ", ".join(sorted(self.read))
            raise self.fail(unknown[0], f"unknown field of {self.what}{allowed_here} "
                                        f"(allowed: {known})")
