"""``DeviceWatch``: turns a camera or recorder lost for too long into a device-offline event.

A device is *lost* while its latest status is ``offline``, or, for a device that reports
periodically (a running camera reports every few seconds), while it has said nothing at
all. When a device stays lost for longer than ``offline_after_s`` the watch emits one
``device_offline`` event (the incident service opens a device incident from it); short
drop-outs raise nothing. When a device whose outage was raised reports anything but
``offline`` again, the watch emits a ``device_online`` event: it joins the open device
incident (the correlator's same-device rule) and so annotates it with the recovery and
how long the device was gone; the operator still closes the incident. ``stopped`` (the
node shut the device down) is not lost.

Time is an input: ``observe`` takes each status with its own time, ``check`` the current
time; nothing here reads a clock. Both may be called from different threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from kordon.domain.event import Event, EventKind
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.domain.time import require_utc

logger = logging.getLogger(__name__)

RULE_ID = "device-watch"
"""The ``rule_id`` of the events the watch raises (false-alarm statistics group by it)."""


@dataclass(frozen=True, slots=True)
class WatchedDevice:
    """A device to watch: its sector (for scoping its incidents) and whether it reports
    periodically while healthy (then silence alone means it is lost)."""

    sector_id: str | None = None
    reports_periodically: bool = False


@dataclass(slots=True)
class _State:
    lost_since: datetime | None
    last_report: datetime | None
    detail: str = ""
    raised_at: datetime | None = None
    """Set while an outage was raised and not yet recovered."""


class DeviceWatch:
    """Raises ``device_offline`` / ``device_online`` events; see the module docstring."""

    def __init__(
        self,
        devices: Mapping[str, WatchedDevice],
        *,
        offline_after_s: float,
        emit: Callable[[Event], None],
    ) -> None:
        if not offline_after_s > 0:
            raise ValueError(f"offline_after_s must be > 0, got {offline_after_s}")
        self._devices = dict(devices)
        self._after = timedelta(seconds=offline_after_s)
        self._emit = emit
        self._lock = threading.Lock()
        self._states: dict[str, _State] = {}

    def observe(self, status: DeviceStatus) -> list[Event]:
        """Take a device's status; returns (and emits) a ``device_online`` event when it
        ends an outage that was raised. Statuses of unwatched devices are ignored."""
        device = self._devices.get(status.device_id)
        if device is None:
            return []
        emitted: list[Event] = []
        with self._lock:
            state = self._states.setdefault(status.device_id, _State(None, None))
            state.last_report = status.time
            if status.state is DeviceState.OFFLINE:
                if state.lost_since is None:
                    state.lost_since = status.time
                state.detail = status.detail
            else:
                if state.raised_at is not None and state.lost_since is not None:
                    emitted.append(self._recovered(status, device, state.lost_since))
                state.lost_since = None
                state.raised_at = None
                state.detail = ""
        for event in emitted:
            self._emit(event)
        return emitted

    def check(self, time: datetime) -> list[Event]:
        """Raise the outages longer than the threshold at ``time`` (each once); returns
        (and emits) their ``device_offline`` events, ordered by device id."""
        now = require_utc(time)
        emitted: list[Event] = []
        with self._lock:
            for device_id in sorted(self._devices):
                device = self._devices[device_id]
                state = self._states.setdefault(device_id, _State(None, None))
                if state.last_report is None and state.lost_since is None:
                    # first look at a device that never reported: silent from now on
                    state.last_report = now
                lost_since = state.lost_since
                detail = state.detail
                if lost_since is None and device.reports_periodically:
                    assert state.last_report is not None
                    if now - state.last_report > self._after:
                        lost_since = state.last_report
                        detail = "no status reported"
                        state.lost_since = lost_since
                        state.detail = detail
                if lost_since is None or state.raised_at is not None:
                    continue
                if now - lost_since > self._after:
                    state.raised_at = now
                    emitted.append(self._lost(device_id, device, lost_since, detail, now))
        for event in emitted:
            self._emit(event)
        return emitted

    def _lost(
        self,
        device_id: str,
        device: WatchedDevice,
        lost_since: datetime,
        detail: str,
        now: datetime,
    ) -> Event:
        lost_for_s = (now - lost_since).total_seconds()
        logger.info(
            "device %s lost for %.0f s (%s): raising a device-offline incident",
            device_id,
            lost_for_s,
            detail or "offline",
        )
        return Event(
            kind=EventKind.DEVICE_OFFLINE,
            time=now,
            source_id=device_id,
            rule_id=RULE_ID,
            sector_id=device.sector_id,
            attributes={
                "lost_since": lost_since.isoformat(),
                "lost_for_s": round(lost_for_s, 1),
                "detail": detail[:500],
            },
        )

    def _recovered(
        self, status: DeviceStatus, device: WatchedDevice, lost_since: datetime
    ) -> Event:
        gone_s = (status.time - lost_since).total_seconds()
        logger.info("device %s back (%s) after %.0f s lost", status.device_id, status.state, gone_s)
        return Event(
            kind=EventKind.DEVICE_ONLINE,
            time=status.time,
            source_id=status.device_id,
            rule_id=RULE_ID,
            sector_id=device.sector_id,
            attributes={
                "state": str(status.state),
                "lost_since": lost_since.isoformat(),
                "offline_for_s": round(gone_s, 1),
                "detail": status.detail[:500],
            },
        )
