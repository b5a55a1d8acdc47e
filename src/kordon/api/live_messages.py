"""Messages of the live feed: what the bus carries, turned into scoped JSON once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import JsonValue

from kordon.api.schemas.base import PublicModel
from kordon.api.schemas.incidents import CrossingsPublic
from kordon.domain.event import Direction, EventKind
from kordon.domain.time import require_utc
from kordon.incidents.alerts import AlertReason, IncidentAlert


@dataclass(frozen=True, slots=True)
class LiveTrack:
    """A geo track's position for the operator map (published on ``Topic.TRACKS``)."""

    track_id: str
    camera_id: str | None
    lat: float
    lon: float
    class_name: str | None
    time: datetime
    trail_lonlat: tuple[tuple[float, float], ...] = ()
    sector_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", require_utc(self.time))


class LiveTrackPublic(PublicModel):
    track_id: str
    camera_id: str | None
    lat: float
    lon: float
    class_name: str | None
    time: datetime
    trail: list[list[float]]

    @classmethod
    def of(cls, track: LiveTrack) -> LiveTrackPublic:
        return cls(
            track_id=track.track_id,
            camera_id=track.camera_id,
            lat=track.lat,
            lon=track.lon,
            class_name=track.class_name,
            time=track.time,
            trail=[[lon, lat] for lon, lat in track.trail_lonlat],
        )


class AlertPublic(PublicModel):
    """An explicit alert: operators must look at this incident now (docs/alerts.md).

    Sent after the ``incident`` message carrying the same change.
    """

    incident_id: str
    event_id: str
    reasons: list[AlertReason]
    alerted_at: datetime
    priority: int
    title: str
    sector_id: str | None
    kind: EventKind
    direction: Direction | None
    class_name: str | None
    km_post: float | None
    camera_id: str
    crossings: CrossingsPublic

    @classmethod
    def of(cls, alert: IncidentAlert) -> AlertPublic:
        event = alert.event
        return cls(
            incident_id=alert.incident_id,
            event_id=event.id,
            reasons=list(alert.reasons),
            alerted_at=alert.alerted_at,
            priority=alert.priority,
            title=alert.title,
            sector_id=alert.sector_id,
            kind=event.kind,
            direction=event.direction,
            class_name=event.class_name,
            km_post=event.km_post,
            camera_id=event.source_id,
            crossings=CrossingsPublic.of(alert.crossings),
        )


LiveType = Literal["track", "event", "incident", "alert", "device"]


class LiveMessagePublic(PublicModel):
    type: LiveType
    data: dict[str, JsonValue]


@dataclass(frozen=True, slots=True)
class ScopedText:
    """A message serialised once, with the sector that decides who receives it."""

    sector_id: str | None
    text: str
