"""GeoJSON (RFC 7946) FeatureCollections of incidents and live site tracks.

Positions are ``[lon, lat]`` in WGS84 degrees, as RFC 7946 orders them. An incident
without a position is a Feature with a ``null`` geometry; a track whose position is not
finite is left out (JSON has no NaN).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from pydantic import JsonValue

from kordon.domain.live_track import LiveTrack
from kordon.interop.geoexport.place import IncidentPlace

GeoJson = dict[str, JsonValue]


def _collection(features: list[JsonValue], name: str) -> GeoJson:
    return {"type": "FeatureCollection", "name": name, "features": features}


def incident_properties(place: IncidentPlace) -> dict[str, JsonValue]:
    """The properties every export gives an incident (KML's ExtendedData too)."""
    return {
        "id": place.id,
        "title": place.title,
        "status": place.status,
        "priority": place.priority,
        "opened_at": place.opened_at.isoformat(),
        "sector_id": place.sector_id,
        "kind": place.kind,
        "class_name": place.class_name,
        "direction": place.direction,
        "km_post": place.km_post,
    }


def incidents_geojson(places: Iterable[IncidentPlace]) -> GeoJson:
    """One Point Feature per incident (``null`` geometry when it has no position)."""
    features: list[JsonValue] = []
    for place in places:
        geometry: JsonValue = None
        if place.lat is not None and place.lon is not None:
            geometry = {"type": "Point", "coordinates": [place.lon, place.lat]}
        features.append(
            {
                "type": "Feature",
                "id": place.id,
                "geometry": geometry,
                "properties": incident_properties(place),
            }
        )
    return _collection(features, "kordon-incidents")


def finite_position(track: LiveTrack) -> bool:
    """Whether a track's position can be exported (finite, within WGS84 bounds)."""
    return (
        math.isfinite(track.lat)
        and math.isfinite(track.lon)
        and -90.0 <= track.lat <= 90.0
        and -180.0 <= track.lon <= 180.0
    )


def track_trail(track: LiveTrack) -> list[tuple[float, float]]:
    """The track's recent (lon, lat) positions, oldest first, finite ones only."""
    return [(lon, lat) for lon, lat in track.trail_lonlat if math.isfinite(lon + lat)]


def track_properties(track: LiveTrack) -> dict[str, JsonValue]:
    """The properties every export gives a track (KML's ExtendedData too)."""
    e = track.ellipse
    return {
        "id": track.track_id,
        "class_name": track.class_name,
        "time": track.time.isoformat(),
        "sector_id": track.sector_id,
        "sensors": list(track.sensors),
        "confirmed": track.confirmed,
        "ellipse_major_m": e.major_m if e is not None else None,
        "ellipse_minor_m": e.minor_m if e is not None else None,
        "ellipse_bearing_deg": e.bearing_deg if e is not None else None,
    }


def tracks_geojson(tracks: Iterable[LiveTrack]) -> GeoJson:
    """One Point Feature per track at its latest position; its recent path is the
    ``trail`` property (``[lon, lat]`` pairs, oldest first)."""
    features: list[JsonValue] = []
    for track in tracks:
        if not finite_position(track):
            continue
        properties = track_properties(track)
        properties["trail"] = [[lon, lat] for lon, lat in track_trail(track)]
        features.append(
            {
                "type": "Feature",
                "id": track.track_id,
                "geometry": {"type": "Point", "coordinates": [track.lon, track.lat]},
                "properties": properties,
            }
        )
    return _collection(features, "kordon-tracks")
