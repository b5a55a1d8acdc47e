"""``RadarHealth``: one radar's device health from its data, north markers, floods and silence.

State: ``starting`` until the first valid record; ``offline`` when nothing valid came for
``offline_after_rotations`` antenna periods (the watchdog; CAT034 north and sector
messages count, so a radar that sees no target stays online); ``degraded`` while it
floods (plots over its rate dropped), while its antenna period (I034/041, or the time
between north markers) is off the configured one by more than ``period_tolerance``, or
for ``anomaly_window_s`` after malformed data (truncated blocks, lying lengths, unknown
categories); ``online`` otherwise.

Statuses are returned on change of state or detail, so the caller publishes changes. They
are rate limited: a change of detail alone (another kind of malformed data, a new period
figure) waits until ``min_interval_s`` after the last status; a change of state is
published at once. Every time is the node's UTC clock, passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.domain.time import require_utc
from kordon.sensors.ugs.watchdog import SilenceWatchdog


@dataclass(frozen=True, slots=True)
class HealthSettings:
    """Limits of one radar's health."""

    rotation_period_s: float
    offline_after_rotations: float = 3.0
    period_tolerance: float = 0.25
    anomaly_window_s: float = 60.0
    min_interval_s: float = 5.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rotation_period_s) and self.rotation_period_s > 0):
            raise ValueError(f"rotation_period_s must be > 0, got {self.rotation_period_s}")
        if not self.offline_after_rotations >= 1.0:
            raise ValueError("offline_after_rotations must be >= 1")
        if not (self.period_tolerance > 0 and self.anomaly_window_s > 0):
            raise ValueError("period_tolerance and anomaly_window_s must be > 0")
        if not self.min_interval_s >= 0:
            raise ValueError("min_interval_s must be >= 0")


class RadarHealth:
    """Device health of one radar."""

    def __init__(
        self,
        sensor_id: str,
        settings: HealthSettings,
        *,
        started: datetime,
    ) -> None:
        self.sensor_id = sensor_id
        self.settings = settings
        self._watchdog = SilenceWatchdog(
            {sensor_id: settings.rotation_period_s * settings.offline_after_rotations},
            started=started,
        )
        self._heard = False
        self._flooding = False
        self._period_s: float | None = None
        self._last_north_s: float | None = None
        self._anomalies: dict[str, datetime] = {}
        self._last: tuple[DeviceState, str] | None = None
        self._last_emit: datetime | None = None

    @property
    def measured_period_s(self) -> float | None:
        """The antenna period last measured (I034/041, or between two north markers)."""
        return self._period_s

    def heard(self, now: datetime) -> DeviceStatus | None:
        """Valid data of this radar arrived at ``now``."""
        self._watchdog.heard(self.sensor_id, now)
        self._heard = True
        return self._changed(now)

    def north_marker(
        self, time_s: float, antenna_period_s: float | None, now: datetime
    ) -> DeviceStatus | None:
        """A north marker stamped ``time_s`` (POSIX), with the period it reports if any."""
        expected = self.settings.rotation_period_s
        if antenna_period_s is not None and antenna_period_s > 0:
            self._period_s = antenna_period_s
        elif self._last_north_s is not None:
            gap = time_s - self._last_north_s
            # two markers more than 2.5 periods apart: one went missing, no measurement
            if 0 < gap <= 2.5 * expected:
                self._period_s = gap
        if self._last_north_s is None or time_s > self._last_north_s:
            self._last_north_s = time_s
        return self.heard(now)

    def anomaly(self, kind: str, now: datetime) -> DeviceStatus | None:
        """Malformed data of kind ``kind`` (an error kind) arrived at ``now``."""
        self._anomalies[kind] = require_utc(now, name="now")
        return self._changed(now)

    def flood(self, flooding: bool, now: datetime) -> DeviceStatus | None:
        """A flood of plots started (``flooding``) or ended."""
        self._flooding = flooding
        return self._changed(now)

    def check(self, now: datetime) -> list[DeviceStatus]:
        """Periodic check: silence, anomalies that aged out, changes held back by the
        rate limit. The status, if it changed."""
        self._watchdog.check(now)
        window = self.settings.anomaly_window_s
        for kind, seen in list(self._anomalies.items()):
            if (now - seen).total_seconds() > window:
                del self._anomalies[kind]
        status = self._changed(now)
        return [] if status is None else [status]

    def status(self, now: datetime) -> DeviceStatus:
        """The radar's current status."""
        s = self.settings
        metrics: dict[str, float] = {}
        metrics["silent_s"] = round(self._watchdog.silent_for_s(self.sensor_id, now), 3)
        if self._period_s is not None:
            metrics["rotation_period_s"] = round(self._period_s, 3)
        if self.sensor_id in self._watchdog.silent:
            limit = self._watchdog.limit_s(self.sensor_id)
            detail = (
                f"no data for more than {limit:.0f} s ({s.offline_after_rotations:g} antenna "
                f"periods of {s.rotation_period_s:g} s)"
            )
            return DeviceStatus(self.sensor_id, now, DeviceState.OFFLINE, detail, metrics)
        if not self._heard:
            return DeviceStatus(self.sensor_id, now, DeviceState.STARTING, "no data yet", metrics)
        problems = []
        if self._flooding:
            problems.append("flooding: plots over its rate limit are dropped")
        period = self._period_s
        if period is not None and abs(period - s.rotation_period_s) > (
            s.period_tolerance * s.rotation_period_s
        ):
            problems.append(f"antenna period {period:.2f} s, expected {s.rotation_period_s:g} s")
        if self._anomalies:
            kinds = ", ".join(sorted(self._anomalies))
            problems.append(f"malformed data in the last {s.anomaly_window_s:g} s ({kinds})")
        if problems:
            return DeviceStatus(
                self.sensor_id, now, DeviceState.DEGRADED, "; ".join(problems), metrics
            )
        return DeviceStatus(self.sensor_id, now, DeviceState.ONLINE, "", metrics)

    def _changed(self, now: datetime) -> DeviceStatus | None:
        now = require_utc(now, name="now")
        status = self.status(now)
        key = (status.state, status.detail)
        if key == self._last:
            return None
        same_state = self._last is not None and self._last[0] is status.state
        if (
            same_state
            and self._last_emit is not None
            and (now - self._last_emit).total_seconds() < self.settings.min_interval_s
        ):
            return None  # held back: ``check`` publishes it once the interval has passed
        self._last = key
        self._last_emit = now
        return status
