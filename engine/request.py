"""What to render: the inputs of one bytebeat render, validated once."""
from __future__ import annotations

import math
from dataclasses import dataclass

from engine.errors import InvalidRequestError

MODES = ("uint8", "int8", "float", "func")
MAX_SAMPLE_RATE = 384_000
MAX_SECONDS = 3600.0


@dataclass(frozen=True)
class BytebeatRequest:
    """One bytebeat render: code, mode, sample rate (Hz), duration and fades (seconds)."""

    code: str
    mode: str = "uint8"
    sample_rate: int = 8000
    seconds: float = 10.0
    fade_in: float = 0.0
    fade_out: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.code, str):
            raise InvalidRequestError("expression must be text")
        if self.mode not in MODES:
            raise InvalidRequestError(
                f"invalid mode {self.mode!r}: expected one of {', '.join(MODES)}")
        if not isinstance(self.sample_rate, int) or isinstance(self.sample_rate, bool) \
                or not 1 <= self.sample_rate <= MAX_SAMPLE_RATE:
            raise InvalidRequestError(
                f"invalid sample rate {self.sample_rate!r}: expected an integer from 1 to {MAX_SAMPLE_RATE} Hz")
        for name in ("seconds", "fade_in", "fade_out"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise InvalidRequestError(f"invalid {name} {value!r}: expected a finite number >= 0")
        if not 0 < self.seconds <= MAX_SECONDS:
            raise InvalidRequestError(
                f"invalid duration {self.seconds!r} s: expected more than 0 and at most {MAX_SECONDS:g} s")

    @property
    def sample_count(self) -> int:
        """Samples per channel: round(rate x seconds), as the reference renderer counts them."""
        return int(math.floor(self.sample_rate * self.seconds + 0.5))
