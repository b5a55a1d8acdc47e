"""The Prometheus text exposition format, version 0.0.4 (written here, no client library).

One :class:`MetricFamily` per metric name: ``# HELP`` and ``# TYPE`` lines, then one line
per sample, ``name{label="value",...} value``. Label values escape backslash, double
quote and newline; help text escapes backslash and newline. Names are checked against
the format's grammar so a bad name fails in tests, not in the scraper.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

MetricType = Literal["counter", "gauge", "untyped"]

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Sample:
    labels: Mapping[str, str]
    value: float


@dataclass
class MetricFamily:
    """A metric name, its type and help, and its samples (one per label set)."""

    name: str
    type: MetricType
    help: str
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"invalid metric name {self.name!r}")

    def add(self, value: float, **labels: str) -> None:
        for key in labels:
            if not _LABEL.match(key) or key.startswith("__"):
                raise ValueError(f"invalid label name {key!r} on {self.name}")
        self.samples.append(Sample(labels, float(value)))


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    """Integers without a fraction, ``+Inf``/``-Inf``/``NaN`` as the format spells them."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def render(families: Iterable[MetricFamily]) -> str:
    """The exposition text of ``families`` (families without samples are left out)."""
    lines: list[str] = []
    seen: set[str] = set()
    for family in families:
        if family.name in seen:
            raise ValueError(f"metric {family.name} appears twice")
        seen.add(family.name)
        if not family.samples:
            continue
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.type}")
        for sample in family.samples:
            labels = ",".join(f'{k}="{_escape_label(v)}"' for k, v in sample.labels.items())
            name = f"{family.name}{{{labels}}}" if labels else family.name
            lines.append(f"{name} {format_value(sample.value)}")
    return "\n".join(lines) + "\n" if lines else ""
