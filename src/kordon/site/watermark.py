"""``SensorWatermark``: up to which time every live sensor has reported.

The site tracker must process observations in time order, but cameras and other sensors
deliver theirs late by different amounts (analysis time, links). The watermark is the
earliest latest-scan time over the sensors heard from recently: everything stamped up to
it has arrived. A sensor that falls silent for ``stale_s`` (wall time) stops holding it
back, and the watermark never trails the *most advanced* live sensor by more than
``max_lag_s``: a sensor that far behind the others has its late reports dropped, rather
than delaying every alert. Lag is measured between sensors, not against the wall clock,
so a node whose cameras all run behind (an overloaded outpost) still fuses everything.
Event time never runs ahead of the wall clock (a sensor whose clock does cannot drag it).
"""

from __future__ import annotations

import math


class SensorWatermark:
    """Event-time progress of the sensors feeding the site picture."""

    def __init__(self, *, max_lag_s: float, stale_s: float = 2.0) -> None:
        if not (math.isfinite(max_lag_s) and max_lag_s >= 0):
            raise ValueError(f"max_lag_s must be >= 0, got {max_lag_s}")
        if not (math.isfinite(stale_s) and stale_s > 0):
            raise ValueError(f"stale_s must be > 0, got {stale_s}")
        self.max_lag_s = max_lag_s
        self.stale_s = stale_s
        self._latest: dict[str, tuple[float, float]] = {}  # sensor → (scan time, heard at)

    def heard(self, sensor_id: str, scan_time_s: float, now_s: float) -> None:
        """``sensor_id`` delivered its scan of ``scan_time_s`` at wall time ``now_s``."""
        previous = self._latest.get(sensor_id)
        latest = scan_time_s if previous is None else max(previous[0], scan_time_s)
        self._latest[sensor_id] = (latest, now_s)

    def _live(self, now_s: float) -> list[float]:
        for sensor in [s for s, (_, h) in self._latest.items() if now_s - h > 10 * self.stale_s]:
            del self._latest[sensor]  # long gone: forget it (bounded memory)
        return [
            min(t, now_s) for t, heard in self._latest.values() if now_s - heard <= self.stale_s
        ]

    def event_now(self, now_s: float) -> float:
        """The site's event time at wall time ``now_s``: the latest scan of the most
        advanced live sensor (never past the wall clock); the wall clock when none is live."""
        live = self._live(now_s)
        return max(live) if live else now_s

    def release(self, now_s: float) -> float:
        """The time up to which observations can be processed at wall time ``now_s``."""
        live = self._live(now_s)
        if not live:
            return now_s - self.max_lag_s  # everyone silent: let tracks age out
        return max(min(live), max(live) - self.max_lag_s)
