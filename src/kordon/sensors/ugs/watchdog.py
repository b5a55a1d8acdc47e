"""``SilenceWatchdog``: which sensors have not been heard from for longer than their limit.

Time is passed in (the node's clock at arrival and at each check), never read here. A
sensor never heard from counts as heard at ``started``, so one that stays silent from
the start goes offline after its limit too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from kordon.domain.time import require_utc


class SilenceWatchdog:
    """Reports each sensor once when it falls silent; ``heard`` re-arms it."""

    def __init__(self, limits_s: Mapping[str, float], *, started: datetime) -> None:
        bad = sorted(k for k, v in limits_s.items() if not v > 0)
        if bad:
            raise ValueError(f"silence limits must be > 0 s (sensors {bad})")
        start = require_utc(started, name="started")
        self._limits_s = dict(limits_s)
        self._last = dict.fromkeys(limits_s, start)
        self._silent: set[str] = set()

    def limit_s(self, sensor_id: str) -> float:
        return self._limits_s[sensor_id]

    def heard(self, sensor_id: str, now: datetime) -> bool:
        """Note a message from ``sensor_id`` at ``now``; True when it had been reported silent."""
        if sensor_id not in self._limits_s:
            raise KeyError(f"unknown sensor {sensor_id!r}")
        now = require_utc(now, name="now")
        self._last[sensor_id] = max(self._last[sensor_id], now)
        if sensor_id in self._silent:
            self._silent.discard(sensor_id)
            return True
        return False

    def check(self, now: datetime) -> list[str]:
        """Sensors that went silent for longer than their limit since the last check."""
        now = require_utc(now, name="now")
        newly = [
            sid
            for sid, last in self._last.items()
            if sid not in self._silent and (now - last).total_seconds() > self._limits_s[sid]
        ]
        self._silent.update(newly)
        return sorted(newly)

    def silent_for_s(self, sensor_id: str, now: datetime) -> float:
        """Seconds since ``sensor_id`` was last heard (or since the start)."""
        return (require_utc(now, name="now") - self._last[sensor_id]).total_seconds()

    @property
    def silent(self) -> frozenset[str]:
        return frozenset(self._silent)
