"""Hypothesis: any encoder input gives a parseable event (or a clear CotEncodeError), and
any bytes, in any pieces, give the stream decoder events or errors, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kordon.interop.cot.encode import (
    CotEncodeError,
    OutEvent,
    clean_label,
    node,
    stream_frame,
    to_takproto,
    to_xml,
)
from kordon.interop.cot.errors import CotParseError
from kordon.interop.cot.event import UNKNOWN_ERROR_M, CotEvent
from kordon.interop.cot.inbound import StreamDecoder, decode_datagram
from kordon.interop.cot.takproto import event_from_message
from kordon.interop.cot.xml import parse_xml_element, parse_xml_event
from tests.fuzz.mutate import FUZZ
from tests.interop.cot_samples import event

T = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
ERRORS = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0.0, max_value=1e300),
)


@FUZZ
@given(
    uid=st.text(min_size=1, max_size=300),
    callsign=st.one_of(st.none(), st.text(max_size=400)),
    remarks=st.text(max_size=400),
    lat=st.floats(-90.0, 90.0),
    lon=st.floats(-180.0, 180.0),
    ce=ERRORS,
    le=ERRORS,
    hae=ERRORS,
)
def test_encoder_inputs_always_parse(
    *,
    uid: str,
    callsign: str | None,
    remarks: str,
    lat: float,
    lon: float,
    ce: float | None,
    le: float | None,
    hae: float | None,
) -> None:
    if not clean_label(uid).strip():
        with pytest.raises(CotEncodeError, match="uid: empty"):
            OutEvent(uid=uid, type="a-u-G", how="m-f", time=T, start=T, stale=T, lat=0, lon=0)
        return
    out = OutEvent(
        uid=uid,
        type="a-u-G",
        how="m-f",
        time=T,
        start=T,
        stale=T + timedelta(seconds=30),
        lat=lat,
        lon=lon,
        ce=ce,
        le=le,
        hae=hae,
        callsign=callsign,
        detail=(node("remarks", (), remarks),),
    )
    xml = parse_xml_event(to_xml(out))
    proto = event_from_message(to_takproto(out))
    assert xml == proto
    assert xml.uid == clean_label(uid)
    expected = clean_label(callsign) if callsign is not None else ""
    assert xml.callsign == (expected if expected else None)  # an empty callsign is absent
    assert abs(xml.lat - lat) <= 5e-8
    assert abs(xml.lon - lon) <= 5e-8
    assert 0.0 <= xml.ce <= UNKNOWN_ERROR_M
    assert 0.0 <= xml.le <= UNKNOWN_ERROR_M
    text = parse_xml_element(to_xml(out)).findtext("detail/remarks")
    assert len(text or "") == len(remarks)


def _check(items: list[CotEvent | CotParseError]) -> None:
    for item in items:
        assert isinstance(item, CotEvent | CotParseError)


HOSTILE = [
    event("A"),
    b'<!DOCTYPE x [<!ENTITY e "zz">]><event uid="&e;"></event>',
    b"<event>" + b"<a>" * 64 + b"</a>" * 64 + b"</event>",
    b'<event uid="' + b"u" * 3000 + b'"></event>',
    stream_frame(b"\x12\x03abc"),
    b"\xbf\x01\xbf\x12",
    b"</event></event><event",
]


@FUZZ
@given(
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.binary(max_size=60)), max_size=8),
    st.lists(st.integers(1, 50), min_size=1, max_size=20),
)
def test_stream_decoder_never_crashes(parts: list[bytes], cuts: list[int]) -> None:
    data = b"".join(parts)
    decoder = StreamDecoder(max_event_bytes=2_000)
    pos = 0
    i = 0
    while pos < len(data):
        step = cuts[i % len(cuts)]
        _check(decoder.feed(data[pos : pos + step]))
        pos += step
        i += 1
    assert len(decoder) <= 2_000 + 50
    _check(decode_datagram(data))
    if parts == [event("A")]:
        assert decoder.events == 1
