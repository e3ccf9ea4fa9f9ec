"""The render signature in Python, identical to `render_signature()` in SQL.

SHA-256 (hex) of the UTF-8 canonical form
    bytebeat/v1;mode=<octets>:<mode>;rate=<sample_rate>;seconds=<duration>;code=<octets>:<expression>
where <octets> is the UTF-8 byte length of the text after it, so no choice of
mode or expression can make two different inputs share a form.
"""
from __future__ import annotations

import hashlib


def canonical_form(expression: str, mode: str, sample_rate: int, duration: int) -> bytes:
    code = expression.encode()
    mode_bytes = mode.encode()
    return (b"bytebeat/v1;mode=%d:" % len(mode_bytes) + mode_bytes
            + b";rate=%d;seconds=%d;code=%d:" % (sample_rate, duration, len(code)) + code)


def render_signature(expression: str, mode: str, sample_rate: int, duration: int) -> str:
    return hashlib.sha256(canonical_form(expression, mode, sample_rate, duration)).hexdigest()
