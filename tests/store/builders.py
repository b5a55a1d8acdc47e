"""Builders of domain objects for store tests (times are fixed, never the clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kordon.domain.event import Direction, Event, EventKind, Frame
from kordon.domain.incident import Incident, IncidentStatus, IncidentStep

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """``T0`` plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


def full_event(event_id: str = "ev-full", seconds: float = 0.0) -> Event:
    """An event with every optional field set."""
    return Event(
        id=event_id,
        kind=EventKind.BORDER_CROSSING,
        time=at(seconds) + timedelta(microseconds=123_456),
        source_id="cam-07",
        rule_id="border-ua-by",
        track_id="geo-42",
        class_name="person",
        confidence=0.875,
        direction=Direction.INBOUND,
        frame=Frame.LOCAL,
        x=-1234.5,
        y=0.25,
        lat=51.712345678,
        lon=24.123456789,
        uncertainty_m=7.5,
        km_post=112.3,
        sector_id="sector-3",
        attributes={"speed_mps": 1.4, "count": 2, "night": True, "note": "тінь біля стовпа"},
        evidence=("clip:abc", "snapshot:def"),
    )


def event(
    event_id: str,
    seconds: float,
    *,
    kind: EventKind = EventKind.LINE_CROSSING,
    source_id: str = "cam-1",
    sector_id: str | None = "sector-1",
) -> Event:
    return Event(id=event_id, kind=kind, time=at(seconds), source_id=source_id, sector_id=sector_id)


def incident(
    incident_id: str = "inc-1",
    *,
    seconds: float = 0.0,
    sector_id: str | None = "sector-1",
    event_ids: tuple[str, ...] = (),
    priority: int = 2,
) -> Incident:
    return Incident(
        id=incident_id,
        title=f"Crossing near km 112 ({incident_id})",
        opened_at=at(seconds),
        priority=priority,
        sector_id=sector_id,
        event_ids=event_ids,
        history=(IncidentStep(IncidentStatus.OPEN, actor="correlator", time=at(seconds)),),
    )
