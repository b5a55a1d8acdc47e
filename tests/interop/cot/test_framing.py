"""TAK protocol stream framing read incrementally: whole messages however reads cut them,
and a clear, final error for a bad magic byte, a malformed varint or an oversized length."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kordon.interop.cot.encode import stream_frame
from kordon.interop.cot.framing import StreamFramer, TakFramingError
from tests.fuzz.mutate import FUZZ


def _feed_in_pieces(framer: StreamFramer, data: bytes, cuts: list[int]) -> list[bytes]:
    out: list[bytes] = []
    start = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        out.extend(framer.feed(data[start:cut]))
        start = cut
    return out


def test_messages_come_whole_and_in_order_from_byte_by_byte_reads() -> None:
    messages = [b"", b"\x12\x03abc", bytes(range(256)) * 3]
    data = b"".join(stream_frame(m) for m in messages)
    framer = StreamFramer()
    got: list[bytes] = []
    for i in range(len(data)):
        got.extend(framer.feed(data[i : i + 1]))
    assert got == messages
    assert len(framer) == 0
    assert framer.messages == 3


def test_an_incomplete_frame_is_held_until_its_last_byte() -> None:
    framer = StreamFramer()
    frame = stream_frame(b"x" * 200)  # two-byte length varint
    assert framer.feed(frame[:1]) == []
    assert framer.feed(frame[1:2]) == []  # half the varint
    assert framer.feed(frame[2:-1]) == []
    assert len(framer) == len(frame) - 1
    assert framer.feed(frame[-1:]) == [b"x" * 200]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<event", "expected magic byte 0xBF, got 0x3C (the peer is speaking XML)"),
        (b"\x00", "expected magic byte 0xBF, got 0x00"),
        (b"\xbf" + b"\xff" * 10 + b"\x01", "length varint longer than 10 bytes"),
        (b"\xbf" + b"\xff" * 9 + b"\x7f", "length varint above 2**64"),
        (b"\xbf\x81\x08", "message of 1025 bytes, at most 1024"),
    ],
)
def test_framing_errors_are_clear_and_final(data: bytes, message: str) -> None:
    framer = StreamFramer(max_message_bytes=1024)
    ok = stream_frame(b"fine")
    with pytest.raises(TakFramingError) as err:
        framer.feed(ok + data)
    assert err.value.reason == message
    assert err.value.offset == len(ok)
    assert f"frame at byte {len(ok)}" in str(err.value)
    with pytest.raises(TakFramingError):  # no reading on after a broken frame
        framer.feed(stream_frame(b"more"))


def test_an_oversized_length_is_refused_before_its_payload_arrives() -> None:
    framer = StreamFramer(max_message_bytes=1000)
    with pytest.raises(TakFramingError, match="message of 1001 bytes, at most 1000"):
        framer.feed(stream_frame(b"y" * 1001)[:3])  # the header alone


def test_a_message_of_exactly_the_limit_passes() -> None:
    assert StreamFramer(max_message_bytes=1000).feed(stream_frame(b"z" * 1000)) == [b"z" * 1000]


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        StreamFramer(max_message_bytes=0)


@FUZZ
@given(
    st.lists(st.binary(max_size=300), max_size=8),
    st.lists(st.integers(0, 3000), max_size=12),
)
def test_any_split_of_a_valid_stream_gives_the_messages(
    messages: list[bytes], cuts: list[int]
) -> None:
    data = b"".join(stream_frame(m) for m in messages)
    assert _feed_in_pieces(StreamFramer(), data, [c for c in cuts if c < len(data)]) == messages


def _outcome(framer: StreamFramer, pieces: list[bytes]) -> tuple[list[bytes], str | None]:
    out: list[bytes] = []
    for piece in pieces:
        try:
            out.extend(framer.feed(piece))
        except TakFramingError as exc:
            return out, exc.reason
    return out, None


@FUZZ
@given(st.binary(max_size=400), st.lists(st.integers(0, 400), max_size=8))
def test_random_bytes_give_messages_or_one_framing_error_whatever_the_split(
    data: bytes, cuts: list[int]
) -> None:
    whole_messages, whole_error = _outcome(StreamFramer(max_message_bytes=256), [data])
    edges = [0, *sorted({c for c in cuts if c < len(data)}), len(data)]
    pieces = [data[a:b] for a, b in itertools.pairwise(edges)]
    split_messages, split_error = _outcome(StreamFramer(max_message_bytes=256), pieces)
    assert split_error == whole_error
    if whole_error is None:
        assert split_messages == whole_messages
    for message in split_messages:
        assert len(message) <= 256
