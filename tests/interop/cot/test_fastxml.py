"""The fast expat reader agrees with the tree parser on valid, hostile and random input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kordon.interop.cot.fastxml import parse_xml_event_fast
from kordon.interop.cot.xml import parse_xml_event
from tests.fuzz.mutate import FUZZ
from tests.interop.cot_samples import event

XMLISH = "<>/=\"' &;!?[]-abcdefghijklmnopqrstuvwxyz0123456789.eTZ:\n"
HOSTILE = [
    event("A"),
    event("B", ce="1e400"),
    event("C", lat="91"),
    b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aa">]><event uid="&a;"/>',
    b'<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><event uid="&x;"></event>',
    b"<event>" + b"<d>" * 40 + b"</d>" * 40 + b"</event>",
    b"<event>" + b"<d/>" * 10_001 + b"</event>",
    b'<event xmlns="urn:x" uid="n"/>',
    b'<event uid="u"><point lat="1" lon="2" hae="3" ce="4" le="5"/><point lat="9"/></event>',
    event("D").replace(b"<detail>", b"<detail/><detail><x><contact callsign='deep'/></x>"),
    event("E").replace(b"<detail>", b"<detail><contact/>"),
    event("F") + b"<junk/>",
    b"<notevent/>",
    b"",
]


def _outcome(parse: object, data: bytes) -> object:
    try:
        return parse(data)  # type: ignore[operator]
    except ValueError:
        return ValueError


@pytest.mark.parametrize("data", HOSTILE)
def test_agrees_on_hostile_and_edge_cases(data: bytes) -> None:
    assert _outcome(parse_xml_event_fast, data) == _outcome(parse_xml_event, data)


def test_agrees_on_the_real_samples(shared_data: Path) -> None:
    for path in sorted((shared_data / "cot").glob("*.xml")):
        data = path.read_bytes()
        assert _outcome(parse_xml_event_fast, data) == _outcome(parse_xml_event, data), path.name


def test_refusals_say_why() -> None:
    with pytest.raises(ValueError, match="DTD"):
        parse_xml_event_fast(HOSTILE[3])
    with pytest.raises(ValueError, match="nested deeper than 32"):
        parse_xml_event_fast(HOSTILE[5])
    with pytest.raises(ValueError, match="more than 10000 elements"):
        parse_xml_event_fast(HOSTILE[6])
    with pytest.raises(ValueError, match="at most"):
        parse_xml_event_fast(b" " * (1 << 20) + event("big"))


@FUZZ
@given(
    st.sampled_from(HOSTILE[:3] + HOSTILE[8:11]),
    st.lists(st.tuples(st.integers(0, 600), st.text(alphabet=XMLISH, max_size=8)), max_size=5),
)
def test_agrees_on_mutations(seed: bytes, edits: list[tuple[int, str]]) -> None:
    data = seed
    for pos, text in edits:
        data = data[:pos] + text.encode() + data[pos + len(text) :]
    assert _outcome(parse_xml_event_fast, data) == _outcome(parse_xml_event, data)
