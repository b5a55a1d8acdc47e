"""``SensorWatermark``: up to which time every live sensor has reported.

The site tracker must process observations in time order, but cameras and other sensors
deliver theirs late by different amounts (analysis time, links). The watermark is the
earliest latest-scan time over the sensors heard from recently: everything stamped up to
it has arrived. A sensor that falls silent for ``stale_s`` (wall time) stops holding it
back, and the watermark never trails the *most advanced* live sensor by more than
``max_lag_s`` (the site's ``hold_s``): the picture goes ahead without a sensor that far
behind the others rather than delaying every alert, and the site tracker folds that
sensor's late reports into their tracks at their own time when they come. Lag is
measured between sensors, not against the wall clock, so a node whose cameras all run
behind (an overloaded outpost) still fuses everything.
Event time never runs ahead of the wall clock (a sensor whose clock does cannot drag it).

A sensor that promises when its next scan can come at the earliest (``next_after_s``: a
camera analysing at a fixed rate, a radar's sweep) holds the watermark only up to just
before that time, not at its last scan: the picture need not wait a whole frame interval
for the slowest camera to report again. A scan that breaks the promise is still taken if
it is not older than what has been processed (the tracker screens it), and the sensor's
promises are ignored from then on.

An *event sensor* (``event_sensors``: a ground sensor, which reports only when something
happens) has no next scan to wait for: after an alarm stamped T it would otherwise hold
the whole picture at T until it goes stale (``stale_s``), delaying every alert around
the alarm. It holds the picture only for as long as a report of it can still be on its
way: up to the wall time less the largest delivery delay (arrival − stamp) among its
last reports, plus ``delay_margin_s``. A report later than that is screened as too late
and counted, like any sensor's.
"""

from __future__ import annotations

import math
from collections import deque

_PROMISE_MARGIN_S = 1e-3
_DELAYS_KEPT = 16  # an event sensor's recent delivery delays that bound the next one


class SensorWatermark:
    """Event-time progress of the sensors feeding the site picture."""

    def __init__(
        self,
        *,
        max_lag_s: float,
        stale_s: float = 2.0,
        event_sensors: frozenset[str] = frozenset(),
        delay_margin_s: float = 0.05,
    ) -> None:
        if not (math.isfinite(max_lag_s) and max_lag_s >= 0):
            raise ValueError(f"max_lag_s must be >= 0, got {max_lag_s}")
        if not (math.isfinite(stale_s) and stale_s > 0):
            raise ValueError(f"stale_s must be > 0, got {stale_s}")
        if not (math.isfinite(delay_margin_s) and delay_margin_s >= 0):
            raise ValueError(f"delay_margin_s must be >= 0, got {delay_margin_s}")
        self.max_lag_s = max_lag_s
        self.stale_s = stale_s
        self.delay_margin_s = delay_margin_s
        self._event_sensors = event_sensors
        self._delays: dict[str, deque[float]] = {}  # event sensor → recent delivery delays
        # sensor → (the time up to which its reports have all arrived, heard at)
        self._latest: dict[str, tuple[float, float]] = {}
        self._promised: dict[str, float] = {}  # sensor → its next scan's earliest time
        self._broken: set[str] = set()  # sensors that broke a promise: no more trust
        self.broken_promises = 0

    def heard(
        self,
        sensor_id: str,
        scan_time_s: float,
        now_s: float,
        *,
        next_after_s: float | None = None,
    ) -> None:
        """``sensor_id`` delivered its scan of ``scan_time_s`` at wall time ``now_s``;
        ``next_after_s``: its promise about the next scan (see the module docstring)."""
        promised = self._promised.pop(sensor_id, None)
        if promised is not None and scan_time_s < promised:
            self._broken.add(sensor_id)
            self.broken_promises += 1
        covered = scan_time_s
        if next_after_s is not None and sensor_id not in self._broken:
            self._promised[sensor_id] = next_after_s
            # everything stamped before the promised time has arrived; a hair before it,
            # so an observation stamped exactly then still counts as not yet processed
            covered = max(scan_time_s, next_after_s - _PROMISE_MARGIN_S)
        previous = self._latest.get(sensor_id)
        latest = covered if previous is None else max(previous[0], covered)
        self._latest[sensor_id] = (latest, now_s)
        if sensor_id in self._event_sensors:
            delays = self._delays.setdefault(sensor_id, deque(maxlen=_DELAYS_KEPT))
            delays.append(max(now_s - scan_time_s, 0.0))

    def _live(self, now_s: float) -> list[tuple[str, float]]:
        """(sensor, the time up to which its reports have all arrived) of the live ones."""
        for sensor in [s for s, (_, h) in self._latest.items() if now_s - h > 10 * self.stale_s]:
            del self._latest[sensor]  # long gone: forget it (bounded memory)
            self._promised.pop(sensor, None)
            self._delays.pop(sensor, None)
        return [
            (sensor, min(t, now_s))
            for sensor, (t, heard) in self._latest.items()
            if now_s - heard <= self.stale_s
        ]

    def _in_flight_bound(self, sensor_id: str, now_s: float) -> float:
        """For an event sensor, the time before which none of its reports can still be on
        its way; ``-inf`` for the others."""
        delays = self._delays.get(sensor_id)
        if not delays:
            return -math.inf
        return now_s - max(delays) - self.delay_margin_s

    def event_now(self, now_s: float) -> float:
        """The site's event time at wall time ``now_s``: the latest scan of the most
        advanced live sensor (never past the wall clock); the wall clock when none is live."""
        live = self._live(now_s)
        return max(t for _, t in live) if live else now_s

    def release(self, now_s: float) -> float:
        """The time up to which observations can be processed at wall time ``now_s``."""
        live = self._live(now_s)
        if not live:
            return now_s - self.max_lag_s  # everyone silent: let tracks age out
        covered = [max(t, min(self._in_flight_bound(s, now_s), now_s)) for s, t in live]
        return max(min(covered), max(t for _, t in live) - self.max_lag_s)
