"""KML 2.2 documents of incidents and live site tracks, written with ``xml.etree``.

ElementTree escapes markup in text and attributes; characters XML 1.0 cannot carry at
all (most C0 controls, lone surrogates) are replaced by U+FFFD first, so a hostile
incident title still gives a well-formed document. Coordinates are ``lon,lat`` as KML
orders them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from pydantic import JsonValue

from kordon.domain.live_track import LiveTrack
from kordon.interop.geoexport.geojson import (
    finite_position,
    incident_properties,
    track_properties,
    track_trail,
)
from kordon.interop.geoexport.place import IncidentPlace

KML_NS = "http://www.opengis.net/kml/2.2"
MEDIA_TYPE = "application/vnd.google-earth.kml+xml"

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """``value`` with every character XML 1.0 forbids replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = xml_text(text)
    return element


def _coordinates(points: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{float(lon)!r},{float(lat)!r}" for lon, lat in points)


def _extended_data(parent: ET.Element, properties: dict[str, JsonValue]) -> None:
    data = _sub(parent, "ExtendedData")
    for key, value in properties.items():
        if value is None:
            continue
        text = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
        field = _sub(data, "Data")
        field.set("name", xml_text(key))
        _sub(field, "value", text)


def _document(name: str) -> tuple[ET.Element, ET.Element]:
    root = ET.Element("kml", {"xmlns": KML_NS})
    document = _sub(root, "Document")
    _sub(document, "name", name)
    return root, document


def _serialise(root: ET.Element) -> bytes:
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def incidents_kml(places: Iterable[IncidentPlace]) -> bytes:
    """One Placemark per incident: name, time stamp, properties, and a Point when it has
    a position."""
    root, document = _document("Kordon incidents")
    for place in places:
        mark = _sub(document, "Placemark")
        mark.set("id", xml_text(f"incident-{place.id}"))
        _sub(mark, "name", place.title)
        _sub(_sub(mark, "TimeStamp"), "when", place.opened_at.isoformat())
        _extended_data(mark, incident_properties(place))
        if place.lat is not None and place.lon is not None:
            _sub(_sub(mark, "Point"), "coordinates", _coordinates([(place.lon, place.lat)]))
    return _serialise(root)


def tracks_kml(tracks: Iterable[LiveTrack]) -> bytes:
    """One Placemark per track: its latest position as a Point and, with two or more
    trail points, its recent path as a LineString (both in one MultiGeometry)."""
    root, document = _document("Kordon tracks")
    for track in tracks:
        if not finite_position(track):
            continue
        mark = _sub(document, "Placemark")
        mark.set("id", xml_text(f"track-{track.track_id}"))
        _sub(mark, "name", f"{track.class_name or 'track'} {track.track_id}")
        _sub(_sub(mark, "TimeStamp"), "when", track.time.isoformat())
        _extended_data(mark, track_properties(track))
        point = _coordinates([(track.lon, track.lat)])
        trail = track_trail(track)
        if len(trail) >= 2:
            geometry = _sub(mark, "MultiGeometry")
            _sub(_sub(geometry, "Point"), "coordinates", point)
            _sub(_sub(geometry, "LineString"), "coordinates", _coordinates(trail))
        else:
            _sub(_sub(mark, "Point"), "coordinates", point)
    return _serialise(root)
