"""Builders of the bus payloads notifiers send (fixed times, never the clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.incident import CrossingCounts, Incident, IncidentStatus, IncidentStep
from kordon.domain.live_track import LiveTrack
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.incidents.alerts import AlertReason, IncidentAlert

T0 = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def event(event_id: str = "ev-1", seconds: float = 0.0) -> Event:
    return Event(
        id=event_id,
        kind=EventKind.BORDER_CROSSING,
        time=at(seconds),
        source_id="cam-1",
        class_name="person",
        confidence=0.9,
        direction=Direction.INBOUND,
        lat=51.5,
        lon=24.1,
        sector_id="sector-1",
        attributes={"sensors": "cam-1"},
    )


def incident(
    incident_id: str = "inc-1",
    *,
    status: IncidentStatus = IncidentStatus.OPEN,
    event_ids: tuple[str, ...] = ("ev-1",),
) -> Incident:
    return Incident(
        id=incident_id,
        title=f"Crossing ({incident_id})",
        opened_at=at(0),
        priority=2,
        status=status,
        sector_id="sector-1",
        event_ids=event_ids,
        history=(IncidentStep(IncidentStatus.OPEN, actor="correlator", time=at(0)),),
        crossings=CrossingCounts(inbound=1),
    )


def alert(incident_id: str = "inc-1") -> IncidentAlert:
    return IncidentAlert(
        incident_id=incident_id,
        event=event(),
        reasons=(AlertReason.OPENED,),
        alerted_at=at(1),
        priority=2,
        title="Crossing",
        sector_id="sector-1",
        crossings=CrossingCounts(inbound=1),
    )


def status(
    device_id: str = "cam-1",
    state: DeviceState = DeviceState.ONLINE,
    metrics: dict[str, float] | None = None,
) -> DeviceStatus:
    return DeviceStatus(device_id, at(2), state, "analytics running", metrics or {})


def track(track_id: str = "t-1", seconds: float = 0.0) -> LiveTrack:
    return LiveTrack(
        track_id=track_id,
        camera_id=None,
        lat=51.5,
        lon=24.1,
        class_name="person",
        time=at(seconds),
    )
