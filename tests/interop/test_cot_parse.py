"""CoT parsing: real samples against the standard library's parse, and concatenated events."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kordon.interop.cot import CotEvent, CotParseError, iter_events, parse_events, parse_xml_event
from tests.interop.cot_samples import event

SAMPLES = [
    "node-CoT_CameraCOTs_redacted.cot.xml",
    "node-CoT_QuickPic.cot.xml",
    "takproto-3.0.1_tests_wintak_sa.cot.xml",
    "taky-0.10_tests_XML_EMPTY_MARTI_BC.cot.xml",
    "taky-0.10_tests_XML_S.cot.xml",
]


def _stdlib_view(data: bytes) -> dict[str, object]:
    """The same fields read with ElementTree (these samples are benign)."""
    root = ET.fromstring(data)  # trusted sample: the plain stdlib parser is the reference
    point = root.find("point")
    assert point is not None
    contact = root.find("detail/contact")
    view: dict[str, object] = {k: root.get(k) for k in ("uid", "type", "how")}
    view.update({k: float(point.get(k, "nan")) for k in ("lat", "lon", "hae", "ce", "le")})
    view["callsign"] = None if contact is None else contact.get("callsign")
    for k in ("time", "start", "stale"):
        text = root.get(k, "").replace("Z", "+00:00")
        view[k] = datetime.fromisoformat(text).astimezone(UTC)
    return view


def _ours(ev: CotEvent) -> dict[str, object]:
    return {
        "uid": ev.uid, "type": ev.type, "how": ev.how, "lat": ev.lat, "lon": ev.lon,
        "hae": ev.hae, "ce": ev.ce, "le": ev.le, "callsign": ev.callsign,
        "time": ev.time, "start": ev.start, "stale": ev.stale,
    }  # fmt: skip


@pytest.mark.shared
@pytest.mark.parametrize("name", SAMPLES)
def test_real_samples_match_elementtree(shared_data: Path, name: str) -> None:
    data = (shared_data / "cot" / name).read_bytes()
    (ev,) = parse_events(data)
    assert _ours(ev) == _stdlib_view(data)


@pytest.mark.shared
def test_real_samples_concatenated(shared_data: Path) -> None:
    blobs = [(shared_data / "cot" / n).read_bytes() for n in SAMPLES]
    events = parse_events(b"\n".join(blobs))
    assert [e.uid for e in events] == [_stdlib_view(b)["uid"] for b in blobs]


@pytest.mark.shared
def test_tak_protocol_mesh_equals_its_xml(shared_data: Path) -> None:
    stem = "takproto-3.0.1_tests_wintak_sa"
    (from_proto,) = parse_events((shared_data / "cot" / f"{stem}.takproto_mesh.bin").read_bytes())
    (from_xml,) = parse_events((shared_data / "cot" / f"{stem}.cot.xml").read_bytes())
    assert from_proto == from_xml
    assert from_proto.callsign == "Eliopoli HQ"


@pytest.mark.shared
def test_tak_protocol_stream_framing(shared_data: Path) -> None:
    mesh = (shared_data / "cot" / "takproto-3.0.1_tests_wintak_sa.takproto_mesh.bin").read_bytes()
    message = mesh[3:]
    assert len(message) < 16384
    framed = b"\xbf" + bytes([0x80 | (len(message) & 0x7F), len(message) >> 7]) + message
    events = parse_events(framed * 3)
    assert len(events) == 3
    assert events[0].uid == "aa0b0312-b5cd-4c2c-bbbc-9c4c70216261"
    cut = list(iter_events(framed + framed[:-4]))
    assert isinstance(cut[0], CotEvent)
    assert isinstance(cut[1], CotParseError)
    assert "runs past" in cut[1].reason


def test_event_fields_and_json() -> None:
    ev = parse_xml_event(event())
    assert ev.time == datetime(2024, 5, 1, 10, 0, 0, 500_000, tzinfo=UTC)
    assert ev.to_json() == {
        "uid": "U1", "type": "a-f-G-U-C", "how": "m-g",
        "time": "2024-05-01T10:00:00.500Z", "start": "2024-05-01T10:00:00.500Z",
        "stale": "2024-05-01T10:05:00.000Z", "lat": 51.5, "lon": 24.1, "hae": 150.5,
        "ce": 12.0, "le": 9999999.0, "callsign": "PATROL U1",
    }  # fmt: skip


def test_zone_offsets_are_converted_to_utc() -> None:
    data = event().replace(b'time="2024-05-01T10:00:00.500Z"', b'time="2024-05-01T12:00:00+02:00"')
    assert parse_xml_event(data).time == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_a_bad_event_among_good_ones_is_reported_with_its_index_and_offset() -> None:
    good, bad = event("A"), event("B", lat="91.0")
    data = good + b"\n" + bad + b"<?xml version='1.0'?>" + event("C")
    out = list(iter_events(data))
    assert [type(o).__name__ for o in out] == ["CotEvent", "CotParseError", "CotEvent"]
    err = out[1]
    assert isinstance(err, CotParseError)
    assert (err.index, err.offset) == (1, len(good) + 1)
    assert "lat" in err.reason
