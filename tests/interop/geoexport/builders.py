"""Incidents and live tracks at known positions for the export tests."""

from __future__ import annotations

from datetime import UTC, datetime

from kordon.domain.live_track import Ellipse, LiveTrack
from kordon.interop.geoexport import IncidentPlace

T0 = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)

# Latitude and longitude differ by far more than rounding, so a swapped pair shows.
LAT = 51.62
LON = 23.71


def place(**changes: object) -> IncidentPlace:
    values: dict[str, object] = {
        "id": "inc-1",
        "title": "Border crossing km 12.4",
        "status": "open",
        "priority": 1,
        "opened_at": T0,
        "sector_id": "north",
        "kind": "border_crossing",
        "class_name": "person",
        "direction": "inbound",
        "km_post": 12.4,
        "lat": LAT,
        "lon": LON,
    }
    values.update(changes)
    return IncidentPlace(**values)  # type: ignore[arg-type]


def live_track(track_id: str = "site-7", **changes: object) -> LiveTrack:
    values: dict[str, object] = {
        "track_id": track_id,
        "camera_id": None,
        "lat": LAT,
        "lon": LON,
        "class_name": "person",
        "time": T0,
        "trail_lonlat": ((LON - 0.002, LAT - 0.001), (LON - 0.001, LAT - 0.0005), (LON, LAT)),
        "sector_id": "north",
        "sensors": ("cam-1", "radar-1"),
        "ellipse": Ellipse(major_m=12.0, minor_m=5.0, bearing_deg=30.0),
    }
    values.update(changes)
    return LiveTrack(**values)  # type: ignore[arg-type]
