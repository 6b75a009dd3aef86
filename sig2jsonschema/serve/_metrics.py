"""Prometheus metrics of the sidecar, in the text exposition format (version 0.0.4).

A handful of counters and histograms do not need a client library: the sidecar
serves one process, on one event loop, so plain dicts updated between awaits
are consistent, and ``render`` writes the format Prometheus scrapes.  Label
values are bounded by construction: body forms and verdicts are fixed words,
signature fields come from the signature (anything else counts as ``other``),
keywords from our own validator, statuses are HTTP codes.

.. versionadded:: 0.1
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

#: Latency buckets, in seconds: fine below a millisecond, where the sidecar's own
#: work lies, coarse above, where the model's does.
LATENCY_BUCKETS: tuple[float, ...] = (
    0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075,
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
)  # fmt: skip


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: tuple[str, ...], values: tuple[str, ...], extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass
class Counter:
    """A counter family: one running total per label combination."""

    name: str
    help: str
    labelnames: tuple[str, ...] = ()
    values: dict[tuple[str, ...], float] = field(default_factory=dict)

    def inc(self, *labels: str, amount: float = 1.0) -> None:
        """Add ``amount`` to the series of ``labels``."""
        self.values[labels] = self.values.get(labels, 0.0) + amount

    def render(self) -> list[str]:
        """The family's lines in the text format."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        for labels, value in sorted(self.values.items()):
            lines.append(f"{self.name}{_labels(self.labelnames, labels)} {_number(value)}")
        return lines


@dataclass
class Histogram:
    """A histogram family with fixed buckets (no labels: one series each)."""

    name: str
    help: str
    buckets: tuple[float, ...] = LATENCY_BUCKETS
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.buckets) + 1)

    def observe(self, value: float) -> None:
        """Record one observation."""
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.count += 1

    def render(self) -> list[str]:
        """The family's lines: cumulative buckets, ``_sum`` and ``_count``."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        running = 0
        for bound, count in zip(self.buckets, self.counts, strict=False):
            running += count
            lines.append(f'{self.name}_bucket{{le="{bound!r}"}} {running}')
        lines.append(f'{self.name}_bucket{{le="+Inf"}} {self.count}')
        lines.append(f"{self.name}_sum {_number(self.total)}")
        lines.append(f"{self.name}_count {self.count}")
        return lines


class ServeMetrics:
    """Every metric the sidecar and `ValidationMiddleware` publish.

    .. versionadded:: 0.1
    """

    def __init__(self, prefix: str = "sig2jsonschema") -> None:
        p = prefix
        self.requests = Counter(
            f"{p}_requests_total",
            "Scoring requests by verdict (valid, invalid, too_large, "
            "unsupported_media_type, disconnected, draining) and body form.",
            ("verdict", "form"),
        )
        self.errors = Counter(
            f"{p}_request_errors_total",
            "Errors found in refused bodies, by rule (keyword) and signature field "
            "(names the signature does not declare count as 'other').",
            ("keyword", "field"),
        )
        self.upstream_responses = Counter(
            f"{p}_upstream_responses_total",
            "Answers of the upstream scoring server, by HTTP status.",
            ("status",),
        )
        self.upstream_errors = Counter(
            f"{p}_upstream_errors_total",
            "Forwarded requests the upstream did not answer: connect, timeout, protocol.",
            ("kind",),
        )
        self.responses = Counter(
            f"{p}_response_checks_total",
            "Upstream answers checked against the signature's outputs "
            "(--check-responses): valid, invalid, unchecked.",
            ("verdict",),
        )
        self.response_errors = Counter(
            f"{p}_response_errors_total",
            "Errors found in upstream answers, by rule (keyword).",
            ("keyword",),
        )
        self.validation_seconds = Histogram(
            f"{p}_validation_seconds", "Time to read and judge one request body."
        )
        self.upstream_seconds = Histogram(
            f"{p}_upstream_seconds",
            "Time from forwarding a body to the upstream's last response byte.",
        )
        self.own_seconds = Histogram(
            f"{p}_sidecar_seconds",
            "Time the sidecar spends on one scoring request, the upstream's time excluded.",
        )

    def render(self) -> str:
        """Every family in the Prometheus text format."""
        lines: list[str] = []
        for family in (
            self.requests,
            self.errors,
            self.upstream_responses,
            self.upstream_errors,
            self.responses,
            self.response_errors,
            self.validation_seconds,
            self.upstream_seconds,
            self.own_seconds,
        ):
            lines.extend(family.render())
        return "\n".join(lines) + "\n"


#: The Content-Type of the text exposition format.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

__all__ = ["CONTENT_TYPE", "LATENCY_BUCKETS", "Counter", "Histogram", "ServeMetrics"]
