"""Test-side clients of the operations surface: a Server-Sent Events reader and a
Prometheus text parser, written from the formats' specifications (not from the
service's code), so the tests check what a real consumer would see."""
from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass

import aiohttp


@dataclass
class SseEvent:
    id: str | None
    event: str
    data: str

    @property
    def json(self) -> dict:
        return json.loads(self.data)


class SseStream:
    """Reads an open text/event-stream response event by event (comments and
    `retry:` lines are collected, not returned)."""

    def __init__(self, response: aiohttp.ClientResponse):
        self.response = response
        self.comments: list[str] = []

    async def next(self, timeout: float) -> SseEvent:
        """The next event within `timeout` seconds (asyncio.TimeoutError if none)."""
        fields: dict[str, list[str]] = {}
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise asyncio.TimeoutError
            raw = await asyncio.wait_for(self.response.content.readline(), remaining)
            if raw == b"":
                raise EOFError("the event stream ended")
            line = raw.decode().rstrip("\r\n")
            if line == "":
                if "data" in fields:
                    return SseEvent(id=fields.get("id", [None])[-1],
                                    event=fields.get("event", ["message"])[-1],
                                    data="\n".join(fields["data"]))
                fields = {}
                continue
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            fields.setdefault(name, []).append(value[1:] if value.startswith(" ") else value)


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text: str) -> tuple[dict[str, str], dict[tuple[str, frozenset], float]]:
    """Types by metric name, and samples by (name, labels). Raises on any line
    that is not a comment, a blank line or a well-formed sample."""
    types: dict[str, str] = {}
    samples: dict[tuple[str, frozenset], float] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            types[name] = kind
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"line {number} is not a Prometheus sample: {line!r}"
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        value = m.group(4)
        samples[(m.group(1), labels)] = float(value.replace("+Inf", "inf"))
    return types, samples


def histogram(samples, name: str) -> tuple[list[tuple[float, float]], float, float]:
    """(le, cumulative count) pairs sorted by le, the sum and the count."""
    buckets = sorted((float(dict(lb)["le"].replace("+Inf", "inf")), v)
                     for (n, lb), v in samples.items() if n == name + "_bucket")
    return buckets, samples[(name + "_sum", frozenset())], samples[(name + "_count", frozenset())]
