"""``FloodLimiter``: a token bucket per sensor, so one sensor's flood of alarms is cut short.

A sensor may send ``burst`` messages at once and ``rate_hz`` on average; the rest are
dropped and counted. A flood is an episode: it starts with the first dropped message and
ends when the sensor's bucket has filled up again (it kept quiet long enough), so the
caller reports one health event at each end, not one per dropped message. Time is passed
in as seconds of a monotonic or POSIX clock; time going backwards refills nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Admission(StrEnum):
    """The fate of one message."""

    ADMITTED = "admitted"
    DROPPED = "dropped"
    FLOOD_STARTED = "flood_started"
    """Dropped, and the first drop of a new flood episode."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``rate_hz`` messages per second on average, ``burst`` at once."""

    rate_hz: float
    burst: int

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rate_hz) and self.rate_hz > 0):
            raise ValueError(f"rate_hz must be > 0, got {self.rate_hz}")
        if self.burst < 1:
            raise ValueError(f"burst must be >= 1, got {self.burst}")


@dataclass(slots=True)
class _Bucket:
    limit: RateLimit
    tokens: float
    last_s: float | None = None
    flooding: bool = False
    admitted: int = 0
    dropped: int = 0
    dropped_in_episode: int = 0

    def refill(self, now_s: float) -> None:
        if self.last_s is not None and now_s > self.last_s:
            gained = (now_s - self.last_s) * self.limit.rate_hz
            self.tokens = min(float(self.limit.burst), self.tokens + gained)
        self.last_s = now_s if self.last_s is None else max(self.last_s, now_s)

    @property
    def full(self) -> bool:
        return self.tokens >= self.limit.burst


@dataclass(frozen=True, slots=True)
class FloodCounters:
    """Per sensor: messages admitted and dropped so far, and whether it floods now."""

    admitted: int
    dropped: int
    flooding: bool


class FloodLimiter:
    """Admits or drops each sensor's messages; counts both; tracks flood episodes."""

    def __init__(self, limits: Mapping[str, RateLimit]) -> None:
        self._buckets = {sid: _Bucket(lim, float(lim.burst)) for sid, lim in limits.items()}

    def admit(self, sensor_id: str, now_s: float) -> Admission:
        """Take one token of ``sensor_id``'s bucket at ``now_s``, if there is one."""
        bucket = self._buckets[sensor_id]
        bucket.refill(now_s)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.admitted += 1
            return Admission.ADMITTED
        bucket.dropped += 1
        bucket.dropped_in_episode += 1
        if bucket.flooding:
            return Admission.DROPPED
        bucket.flooding = True
        return Admission.FLOOD_STARTED

    def recovered(self, now_s: float) -> dict[str, int]:
        """Sensors whose flood ended by ``now_s`` (bucket full again) → messages dropped in it."""
        ended: dict[str, int] = {}
        for sid, bucket in self._buckets.items():
            if not bucket.flooding:
                continue
            bucket.refill(now_s)
            if bucket.full:
                ended[sid] = bucket.dropped_in_episode
                bucket.flooding = False
                bucket.dropped_in_episode = 0
        return ended

    def counters(self, sensor_id: str) -> FloodCounters:
        b = self._buckets[sensor_id]
        return FloodCounters(b.admitted, b.dropped, b.flooding)
