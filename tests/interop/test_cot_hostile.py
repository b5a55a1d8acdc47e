"""Hostile and broken CoT: one ``CotParseError`` naming the problem, never a crash."""

from __future__ import annotations

import pytest

from kordon.interop.cot import CotParseError, parse_events
from tests.interop.cot_samples import event

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<event uid="&lol2;" type="a-f-G" time="2024-05-01T10:00:00Z" start="2024-05-01T10:00:00Z"
 stale="2024-05-01T10:05:00Z"><point lat="1" lon="1" hae="0" ce="1" le="1"/></event>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE event [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<event uid="&xxe;"/>"""
DEEP = b"<event>" + b"<a>" * 200 + b"</a>" * 200 + b"</event>"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (LAUGHS, "refused XML: DTDForbidden"),
        (EXTERNAL, "refused XML: DTDForbidden"),
        (DEEP, "nested deeper than 32"),
        (event(ce="1e12"), "ce: 1000000000000.0 outside"),
        (event(ce="nan"), "ce: nan outside"),
        (event(ce="-1"), "ce: -1.0 outside"),
        (event(lat="91"), "lat: 91.0 outside"),
        (event(lat="north"), "lat: 'north' is not a number"),
        (event(uid=""), "uid: missing"),
        (event(uid="x" * 300), "uid: 300 characters"),
        (
            event().replace(b'time="2024-05-01T10:00:00.500Z"', b'time="yesterday"'),
            "time: 'yesterday'",
        ),
        (
            event().replace(b'time="2024-05-01T10:00:00.500Z"', b'time="2024-05-01T10:00:00"'),
            "with a zone",
        ),
        (
            event().replace(b'time="2024-05-01T10:00:00.500Z"', b'time="2024-13-01T10:00:00Z"'),
            "month",
        ),
        (
            event().replace(b'stale="2024-05-01T10:05:00Z"', b'stale="2024-05-01T09:00:00Z"'),
            "before start",
        ),
        (event().replace(b'type="a-f-G-U-C"', b'type="a f; drop"'), "type: 'a f; drop'"),
        (event().replace(b"<point", b"<pont").replace(b"/><detail", b"/><detail"), "no <point>"),
        (event()[:-10], "malformed XML"),
        (b"<nothing/>", "expected <event>"),
        (b"   ", "no event in the input"),
        (b"\xbf\x01\xbf\x12\x05abc", "runs past its message"),
        (b"\xbf\x01\xbf", "without a cotEvent"),
        (b"\xbf\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "varint"),
    ],
)
def test_refused_with_a_clear_reason(data: bytes, reason: str) -> None:
    with pytest.raises(CotParseError) as info:
        parse_events(data)
    assert reason in info.value.reason


def test_oversize_event_is_refused_before_parsing() -> None:
    huge = event().replace(b"<detail>", b"<detail><remarks>" + b"x" * (1 << 20) + b"</remarks>")
    with pytest.raises(CotParseError, match="at most 1048576"):
        parse_events(huge)
