"""Messages of the live feed: what the bus carries, turned into scoped JSON once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import JsonValue

from kordon.api.schemas.base import PublicModel
from kordon.domain.time import require_utc


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


LiveType = Literal["track", "event", "incident", "device"]


class LiveMessagePublic(PublicModel):
    type: LiveType
    data: dict[str, JsonValue]


@dataclass(frozen=True, slots=True)
class ScopedText:
    """A message serialised once, with the sector that decides who receives it."""

    sector_id: str | None
    text: str
