"""KML exports parse with a hardened parser and hold the right placemarks."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
import pytest

from kordon.interop.geoexport import incidents_kml, tracks_kml
from kordon.interop.geoexport.kml import KML_NS, xml_text
from tests.interop.geoexport.builders import LAT, LON, T0, live_track, place

NS = {"k": KML_NS}


def _parse(document: bytes) -> ET.Element:
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = SafeET.fromstring(document)
    assert root.tag == f"{{{KML_NS}}}kml"
    return root


def _data(mark: ET.Element) -> dict[str, str]:
    return {
        d.attrib["name"]: d.findtext("k:value", namespaces=NS) or ""
        for d in mark.findall("k:ExtendedData/k:Data", NS)
    }


def test_incident_placemarks() -> None:
    root = _parse(incidents_kml([place(), place(id="inc-2", lat=None, lon=None)]))
    marks = root.findall("k:Document/k:Placemark", NS)
    assert [m.attrib["id"] for m in marks] == ["incident-inc-1", "incident-inc-2"]
    first, second = marks
    assert first.findtext("k:name", namespaces=NS) == "Border crossing km 12.4"
    assert first.findtext("k:TimeStamp/k:when", namespaces=NS) == T0.isoformat()
    assert first.findtext("k:Point/k:coordinates", namespaces=NS) == f"{LON!r},{LAT!r}"
    data = _data(first)
    assert data["status"] == "open"
    assert data["priority"] == "1"
    assert data["sector_id"] == "north"
    assert "km_post" in data
    assert second.find("k:Point", NS) is None


def test_hostile_text_stays_well_formed() -> None:
    title = 'a <b>&amp; "c"\x00\x01\x1b</kml> ]]> \ud800 end'
    root = _parse(incidents_kml([place(title=title)]))
    mark = root.find("k:Document/k:Placemark", NS)
    assert mark is not None
    assert mark.findtext("k:name", namespaces=NS) == (
        'a <b>&amp; "c"\ufffd\ufffd\ufffd</kml> ]]> \ufffd end'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("tab\tnewline\ncr\r", "tab\tnewline\ncr\r"),
        ("\x00\x08\x0b\x0c\x1f", "\ufffd" * 5),
        ("\ufffe\uffff", "\ufffd\ufffd"),
        ("emoji \U0001f6a8 ok", "emoji \U0001f6a8 ok"),
    ],
)
def test_xml_text(text: str, expected: str) -> None:
    assert xml_text(text) == expected


def test_track_placemark_with_trail() -> None:
    track = live_track()
    root = _parse(tracks_kml([track]))
    marks = root.findall("k:Document/k:Placemark", NS)
    assert len(marks) == 1
    mark = marks[0]
    assert mark.attrib["id"] == "track-site-7"
    assert mark.findtext("k:name", namespaces=NS) == "person site-7"
    point = mark.findtext("k:MultiGeometry/k:Point/k:coordinates", namespaces=NS)
    assert point == f"{LON!r},{LAT!r}"
    line = mark.findtext("k:MultiGeometry/k:LineString/k:coordinates", namespaces=NS)
    assert line is not None
    pairs = [tuple(float(v) for v in p.split(",")) for p in line.split()]
    assert pairs == list(track.trail_lonlat)
    data = _data(mark)
    assert data["sensors"] == "cam-1,radar-1"
    assert data["confirmed"] == "True"


def test_track_with_one_point_has_a_plain_point() -> None:
    root = _parse(tracks_kml([live_track(trail_lonlat=((LON, LAT),))]))
    mark = root.find("k:Document/k:Placemark", NS)
    assert mark is not None
    assert mark.find("k:MultiGeometry", NS) is None
    assert mark.findtext("k:Point/k:coordinates", namespaces=NS) == f"{LON!r},{LAT!r}"


def test_track_without_a_usable_position_is_left_out() -> None:
    root = _parse(tracks_kml([live_track("site-1"), live_track("site-2", lat=float("nan"))]))
    marks = root.findall("k:Document/k:Placemark", NS)
    assert [m.attrib["id"] for m in marks] == ["track-site-1"]
