"""Builders for incident tests: fixed times, never the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kordon.domain.event import Direction, Event, EventKind, Frame

T0 = datetime(2025, 6, 1, 8, 0, 0, tzinfo=UTC)
LAT0 = 51.5
LON0 = 24.0
M_PER_DEG_LAT = 111_250.0
"""Roughly the metres per degree of latitude at 51.5° N (exact distances come from Geod)."""


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ev(
    event_id: str,
    seconds: float = 0.0,
    *,
    kind: EventKind = EventKind.ZONE_ENTER,
    source_id: str = "cam-1",
    track_id: str | None = None,
    sector_id: str | None = "sector-1",
    north_m: float | None = None,
    class_name: str | None = "person",
    direction: Direction | None = None,
    rule_id: str | None = "zone-a",
    frame: Frame | None = None,
    x: float | None = None,
    y: float | None = None,
    border_distance_m: float | None = None,
) -> Event:
    """An event; ``north_m`` places it that far north of (LAT0, LON0)."""
    lat = None if north_m is None else LAT0 + north_m / M_PER_DEG_LAT
    lon = None if north_m is None else LON0
    attributes: dict[str, str | float | int | bool] = {}
    if border_distance_m is not None:
        attributes["border_distance_m"] = border_distance_m
    return Event(
        id=event_id,
        kind=kind,
        time=at(seconds),
        source_id=source_id,
        rule_id=rule_id,
        track_id=track_id,
        class_name=class_name,
        direction=direction,
        sector_id=sector_id,
        lat=lat,
        lon=lon,
        frame=frame,
        x=x,
        y=y,
        attributes=attributes,
    )
