"""CoT encoders: every event round-trips through Kordon's hardened parsers, fields exact."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from kordon.domain.incident import IncidentStatus
from kordon.interop.cot.ce90 import CE90_CIRCULAR, ONE_D_90, ce90_exact_m, ce90_m
from kordon.interop.cot.encode import (
    CotEncodeError,
    DetailNode,
    OutEvent,
    mesh_frame,
    node,
    stream_frame,
    to_takproto,
    to_xml,
)
from kordon.interop.cot.event import UNKNOWN_ERROR_M
from kordon.interop.cot.site import (
    Drawing,
    IncidentPlace,
    SensorPoint,
    UidScheme,
    drawing_event,
    drone_event,
    incident_event,
    sensor_event,
    tasking_event,
    track_events,
)
from kordon.interop.cot.stream import parse_events
from kordon.interop.cot.takproto import event_from_message
from kordon.interop.cot.xml import parse_xml_element, parse_xml_event
from tests.interop.cot import builders
from tests.interop.cot.builders import T0

UIDS = UidScheme("kordon.volyn")
T0_MS = T0.replace(microsecond=(T0.microsecond // 1000) * 1000)


def _both(event: OutEvent) -> list[object]:
    """The event parsed back from XML and from TAK protocol (stream and mesh framing)."""
    xml = parse_xml_event(to_xml(event))
    proto = event_from_message(to_takproto(event))
    stream = parse_events(stream_frame(to_takproto(event)) * 2)
    mesh = parse_events(mesh_frame(to_takproto(event)))
    assert stream == [proto, proto]
    assert mesh == [proto]
    assert xml == proto
    return [xml, proto]


def _track_lonlat(n: int) -> np.ndarray:
    return np.array([[24.1 + i * 0.001, 51.2 + i * 0.001] for i in range(n)])


def test_tracks_round_trip_exactly() -> None:
    tracks = builders.tracks()
    events = list(track_events(tracks, _track_lonlat(2), uids=UIDS, hostile={8}, stale_s=30.0))
    assert [e.uid for e in events] == ["kordon.volyn.track.7", "kordon.volyn.track.8"]
    assert [e.type for e in events] == ["a-u-G", "a-h-G-E-V"]
    for i, out in enumerate(events):
        for parsed in _both(out):
            assert parsed.uid == out.uid  # type: ignore[attr-defined]
            assert parsed.type == out.type  # type: ignore[attr-defined]
            assert parsed.how == "m-f"  # type: ignore[attr-defined]
            assert parsed.time == T0_MS  # type: ignore[attr-defined]
            assert parsed.stale == T0_MS + timedelta(seconds=30)  # type: ignore[attr-defined]
            assert parsed.lat == round(51.2 + i * 0.001, 7)  # type: ignore[attr-defined]
            assert parsed.lon == round(24.1 + i * 0.001, 7)  # type: ignore[attr-defined]
            sigma = (5.0, 12.0)[i]
            assert parsed.ce == round(CE90_CIRCULAR * sigma, 2)  # type: ignore[attr-defined]
            assert parsed.le == UNKNOWN_ERROR_M  # type: ignore[attr-defined]
            assert parsed.hae == UNKNOWN_ERROR_M  # type: ignore[attr-defined]
            assert parsed.callsign == f"{('person', 'car')[i]} {(7, 8)[i]}"  # type: ignore[attr-defined]
    root = parse_xml_element(to_xml(events[0]))
    track = root.find("detail/track")
    assert track is not None
    assert track.get("course") == "36.87"  # atan2(east 3, north 4)
    assert track.get("speed") == "5.00"
    remarks = root.find("detail/remarks")
    assert remarks is not None
    assert remarks.text is not None
    assert "cam-1, radar-1" in remarks.text


def test_tentative_tracks_are_not_sent_unless_asked() -> None:
    tracks = builders.tracks(confirmed=(False, True))
    sent = list(track_events(tracks, _track_lonlat(2), uids=UIDS, hostile=(), stale_s=5.0))
    assert [e.uid for e in sent] == ["kordon.volyn.track.8"]
    every = track_events(
        tracks, _track_lonlat(2), uids=UIDS, hostile=(), stale_s=5.0, only_confirmed=False
    )
    assert len(list(every)) == 2
    with pytest.raises(ValueError, match="lonlat"):
        list(track_events(tracks, _track_lonlat(3), uids=UIDS, hostile=(), stale_s=5.0))


def test_incident_alarm_then_cancel() -> None:
    place = IncidentPlace(51.25, 24.05, 10.0)
    open_ = builders.incident()
    alarm = incident_event(open_, place, uids=UIDS, now=T0, stale_s=600.0)
    for parsed in _both(alarm):
        assert parsed.type == "b-a-o-tbl"  # type: ignore[attr-defined]
        assert parsed.uid == "kordon.volyn.incident.inc-1"  # type: ignore[attr-defined]
        assert (parsed.lat, parsed.lon) == (51.25, 24.05)  # type: ignore[attr-defined]
        assert parsed.ce == round(2.1460 * 10.0, 2)  # type: ignore[attr-defined]
        assert parsed.stale == T0_MS + timedelta(seconds=600)  # type: ignore[attr-defined]
    remarks = parse_xml_element(to_xml(alarm)).find("detail/remarks")
    assert remarks is not None
    assert remarks.text == (
        "Border crossing km 12.4 | priority 1 | open | sector north"
        " | crossings inbound 1, outbound 0 | incident inc-1"
    )
    closed = builders.incident(status=IncidentStatus.RESOLVED)
    cancel = incident_event(closed, place, uids=UIDS, now=T0, stale_s=600.0)
    parsed = parse_xml_event(to_xml(cancel))
    assert parsed.type == "b-a-o-can"
    assert parsed.stale == parsed.time == T0_MS


def test_camera_sensor_point() -> None:
    camera = SensorPoint(
        "cam-1", "Tower 1", 51.1, 24.2, azimuth_deg=-45.0, fov_deg=62.5, range_m=1500.0
    )
    out = sensor_event(camera, uids=UIDS, now=T0, stale_s=180.0)
    for parsed in _both(out):
        assert parsed.type == "a-f-G-E-S"  # type: ignore[attr-defined]
        assert parsed.callsign == "Tower 1"  # type: ignore[attr-defined]
    sensor = parse_xml_element(to_xml(out)).find("detail/sensor")
    assert sensor is not None
    assert (sensor.get("azimuth"), sensor.get("fov"), sensor.get("range")) == (
        "315.0",
        "62.5",
        "1500",
    )


def test_drone_with_its_camera() -> None:
    out = drone_event(builders.drone(), uids=UIDS, stale_s=10.0)
    for parsed in _both(out):
        assert parsed.type == "a-f-A-M-F-Q"  # type: ignore[attr-defined]
        assert parsed.uid == "kordon.volyn.drone.uav:1"  # type: ignore[attr-defined]
        assert parsed.hae == 250.0  # type: ignore[attr-defined]
        assert parsed.how == "m-g"  # type: ignore[attr-defined]
    sensor = parse_xml_element(to_xml(out)).find("detail/sensor")
    assert sensor is not None
    # heading 90 + gimbal yaw 10 (relative); slant range 100 m / sin(30°) = 200 m
    assert sensor.get("azimuth") == "100.0"
    assert sensor.get("elevation") == "-30.0"
    assert sensor.get("range") == "200"
    assert sensor.get("fov") == "60.0"
    assert sensor.get("vfov") == "40.0"


def test_polygon_and_long_line_drawings() -> None:
    square = np.array([[24.0, 51.0], [24.1, 51.0], [24.1, 51.1], [24.0, 51.1]])
    sector = Drawing("sector-north", "North", square, closed=True, fill_argb=0x3300FF00)
    out = drawing_event(sector, uids=UIDS, now=T0, stale_s=180.0)
    root = parse_xml_element(to_xml(out))
    points = [link.get("point") for link in root.findall("detail/link")]
    assert points == [
        "51.0000000,24.0000000",
        "51.0000000,24.1000000",
        "51.1000000,24.1000000",
        "51.1000000,24.0000000",
        "51.0000000,24.0000000",
    ]
    fill = root.find("detail/fillColor")
    assert fill is not None
    assert fill.get("value") == str(0x3300FF00)
    assert parse_xml_event(to_xml(out)).type == "u-d-f"
    assert event_from_message(to_takproto(out)).type == "u-d-f"
    line = np.column_stack([np.linspace(23.0, 25.0, 5_001), np.full(5_001, 51.0)])
    border = drawing_event(
        Drawing("border", "Border", line, closed=False), uids=UIDS, now=T0, stale_s=1.0
    )
    links = parse_xml_element(to_xml(border)).findall("detail/link")
    assert len(links) == 2_000
    assert links[0].get("point") == "51.0000000,23.0000000"
    assert links[-1].get("point") == "51.0000000,25.0000000"


def test_tasking_is_addressed_to_one_unit() -> None:
    out = tasking_event(
        unit_uid="ANDROID-1",
        unit_callsign="ALPHA",
        incident=builders.incident(),
        place=IncidentPlace(51.0, 24.0),
        uids=UIDS,
        now=T0,
        stale_s=600.0,
        note="approach from the road",
    )
    root = parse_xml_element(to_xml(out))
    dest = root.find("detail/marti/dest")
    assert dest is not None
    assert (dest.get("uid"), dest.get("callsign")) == ("ANDROID-1", "ALPHA")
    remarks = root.find("detail/remarks")
    assert remarks is not None
    assert remarks.text is not None
    assert remarks.text.endswith("approach from the road")
    assert parse_xml_event(to_xml(out)).type == "b-m-p-w-GOTO"


def test_hostile_text_is_escaped() -> None:
    nasty = "A&B <x> \"q\" 's' </event> \x00\x07 \ud800 ✓ Ωmega\n"
    out = OutEvent(
        uid="u<1>&",
        type="a-u-G",
        how="m-f",
        time=T0,
        start=T0,
        stale=T0,
        lat=0.0,
        lon=-0.0,
        callsign=nasty,
        detail=(node("remarks", (), nasty), node("x", a=nasty)),
    )
    data = to_xml(out)
    events = parse_events(data + data)  # splitting on </event> is not fooled by the text
    assert len(events) == 2
    parsed = events[0]
    assert parsed.uid == "u<1>&"
    assert parsed.callsign == "A&B <x> \"q\" 's' </event> \ufffd\ufffd \ufffd ✓ Ωmega "
    root = parse_xml_element(data)
    remarks = root.find("detail/remarks")
    assert remarks is not None
    assert remarks.text == "A&B <x> \"q\" 's' </event> \ufffd\ufffd \ufffd ✓ Ωmega\n"
    x = root.find("detail/x")
    assert x is not None
    assert x.get("a") == remarks.text
    assert b'lon="0.0000000"' in data  # no "-0"


def test_unknown_errors_and_bad_inputs() -> None:
    base = {"uid": "u", "type": "a-u-G", "how": "m-f", "time": T0, "start": T0, "stale": T0}
    out = OutEvent(**base, lat=1.0, lon=2.0, ce=math.inf, le=1e12, hae=math.nan)  # type: ignore[arg-type]
    parsed = parse_xml_event(to_xml(out))
    assert (parsed.ce, parsed.le, parsed.hae) == (UNKNOWN_ERROR_M,) * 3
    with pytest.raises(CotEncodeError, match="lat"):
        OutEvent(**base, lat=91.0, lon=0.0)  # type: ignore[arg-type]
    with pytest.raises(CotEncodeError, match="type"):
        OutEvent(**{**base, "type": "a u G"}, lat=0.0, lon=0.0)  # type: ignore[arg-type]
    with pytest.raises(CotEncodeError, match="stale"):
        OutEvent(**{**base, "stale": T0 - timedelta(seconds=1)}, lat=0.0, lon=0.0)  # type: ignore[arg-type]
    with pytest.raises(CotEncodeError, match="element name"):
        DetailNode("bad tag")
    with pytest.raises(CotEncodeError, match="attribute name"):
        DetailNode("ok", (("x=1 y", "v"),))
    deep = node("d")
    for _ in range(20):
        deep = node("d", (deep,))
    with pytest.raises(CotEncodeError, match="deeper"):
        to_xml(OutEvent(**base, lat=0.0, lon=0.0, detail=(deep,)))  # type: ignore[arg-type]


def test_ce90_of_covariances() -> None:
    assert ce90_m(np.eye(2) * 4.0)[0] == pytest.approx(2.0 * CE90_CIRCULAR, rel=1e-9)
    assert ce90_m(np.diag([100.0, 0.0]))[0] == pytest.approx(10.0 * ONE_D_90, rel=1e-9)
    # An ellipse (sigmas 10 and 5, rotated 30°) against a seeded sample of 400,000 draws.
    rot = np.array([[math.cos(0.5), -math.sin(0.5)], [math.sin(0.5), math.cos(0.5)]])
    cov = rot @ np.diag([100.0, 25.0]) @ rot.T
    draws = np.random.default_rng(7).multivariate_normal([0.0, 0.0], cov, size=400_000)
    empirical = float(np.quantile(np.hypot(draws[:, 0], draws[:, 1]), 0.9))
    assert ce90_m(cov)[0] == pytest.approx(empirical, rel=0.01)
    assert ce90_m(np.full((2, 2), np.nan))[0] == UNKNOWN_ERROR_M
    assert ce90_m(np.eye(2) * 1e20)[0] == UNKNOWN_ERROR_M


def test_ce90_table_matches_the_exact_solution() -> None:
    rng = np.random.default_rng(3)
    major = rng.uniform(0.01, 5_000.0, 300)
    minor = major * rng.uniform(0.0, 1.0, 300) ** 3
    cov = np.zeros((300, 2, 2))
    cov[:, 0, 0], cov[:, 1, 1] = minor**2, major**2
    got = ce90_m(cov)
    exact = np.array([ce90_exact_m(a, b) for a, b in zip(major, minor, strict=True)])
    assert np.max(np.abs(got - exact) / exact) < 1e-4
