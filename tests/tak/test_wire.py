"""One connection's negotiation state and its reader: XML until a yes, stream frames from
the byte after the answer, however the reads cut the bytes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kordon.interop.cot.encode import OutEvent, stream_frame, to_takproto
from kordon.interop.cot.errors import CotParseError
from kordon.interop.cot.event import CotEvent
from kordon.interop.cot.framing import TakFramingError
from kordon.interop.cot.takcontrol import ProtocolAnswer, ProtocolOffer
from kordon.tak.negotiation import Negotiation, NegotiationState, WireFormat
from kordon.tak.settings import TakProtocol
from kordon.tak.wire import WireRead, WireReader
from tests.fuzz.mutate import FUZZ
from tests.interop.cot.test_takcontrol import OFFER_TAK_SERVER, control
from tests.interop.cot_samples import event

T = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
YES = control("t-x-takp-r", "<TakControl><TakResponse status='true'/></TakControl>")
NO = control("t-x-takp-r", "<TakControl><TakResponse status='false'/></TakControl>")
V1 = ProtocolOffer("u", frozenset({1}))
S, X, R, F, U, N = (
    NegotiationState.STREAMING,
    NegotiationState.XML,
    NegotiationState.REQUESTED,
    NegotiationState.REFUSED,
    NegotiationState.UNSUPPORTED,
    NegotiationState.NOT_ASKED,
)


def _frame(uid: str) -> bytes:
    return stream_frame(
        to_takproto(
            OutEvent(
                uid=uid,
                type="a-f-G-U-C",
                how="m-g",
                time=T,
                start=T,
                stale=T + timedelta(minutes=5),
                lat=51.0,
                lon=24.0,
                callsign=f"PATROL {uid}",
            )
        )
    )


@pytest.mark.parametrize(
    ("protocol", "ask", "steps", "states", "requests"),
    [
        (TakProtocol.NEGOTIATE, True, [V1, ProtocolAnswer("u", True)], [R, S], [True]),
        (TakProtocol.NEGOTIATE, True, [V1, ProtocolAnswer("u", False)], [R, F], [True]),
        (TakProtocol.NEGOTIATE, True, [ProtocolOffer("u", frozenset({0, 2}))], [U], [False]),
        (TakProtocol.NEGOTIATE, False, [V1], [N], [False]),
        (TakProtocol.XML, True, [V1], [N], [False]),
        (TakProtocol.NEGOTIATE, True, [ProtocolAnswer("u", True)], [X], []),  # unasked
        (TakProtocol.NEGOTIATE, True, [V1, V1], [R, R], [True, False]),  # once per connection
        (
            TakProtocol.NEGOTIATE,
            True,
            [V1, ProtocolAnswer("u", False), V1],
            [R, F, F],
            [True, False],
        ),
        (TakProtocol.PROTO, True, [V1], [S], [False]),
    ],
)
def test_negotiation_states(
    protocol: TakProtocol,
    ask: bool,
    steps: list[ProtocolOffer | ProtocolAnswer],
    states: list[NegotiationState],
    requests: list[bool],
) -> None:
    n = Negotiation(protocol, ask=ask)
    seen_states = []
    seen_requests = []
    for step in steps:
        if isinstance(step, ProtocolOffer):
            seen_requests.append(n.on_offer(step))
        else:
            n.on_answer(step)
        seen_states.append(n.state)
        assert n.may_send() == (n.state is not R)
        assert n.wire is (WireFormat.STREAM if n.state is S else WireFormat.XML)
    assert (seen_states, seen_requests) == (states, requests)


def _read_all(reader: WireReader, data: bytes, cuts: list[int]) -> WireRead:
    total = WireRead()
    edges = [0, *sorted({c for c in cuts if 0 < c < len(data)}), len(data)]
    for a, b in itertools.pairwise(edges):
        got = reader.feed(data[a:b])
        total.items.extend(got.items)
        total.controls += got.controls
        if got.request is not None:
            assert total.request is None, "asked twice"
            total.request = got.request
    return total


def _uids(items: list[CotEvent | CotParseError]) -> list[str]:
    return [i.uid if isinstance(i, CotEvent) else f"error: {i.reason}" for i in items]


NEGOTIATED = (
    event("A")
    + OFFER_TAK_SERVER
    + b"<?xml version='1.0'?>\n"
    + event("B")
    + YES
    + _frame("C")
    + _frame("D")
)


@FUZZ
@given(st.lists(st.integers(0, len(NEGOTIATED)), max_size=10))
def test_xml_then_frames_from_the_byte_after_a_yes_however_cut(cuts: list[int]) -> None:
    reader = WireReader(Negotiation(TakProtocol.NEGOTIATE), max_message_bytes=4096)
    got = _read_all(reader, NEGOTIATED, cuts)
    assert _uids(got.items) == ["A", "B", "C", "D"]
    assert got.request == ProtocolOffer("neg-7f3a", frozenset({1}))
    assert got.controls == 2
    assert reader.streaming
    assert reader.negotiation.state is S


def test_byte_by_byte() -> None:
    reader = WireReader(Negotiation(TakProtocol.NEGOTIATE), max_message_bytes=4096)
    got = _read_all(reader, NEGOTIATED, list(range(len(NEGOTIATED))))
    assert _uids(got.items) == ["A", "B", "C", "D"]


def test_a_no_keeps_xml() -> None:
    reader = WireReader(Negotiation(TakProtocol.NEGOTIATE), max_message_bytes=4096)
    got = reader.feed(OFFER_TAK_SERVER + NO + event("E"))
    assert _uids(got.items) == ["E"]
    assert not reader.streaming
    assert reader.negotiation.state is F


def test_without_an_offer_a_yes_is_ignored_and_frames_stay_with_the_lenient_decoder() -> None:
    reader = WireReader(Negotiation(TakProtocol.NEGOTIATE), max_message_bytes=4096)
    got = reader.feed(YES + event("E") + _frame("F") + b"\xbf\x05ab")
    assert _uids(got.items) == ["E", "F"]
    assert not reader.streaming
    assert reader.negotiation.state is X
    assert reader.negotiation.ignored == 1


def test_once_streaming_xml_is_a_framing_error() -> None:
    reader = WireReader(Negotiation(TakProtocol.NEGOTIATE), max_message_bytes=4096)
    reader.feed(OFFER_TAK_SERVER)
    with pytest.raises(TakFramingError, match=r"got 0x3C \(the peer is speaking XML\)"):
        reader.feed(YES + _frame("C") + event("late"))


def test_an_oversized_frame_after_the_switch_is_a_framing_error() -> None:
    reader = WireReader(Negotiation(TakProtocol.NEGOTIATE), max_message_bytes=100)
    reader.feed(OFFER_TAK_SERVER)
    with pytest.raises(TakFramingError, match="message of 200 bytes, at most 100"):
        reader.feed(YES + b"\xbf\xc8\x01")


def test_a_bad_message_in_a_good_frame_is_only_refused_and_control_only_messages_skipped() -> None:
    reader = WireReader(Negotiation(TakProtocol.PROTO), max_message_bytes=4096)
    control_only = stream_frame(b"\x0a\x04\x08\x01\x10\x01")  # TakMessage{takControl{1, 1}}
    got = reader.feed(stream_frame(b"\x12\x02\x08") + control_only + _frame("G"))
    assert [type(i).__name__ for i in got.items] == ["CotParseError", "CotEvent"]
    assert got.controls == 1


def test_an_unreadable_offer_is_reported_and_nothing_is_asked() -> None:
    reader = WireReader(Negotiation(TakProtocol.NEGOTIATE), max_message_bytes=4096)
    bad = control("t-x-takp-v", "<TakControl><TakProtocolSupport version='one'/></TakControl>")
    got = reader.feed(bad + event("H"))
    assert _uids(got.items) == [
        "error: TAK protocol negotiation: TakProtocolSupport version 'one' is not a number",
        "H",
    ]
    assert got.request is None


@FUZZ
@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=5))
def test_random_bytes_after_the_switch_give_items_or_a_framing_error(
    tail: bytes, cuts: list[int]
) -> None:
    reader = WireReader(Negotiation(TakProtocol.NEGOTIATE), max_message_bytes=256)
    reader.feed(OFFER_TAK_SERVER)
    try:
        got = _read_all(reader, YES + tail, cuts)
    except TakFramingError:
        return
    for item in got.items:
        assert isinstance(item, CotEvent | CotParseError)
