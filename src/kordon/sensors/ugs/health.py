"""``UgsHealthMonitor``: a ground sensor's device health from its messages, floods and silence.

State per sensor: ``starting`` until first heard; ``offline`` when silent for longer than
``offline_after_heartbeats`` heartbeat intervals (the watchdog); ``degraded`` while its
tamper switch is open, its battery is at or below the configured low level, or it floods
(messages dropped); ``online`` otherwise. A :class:`DeviceStatus` is returned whenever a
sensor's state or its detail text changes, so the caller publishes changes, not every
heartbeat; :meth:`statuses` gives the current picture at any time. An ``offline`` status is
what the node turns into a device incident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.sensors.ugs.message import MessageType, UgsMessage
from kordon.sensors.ugs.watchdog import SilenceWatchdog

OFFLINE_AFTER_HEARTBEATS = 2.0


@dataclass(frozen=True, slots=True)
class HealthLimits:
    """One sensor's heartbeat interval and low-battery level."""

    heartbeat_interval_s: float
    low_battery_pct: float = 20.0


@dataclass(slots=True)
class _Sensor:
    limits: HealthLimits
    heard: bool = False
    battery_pct: float | None = None
    tamper: bool = False
    flooding: bool = False
    alarms: int = 0
    heartbeats: int = 0
    dropped: int = 0
    last: tuple[DeviceState, str] | None = None


class UgsHealthMonitor:
    """Device health of the site's ground sensors; every time is the node's UTC clock."""

    def __init__(
        self,
        sensors: Mapping[str, HealthLimits],
        *,
        started: datetime,
        offline_after_heartbeats: float = OFFLINE_AFTER_HEARTBEATS,
    ) -> None:
        if not offline_after_heartbeats >= 1.0:
            raise ValueError(
                f"offline_after_heartbeats must be >= 1, got {offline_after_heartbeats}"
            )
        self._sensors = {sid: _Sensor(lim) for sid, lim in sensors.items()}
        self._watchdog = SilenceWatchdog(
            {
                sid: lim.heartbeat_interval_s * offline_after_heartbeats
                for sid, lim in sensors.items()
            },
            started=started,
        )

    def record(self, message: UgsMessage, now: datetime) -> DeviceStatus | None:
        """Take in an admitted message; the sensor's new status if it changed."""
        s = self._sensors[message.sensor_id]
        self._watchdog.heard(message.sensor_id, now)
        s.heard = True
        s.tamper = message.tamper
        if message.battery_pct is not None:
            s.battery_pct = message.battery_pct
        if message.type is MessageType.ALARM:
            s.alarms += 1
        else:
            s.heartbeats += 1
        return self._changed(message.sensor_id, now)

    def flood(
        self, sensor_id: str, now: datetime, *, flooding: bool, dropped_total: int
    ) -> DeviceStatus | None:
        """A flood of ``sensor_id`` started (``flooding``) or ended; ``dropped_total`` messages
        of it were dropped so far."""
        s = self._sensors[sensor_id]
        s.flooding = flooding
        s.dropped = dropped_total
        return self._changed(sensor_id, now)

    def check(self, now: datetime) -> list[DeviceStatus]:
        """Statuses of sensors that fell silent since the last check (now ``offline``)."""
        changed = []
        for sid in self._watchdog.check(now):
            status = self._changed(sid, now)
            if status is not None:
                changed.append(status)
        return changed

    def statuses(self, now: datetime) -> list[DeviceStatus]:
        """Every sensor's current status."""
        return [self._status(sid, now) for sid in sorted(self._sensors)]

    def _changed(self, sensor_id: str, now: datetime) -> DeviceStatus | None:
        status = self._status(sensor_id, now)
        key = (status.state, status.detail)
        s = self._sensors[sensor_id]
        if s.last == key:
            return None
        s.last = key
        return status

    def _status(self, sensor_id: str, now: datetime) -> DeviceStatus:
        s = self._sensors[sensor_id]
        metrics: dict[str, float] = {
            "alarms": float(s.alarms),
            "heartbeats": float(s.heartbeats),
            "dropped": float(s.dropped),
            "tamper": float(s.tamper),
            "silent_s": round(self._watchdog.silent_for_s(sensor_id, now), 3),
        }
        if s.battery_pct is not None:
            metrics["battery_pct"] = s.battery_pct
        if sensor_id in self._watchdog.silent:
            limit = self._watchdog.limit_s(sensor_id)
            detail = (
                f"no message for more than {limit:.0f} s (heartbeat every "
                f"{s.limits.heartbeat_interval_s:.0f} s)"
            )
            return DeviceStatus(sensor_id, now, DeviceState.OFFLINE, detail, metrics)
        if not s.heard:
            return DeviceStatus(sensor_id, now, DeviceState.STARTING, "not heard from yet", metrics)
        problems = []
        if s.tamper:
            problems.append("tamper switch open")
        if s.battery_pct is not None and s.battery_pct <= s.limits.low_battery_pct:
            problems.append(
                f"battery low ({s.battery_pct:.0f} %, low at {s.limits.low_battery_pct:.0f} %)"
            )
        if s.flooding:
            problems.append("flooding: messages over its rate limit are dropped")
        if problems:
            return DeviceStatus(sensor_id, now, DeviceState.DEGRADED, "; ".join(problems), metrics)
        return DeviceStatus(sensor_id, now, DeviceState.ONLINE, "", metrics)
