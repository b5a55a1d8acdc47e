"""Messages of the live feed: what the bus carries, turned into scoped JSON once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import Field, JsonValue

from kordon.api.schemas.base import PublicModel
from kordon.api.schemas.incidents import CrossingsPublic
from kordon.domain.event import Direction, EventKind
from kordon.domain.live_track import LiveTrack
from kordon.incidents.alerts import AlertReason, IncidentAlert


class EllipsePublic(PublicModel):
    """1-sigma position uncertainty: semi-axes (m) and the major axis' bearing (degrees)."""

    major_m: float
    minor_m: float
    bearing_deg: float


class LiveTrackPublic(PublicModel):
    """A track on the map. Site tracks (fused) have ``camera_id`` null, ``sensors``, an
    uncertainty ``ellipse`` and ``local_ids``: each sensor's own track ids behind it."""

    track_id: str
    camera_id: str | None
    lat: float
    lon: float
    class_name: str | None
    time: datetime
    trail: list[list[float]]
    sensors: list[str] = Field(default_factory=list)
    ellipse: EllipsePublic | None = None
    local_ids: dict[str, list[str]] = Field(default_factory=dict)
    confirmed: bool = True

    @classmethod
    def of(cls, track: LiveTrack) -> LiveTrackPublic:
        e = track.ellipse
        return cls(
            track_id=track.track_id,
            camera_id=track.camera_id,
            lat=track.lat,
            lon=track.lon,
            class_name=track.class_name,
            time=track.time,
            trail=[[lon, lat] for lon, lat in track.trail_lonlat],
            sensors=list(track.sensors),
            ellipse=(
                EllipsePublic(major_m=e.major_m, minor_m=e.minor_m, bearing_deg=e.bearing_deg)
                if e is not None
                else None
            ),
            local_ids={k: list(v) for k, v in track.local_ids.items()},
            confirmed=track.confirmed,
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
    seq: int | None = None
    """Number of the alert in this node run (``epoch``): a reconnecting browser asks for
    the alerts after the last number it saw (``{"type": "resume", ...}``)."""
    epoch: str | None = None
    replayed: bool = False
    """Sent again on a reconnect: it was raised while this browser was away."""

    @classmethod
    def of(
        cls,
        alert: IncidentAlert,
        *,
        seq: int | None = None,
        epoch: str | None = None,
        replayed: bool = False,
    ) -> AlertPublic:
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
            seq=seq,
            epoch=epoch,
            replayed=replayed,
        )


class HelloPublic(PublicModel):
    """The first message on every connection: the node run's alert ``epoch`` and the number
    of its last alert; after a reconnect with ``?epoch=…&after=N``, how many missed alerts
    were sent before it (``replayed``) and whether that was all of them (``complete``:
    false when the node restarted or too many came; reload the queue then)."""

    epoch: str
    last_alert_seq: int
    replayed: int
    complete: bool


LiveType = Literal["track", "event", "incident", "alert", "device", "hello", "drone", "aircraft"]


class LiveMessagePublic(PublicModel):
    type: LiveType
    data: dict[str, JsonValue]


@dataclass(frozen=True, slots=True)
class ScopedText:
    """A message serialised once, with the sector that decides who receives it."""

    sector_id: str | None
    text: str
