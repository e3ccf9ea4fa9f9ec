"""Prometheus text exposition (format 0.0.4) of the service's counters and histograms.

The format is a few lines per metric, so it is written here rather than pulled
in with a client library: `# HELP`, `# TYPE`, then `name{labels} value` lines;
a histogram is cumulative `_bucket{le="..."}` lines ending at `+Inf`, with
`_sum` and `_count`.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Seconds; render and upload times span milliseconds (a 1 s song) to minutes.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                    120.0, 300.0)
# Seconds from a wake-up notification to the claim it caused: sub-millisecond to a second.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


@dataclass
class Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.buckets)

    def observe(self, value: float) -> None:
        i = bisect.bisect_left(self.buckets, value)
        if i < len(self.counts):
            self.counts[i] += 1
        self.total += value
        self.count += 1

    def cumulative(self) -> list[tuple[str, int]]:
        out, running = [], 0
        for bound, n in zip(self.buckets, self.counts):
            running += n
            out.append((_number(bound), running))
        out.append(("+Inf", self.count))
        return out


@dataclass
class WorkerMetrics:
    """What the worker measures as it runs (the database supplies the rest)."""
    render_seconds: Histogram = field(default_factory=lambda: Histogram(DURATION_BUCKETS))
    upload_seconds: Histogram = field(default_factory=lambda: Histogram(DURATION_BUCKETS))
    notify_to_claim_seconds: Histogram = field(default_factory=lambda: Histogram(LATENCY_BUCKETS))


def _number(value: float) -> str:
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value.is_integer() and abs(value) < 2 ** 53 else repr(value)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items()) + "}"


class Exposition:
    """Builds one scrape's text, metric by metric."""

    def __init__(self) -> None:
        self._lines: list[str] = []

    def _head(self, name: str, kind: str, help_text: str) -> None:
        self._lines.append(f"# HELP {name} {help_text}")
        self._lines.append(f"# TYPE {name} {kind}")

    def gauge(self, name: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        self._head(name, "gauge", help_text)
        self._lines.extend(f"{name}{_labels(lb)} {_number(v)}" for lb, v in samples)

    def counter(self, name: str, help_text: str, value: float) -> None:
        self._head(name, "counter", help_text)
        self._lines.append(f"{name} {_number(value)}")

    def histogram(self, name: str, help_text: str, h: Histogram) -> None:
        self._head(name, "histogram", help_text)
        self._lines.extend(f'{name}_bucket{{le="{le}"}} {n}' for le, n in h.cumulative())
        self._lines.append(f"{name}_sum {_number(h.total)}")
        self._lines.append(f"{name}_count {h.count}")

    def text(self) -> str:
        return "\n".join(self._lines) + "\n"
