"""``IncidentPlace``: what the exports say about one incident, and where it is."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from kordon.domain.time import require_utc


@dataclass(frozen=True, slots=True)
class IncidentPlace:
    """One incident for an export; ``lat``/``lon`` (WGS84 degrees) are its headline
    event's position, both ``None`` when it has none (GeoJSON: null geometry; KML: a
    placemark without a point)."""

    id: str
    title: str
    status: str
    priority: int
    opened_at: datetime
    sector_id: str | None = None
    kind: str | None = None
    class_name: str | None = None
    direction: str | None = None
    km_post: float | None = None
    lat: float | None = None
    lon: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "opened_at", require_utc(self.opened_at, name="opened_at"))
        if (self.lat is None) != (self.lon is None):
            raise ValueError(f"incident {self.id}: lat and lon must both be given or neither")
        if self.lat is not None and self.lon is not None:
            if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
                raise ValueError(f"incident {self.id}: lat {self.lat} is not in [-90, 90]")
            if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
                raise ValueError(f"incident {self.id}: lon {self.lon} is not in [-180, 180]")

    @property
    def located(self) -> bool:
        """Whether the incident has a position."""
        return self.lat is not None
