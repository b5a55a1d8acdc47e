"""The evidence-pull codec: exact round trips, strict refusals, and fuzzed frames."""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.link.errors import CodecError
from kordon.link.evidence_wire import (
    MAX_CHUNK_BYTES,
    MAX_LISTED_CLIPS,
    MAX_RANGE_BYTES,
    Chunk,
    EdgeError,
    ErrorReason,
    EvidenceKind,
    ListedClip,
    Listing,
    ListRequest,
    Manifest,
    OpenRequest,
    RangeRequest,
    decode_reply,
    decode_request,
    encode_reply,
    encode_request,
)
from kordon.link.topics import LinkTopics

TID = "0123456789abcdef0123456789abcdef"
SHA = hashlib.sha256(b"x").hexdigest()

OPEN = OpenRequest(
    v=1, type="open", transfer_id=TID, kind=EvidenceKind.CLIP, item_id="c1", incident_id="i-1"
)
RANGE = RangeRequest(
    v=1,
    type="range",
    transfer_id=TID,
    kind=EvidenceKind.EXPORT,
    item_id="e1",
    incident_id=None,
    sha256=SHA,
    offset=10,
    length=100,
)
MANIFEST = Manifest(
    v=1,
    type="manifest",
    transfer_id=TID,
    size=5,
    sha256=SHA,
    content_type="video/mp4",
    name="c1.mp4",
)
ERROR = EdgeError(
    v=1, type="error", transfer_id=TID, reason=ErrorReason.NOT_FOUND, detail="no clip"
)


@pytest.mark.parametrize("request_", [OPEN, RANGE])
def test_requests_round_trip(request_: OpenRequest | RangeRequest) -> None:
    assert decode_request(encode_request(request_)) == request_


@pytest.mark.parametrize("reply", [MANIFEST, ERROR, Chunk(TID, 7, b"\n\x00abc\n")])
def test_replies_round_trip(reply: Manifest | EdgeError | Chunk) -> None:
    assert decode_reply(encode_reply(reply)) == reply


def _request(**change: object) -> bytes:
    document = json.loads(encode_request(RANGE))
    document.update(change)
    return json.dumps({k: v for k, v in document.items() if v is not KeyError}).encode()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not json", "not JSON"),
        (b"[1]", "not a JSON object"),
        (_request(v=2), "unknown version 2"),
        (_request(v=True), "unknown version True"),
        (_request(type="listing"), "type"),
        (_request(offset="10"), "offset"),
        (_request(offset=-1), "offset"),
        (_request(length=0), "length"),
        (_request(length=MAX_RANGE_BYTES + 1), "length"),
        (_request(transfer_id="XYZ"), "transfer_id"),
        (_request(item_id="../etc/passwd"), "item_id"),
        (_request(kind="segment"), "kind"),
        (_request(incident_id=KeyError), "incident_id"),
        (_request(extra=1), "extra"),
        (b"{" + b" " * 5000 + b"}", "over 4096"),
    ],
)
def test_bad_requests_are_refused_with_the_reason(payload: bytes, message: str) -> None:
    with pytest.raises(CodecError, match="evidence request") as caught:
        decode_request(payload)
    assert message in str(caught.value)


def _chunk_frame(header: dict[str, object], body: bytes) -> bytes:
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + body


def _header(body: bytes, **change: object) -> dict[str, object]:
    header: dict[str, object] = {
        "v": 1,
        "type": "chunk",
        "transfer_id": TID,
        "offset": 0,
        "length": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    header.update(change)
    return header


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b'{"v":1}', "no header line"),
        (_chunk_frame(_header(b"abc", v=9), b"abc"), "unknown version 9"),
        (_chunk_frame(_header(b"abc"), b"abcd"), "body has 4"),
        (_chunk_frame(_header(b"abc"), b"abd"), "does not match its sha256"),
        (_chunk_frame(_header(b"abc", offset=-3), b"abc"), "offset"),
        (_chunk_frame(_header(b"abc", length=0), b""), "length"),
        (
            _chunk_frame(_header(b"a" * (MAX_CHUNK_BYTES + 1)), b"a" * (MAX_CHUNK_BYTES + 1)),
            "oversize",
        ),
        (encode_reply(MANIFEST) + b"tail", "unexpected bytes"),
        (
            _chunk_frame({**json.loads(encode_reply(MANIFEST)), "name": "../x"}, b""),
            "name",
        ),
        (
            _chunk_frame({**json.loads(encode_reply(MANIFEST)), "size": 1.5}, b""),
            "size",
        ),
        (
            _chunk_frame({**json.loads(encode_reply(ERROR)), "reason": "bored"}, b""),
            "reason",
        ),
    ],
)
def test_bad_replies_are_refused_with_the_reason(payload: bytes, message: str) -> None:
    with pytest.raises(CodecError, match="evidence") as caught:
        decode_reply(payload)
    assert message in str(caught.value)


def test_encoding_a_chunk_refuses_an_empty_or_oversize_body() -> None:
    with pytest.raises(ValueError, match=r"1\.\.262144"):
        encode_reply(Chunk(TID, 0, b""))
    with pytest.raises(ValueError, match=r"1\.\.262144"):
        encode_reply(Chunk(TID, 0, b"a" * (MAX_CHUNK_BYTES + 1)))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_decode_or_are_refused_cleanly(payload: bytes) -> None:
    for decode in (decode_reply, decode_request):
        with contextlib.suppress(CodecError):
            decode(payload)


_valid_frames = st.sampled_from(
    [
        encode_reply(MANIFEST),
        encode_reply(ERROR),
        encode_reply(Chunk(TID, 1024, bytes(range(256)) * 3)),
    ]
)


@settings(max_examples=400, deadline=None)
@given(_valid_frames, st.data())
def test_damaged_frames_are_refused_or_read_as_a_valid_reply(
    frame: bytes, data: st.DataObject
) -> None:
    """Any byte of a valid frame changed, cut or inserted: either a ``CodecError``, or a
    reply that encodes and decodes to itself (a chunk's body always matches its hash)."""
    position = data.draw(st.integers(0, len(frame)))
    action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
    byte = data.draw(st.integers(0, 255))
    if action == "flip" and position < len(frame):
        damaged = frame[:position] + bytes([frame[position] ^ (byte or 1)]) + frame[position + 1 :]
    elif action == "cut":
        damaged = frame[:position]
    else:
        damaged = frame[:position] + bytes([byte]) + frame[position:]
    try:
        reply = decode_reply(damaged)
    except CodecError:
        return
    assert decode_reply(encode_reply(reply)) == reply
    if isinstance(reply, Chunk):
        header = json.loads(damaged.split(b"\n", 1)[0])
        assert hashlib.sha256(reply.data).hexdigest() == header["sha256"]


def test_topics_of_evidence() -> None:
    topics = LinkTopics(root="r/edge")
    assert topics.evidence("a") == "r/edge/a/evidence"
    assert topics.evidence_req("a") == "r/edge/a/evidence_req"
    assert topics.all_evidence == "r/edge/+/evidence"
    assert topics.edge_of_evidence("r/edge/a/evidence") == "a"
    assert topics.edge_of_evidence("r/edge/a/evidence_req") is None
    assert topics.edge_of_evidence("r/edge/a/b/evidence") is None
    with pytest.raises(ValueError, match="edge id"):
        topics.evidence_req("a/b")


def _listing(clips: int) -> Listing:
    start = datetime(2026, 12, 5, 21, 0, tzinfo=UTC)
    return Listing(
        v=1,
        type="listing",
        transfer_id=TID,
        incident_id="inc-1",
        clips=tuple(
            ListedClip(
                id=f"c{n}",
                camera_id="cam-1",
                start=start,
                end=start + timedelta(seconds=n),
                around_event_id=None if n % 2 else f"ev-{n}",
                default=n == 0,
            )
            for n in range(clips)
        ),
    )


def test_a_listing_and_its_request_round_trip() -> None:
    listing = _listing(MAX_LISTED_CLIPS)
    assert decode_reply(encode_reply(listing)) == listing
    request = ListRequest(v=1, type="list", transfer_id=TID, incident_id="inc-1")
    assert decode_request(encode_request(request)) == request


def test_a_listing_too_long_or_with_naive_times_is_refused() -> None:
    document = json.loads(encode_reply(_listing(MAX_LISTED_CLIPS)))
    document["clips"].append(document["clips"][0])
    with pytest.raises(CodecError, match="clips"):
        decode_reply(json.dumps(document).encode() + b"\n")
    document = json.loads(encode_reply(_listing(1)))
    document["clips"][0]["start"] = "2026-12-05T21:00:00"
    with pytest.raises(CodecError, match=r"clips\.0\.start"):
        decode_reply(json.dumps(document).encode() + b"\n")
