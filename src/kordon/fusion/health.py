"""Why observations are rejected, the counters, and the health events a caller publishes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import IntEnum


class RejectReason(IntEnum):
    """Reason codes, one per rejected observation (``ACCEPTED`` is 0)."""

    ACCEPTED = 0
    NOT_FINITE = 1
    NOT_POSITIVE_DEFINITE = 2
    OUT_OF_RANGE = 3
    UNKNOWN_SENSOR = 4
    TOO_LATE = 5
    IN_FUTURE = 6
    FLOODING = 7
    BUFFER_FULL = 8

    @property
    def label(self) -> str:
        return self.name.lower()


_DETAIL: dict[RejectReason, str] = {
    RejectReason.NOT_FINITE: "time, position, covariance or confidence is NaN or infinite",
    RejectReason.NOT_POSITIVE_DEFINITE: "covariance is not symmetric positive definite",
    RejectReason.OUT_OF_RANGE: "position, variance or confidence outside the allowed range",
    RejectReason.UNKNOWN_SENSOR: "sensor id is not registered with the site tracker",
    RejectReason.TOO_LATE: "older than the re-ordering lag allows",
    RejectReason.IN_FUTURE: "stamped too far ahead of the current time",
    RejectReason.FLOODING: "sensor exceeds its observation rate",
    RejectReason.BUFFER_FULL: "re-ordering buffer is full",
}


@dataclass(frozen=True, slots=True)
class FusionHealthEvent:
    """``count`` observations of ``sensor_id`` rejected for ``reason`` in one ingest call."""

    time_s: float
    sensor_id: str
    reason: RejectReason
    count: int

    @property
    def detail(self) -> str:
        return f"{self.count} observation(s) from {self.sensor_id!r}: {_DETAIL[self.reason]}"


class RejectCounters:
    """Cumulative rejections per (sensor id, reason) since the tracker was built."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, RejectReason]] = Counter()

    def add(self, sensor_id: str, reason: RejectReason, count: int) -> None:
        self._counts[(sensor_id, reason)] += count

    def get(self, sensor_id: str, reason: RejectReason) -> int:
        return self._counts[(sensor_id, reason)]

    def by_reason(self) -> dict[RejectReason, int]:
        out: Counter[RejectReason] = Counter()
        for (_, reason), n in self._counts.items():
            out[reason] += n
        return dict(out)

    @property
    def total(self) -> int:
        return sum(self._counts.values())
