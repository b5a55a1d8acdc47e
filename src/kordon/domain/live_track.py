"""``LiveTrack``: one track's position for the operator map (not persisted)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from kordon.domain.time import require_utc


@dataclass(frozen=True, slots=True)
class Ellipse:
    """A position's 1-sigma uncertainty ellipse: semi-axes in metres, major axis bearing."""

    major_m: float
    minor_m: float
    bearing_deg: float
    """Clockwise from north, of the major axis."""

    def __post_init__(self) -> None:
        for name in ("major_m", "minor_m", "bearing_deg"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"ellipse {name} must be finite")
        if self.minor_m < 0 or self.major_m < self.minor_m:
            raise ValueError("ellipse needs 0 <= minor_m <= major_m")


@dataclass(frozen=True, slots=True)
class LiveTrack:
    """A track's position for the operator map (the ``tracks`` bus channel).

    A site track (fused over every sensor) has ``camera_id`` ``None``, the ``sensors`` that
    support it, its uncertainty ``ellipse`` and each sensor's own track ids behind it in
    ``local_ids``. A camera track (a node without fusion) names its ``camera_id``.
    """

    track_id: str
    camera_id: str | None
    lat: float
    lon: float
    class_name: str | None
    time: datetime
    trail_lonlat: tuple[tuple[float, float], ...] = ()
    sector_id: str | None = None
    sensors: tuple[str, ...] = ()
    ellipse: Ellipse | None = None
    local_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    confirmed: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", require_utc(self.time))
