"""Drone tracks from a :class:`TelemetryLog`, and their GeoJSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kordon.sensors.mavlink.samples import PositionSample, PositionSource, TelemetryLog

# Best first: the autopilot's fused estimate, then raw GPS (MAVLink, then DataFlash).
_PREFERENCE = (
    PositionSource.GLOBAL_POSITION_INT,
    PositionSource.GPS_RAW_INT,
    PositionSource.DATAFLASH_GPS,
)


@dataclass(frozen=True)
class DroneTrack:
    """The positions of one vehicle from its best position source, in time order."""

    system_id: int
    source: PositionSource
    positions: tuple[PositionSample, ...]


def tracks_of(log: TelemetryLog) -> list[DroneTrack]:
    """One track per system id, from GLOBAL_POSITION_INT where the vehicle sent it, else GPS."""
    by_system: dict[int, dict[PositionSource, list[PositionSample]]] = {}
    for p in log.positions:
        by_system.setdefault(p.system_id, {}).setdefault(p.source, []).append(p)
    tracks: list[DroneTrack] = []
    for system_id in sorted(by_system):
        sources = by_system[system_id]
        source = next(s for s in _PREFERENCE if s in sources)
        tracks.append(DroneTrack(system_id, source, tuple(sources[source])))
    return tracks


def _feature(track: DroneTrack) -> dict[str, Any]:
    coords = [[p.lon, p.lat, p.alt_m] for p in track.positions]
    if len(coords) == 1:
        coords.append(list(coords[0]))  # a LineString needs two positions
    times = [p.time.isoformat().replace("+00:00", "Z") for p in track.positions]
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {
            "system_id": track.system_id,
            "times": times,
            "source": track.source.value,
        },
    }


def track_geojson(tracks: list[DroneTrack]) -> dict[str, Any]:
    """A Feature for one vehicle, a FeatureCollection (one Feature per system id) for several.

    Coordinates are ``[lon, lat, alt_m]``; ``times`` parallels them (UTC, ISO 8601). A
    track of a single fix repeats it so the LineString stays valid (``times`` has one entry).
    """
    if not tracks:
        raise ValueError("no track to write")
    if len(tracks) == 1:
        return _feature(tracks[0])
    return {"type": "FeatureCollection", "features": [_feature(t) for t in tracks]}
