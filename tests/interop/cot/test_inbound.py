"""CoT in: the incremental stream decoder, datagrams, and field units' positions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kordon.interop.cot.encode import OutEvent, mesh_frame, stream_frame, to_takproto, to_xml
from kordon.interop.cot.errors import CotParseError
from kordon.interop.cot.event import CotEvent
from kordon.interop.cot.inbound import (
    FieldUnitPosition,
    StreamDecoder,
    decode_datagram,
    field_unit_of,
)
from kordon.interop.cot.stream import parse_events
from kordon.interop.cot.xml import parse_xml_event
from tests.interop.cot_samples import event

T = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def _events(items: list[CotEvent | CotParseError]) -> list[CotEvent]:
    return [i for i in items if isinstance(i, CotEvent)]


def _errors(items: list[CotEvent | CotParseError]) -> list[CotParseError]:
    return [i for i in items if isinstance(i, CotParseError)]


def test_xml_stream_byte_by_byte_equals_the_file_parser() -> None:
    data = b'<?xml version="1.0"?>\n' + event("A") + b"\n\n" + event("B") + event("C")
    decoder = StreamDecoder()
    got: list[CotEvent | CotParseError] = []
    for i in range(len(data)):
        got += decoder.feed(data[i : i + 1])
    assert got == parse_events(data)
    assert [e.uid for e in _events(got)] == ["A", "B", "C"]
    assert len(decoder) == 0
    assert decoder.events == 3
    assert decoder.errors == 0


def test_proto_stream_in_odd_pieces() -> None:
    out = OutEvent(
        uid="P",
        type="a-f-G-U-C",
        how="m-g",
        time=T,
        start=T,
        stale=T,
        lat=1.5,
        lon=2.5,
        callsign="PAPA",
    )
    data = stream_frame(to_takproto(out)) * 3
    decoder = StreamDecoder()
    got: list[CotEvent | CotParseError] = []
    for i in range(0, len(data), 7):
        got += decoder.feed(data[i : i + 7])
    assert [(e.uid, e.callsign, e.lat) for e in _events(got)] == [("P", "PAPA", 1.5)] * 3
    assert not _errors(got)


def test_hostile_events_are_refused_and_the_stream_goes_on() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<event uid="&b;"/></event>'
    )
    deep = b"<event>" + b"<d>" * 100 + b"</d>" * 100 + b"</event>"
    external = b'<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><event uid="&x;"></event>'
    missing = b'<event uid="M" type="a-f-G" time="bad"></event>'
    decoder = StreamDecoder()
    got = decoder.feed(bomb + event("ok1") + deep + external + missing + b"junk" + event("ok2"))
    assert [e.uid for e in _events(got)] == ["ok1", "ok2"]
    reasons = [e.reason for e in _errors(got)]
    assert len(reasons) == 5
    assert reasons[0].startswith("refused XML")
    assert "nested deeper" in reasons[1]
    assert reasons[2].startswith("refused XML")
    assert reasons[3] == "no <point> element"
    assert "outside any event" in reasons[4]


def test_an_endless_event_is_cut_and_the_decoder_resynchronises() -> None:
    decoder = StreamDecoder(max_event_bytes=10_000)
    huge = b'<event uid="' + b"x" * 50_000
    got = decoder.feed(huge[:5_000])
    assert got == []
    got = decoder.feed(huge[5_000:])
    assert [e.reason for e in _errors(got)] == ["no </event> within 10000 bytes"]
    assert len(decoder) == 0
    got = decoder.feed(b'" junk' + event("after"))
    assert [e.uid for e in _events(got)] == ["after"]


def test_a_lying_proto_length_is_refused() -> None:
    decoder = StreamDecoder()
    got = decoder.feed(b"\xbf\xff\xff\xff\xff\x0f" + b"\x00" * 20 + event("X"))
    assert "at most" in _errors(got)[0].reason
    assert [e.uid for e in _events(got)] == ["X"]


def test_datagrams() -> None:
    out = OutEvent(uid="D", type="a-f-G", how="m-g", time=T, start=T, stale=T, lat=0.5, lon=0.5)
    assert [e.uid for e in _events(decode_datagram(mesh_frame(to_takproto(out))))] == ["D"]
    assert [e.uid for e in _events(decode_datagram(to_xml(out)))] == ["D"]
    cut = decode_datagram(to_xml(out)[:-5])
    assert [e.reason for e in _errors(cut)] == ["datagram ends inside an event"]
    assert _errors(decode_datagram(b"\xbf\x01\xbf\x12\x05"))


def test_field_units(shared_data: object) -> None:
    from pathlib import Path

    assert isinstance(shared_data, Path)
    jenny = parse_xml_event((shared_data / "cot/taky-0.10_tests_XML_S.cot.xml").read_bytes())
    unit = field_unit_of(jenny)
    assert unit == FieldUnitPosition(
        uid="ANDROID-deadbeef",
        callsign="JENNY",
        type="a-f-G-U-C",
        lat=1.234567,
        lon=-3.141592,
        hae=-25.7,
        ce=9.9,
        time=datetime(2021, 2, 27, 20, 32, 24, 771_000, tzinfo=UTC),
        stale=datetime(2021, 2, 27, 20, 38, 39, 771_000, tzinfo=UTC),
    )
    wintak = parse_events(
        (shared_data / "cot/takproto-3.0.1_tests_wintak_sa.takproto_mesh.bin").read_bytes()
    )
    units = [field_unit_of(e) for e in wintak]
    assert [(u.callsign, u.type) for u in units if u is not None] == [
        ("Eliopoli HQ", "a-f-G-E-V-C")
    ]
    marker = parse_events(
        (shared_data / "cot/taky-0.10_tests_XML_EMPTY_MARTI_BC.cot.xml").read_bytes()
    )
    assert [field_unit_of(e) for e in marker] == [None]  # a-u-G: not a friendly unit


@pytest.mark.parametrize(
    ("type_", "callsign", "kept"),
    [
        ("a-f-G", "A", True),
        ("a-f-G-U-C-I", "A", True),
        ("a-f-GX", "A", False),
        ("a-h-G", "A", False),
        ("a-f-G-U-C", None, False),
    ],
)
def test_which_events_are_field_units(type_: str, callsign: str | None, kept: bool) -> None:
    out = OutEvent(
        uid="U",
        type=type_,
        how="m-g",
        time=T,
        start=T,
        stale=T,
        lat=0.0,
        lon=0.0,
        callsign=callsign,
    )
    assert (field_unit_of(parse_xml_event(to_xml(out))) is not None) is kept


def test_an_unfinished_event_does_not_swallow_the_next() -> None:
    decoder = StreamDecoder()
    got = decoder.feed(b'<event uid="cut"><point lat="1"' + event("next") + event("after"))
    assert [e.reason for e in _errors(got)] == ["31 bytes of an unfinished event"]
    assert [e.uid for e in _events(got)] == ["next", "after"]
