"""The batch's two readers agree: the one-call reader (``decode_batch_fast``) reads exactly
what the detailed reader reads, the same way, and never accepts what the latter refuses."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.domain.event import Event
from kordon.domain.incident import Incident
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.batch import (
    Batch,
    decode_batch,
    decode_batch_detailed,
    decode_batch_fast,
    encode_batch,
)
from kordon.link.codec import encode
from kordon.link.errors import CodecError
from kordon.link.kinds import Shipped, default_priority, kind_of
from kordon.link.outbox import OutboxEntry
from tests.link.support import T0, event
from tests.link.test_codec import events, statuses, times


def _entry(item: Shipped, created_at: datetime = T0, entry_id: str | None = None) -> OutboxEntry:
    payload = encode(item)
    return OutboxEntry(
        entry_id or uuid.uuid4().hex,
        kind_of(item),
        default_priority(item),
        created_at,
        payload,
        len(payload.encode("utf-8")),
    )


def _raw(items: Sequence[Shipped]) -> bytes:
    return encode_batch("b-1", "edge-a", [_entry(item) for item in items])


def _agree(raw: bytes) -> Batch | None:
    """Both readers on ``raw``: the fast one reads it as the detailed one does, or leaves it
    to it (``None``); the detailed result (``None`` when it refuses)."""
    fast = decode_batch_fast(raw)
    try:
        detailed: Batch | None = decode_batch_detailed(raw)
    except CodecError:
        detailed = None
    if fast is not None:
        assert detailed is not None, "the fast reader accepted what the detailed one refuses"
        assert fast == detailed
    return detailed


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(events | statuses, min_size=1, max_size=8),
    created=st.lists(times, min_size=8, max_size=8),
)
def test_valid_batches_are_read_fast_and_the_same(
    items: list[Shipped], created: list[datetime]
) -> None:
    entries = [_entry(item, at) for item, at in zip(items, created, strict=False)]
    raw = encode_batch("b-1", "edge-a", entries)
    fast = decode_batch_fast(raw)
    assert fast is not None  # events and statuses: the one-call reader takes them
    assert fast == decode_batch_detailed(raw)
    assert [e.item for e in fast.entries] == items
    assert [e.entry_id for e in fast.entries] == [e.entry_id for e in entries]
    assert all(e.document is None for e in fast.entries)  # stored as columns


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_damaged_batch_is_read_the_same_or_left_to_the_detailed_reader(
    data: st.DataObject,
) -> None:
    payload = bytearray(_raw([event(1), DeviceStatus("cam-1", T0, DeviceState.ONLINE)]))
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(payload) - 1))
        payload[position] = data.draw(st.integers(0, 255))
    _agree(bytes(payload))


def _edited(edit: str, value: object) -> bytes:
    """A one-event batch with one field replaced (``entry.<key>``, ``payload.<key>``,
    ``data.<key>`` or a batch key)."""
    document = json.loads(_raw([event(1)]))
    where, _, key = edit.rpartition(".")
    target = {
        "": document,
        "entry": document["entries"][0],
        "payload": document["entries"][0]["payload"],
        "data": document["entries"][0]["payload"]["data"],
    }[where]
    target[key] = value
    return json.dumps(document).encode()


# Each is refused by both readers (the detailed one says why).
REFUSED: list[tuple[str, bytes, str]] = [
    ("batch version as bool", _edited("v", True), "version"),
    ("batch version as float", _edited("v", 1.0), "version"),
    ("priority as float", _edited("entry.priority", 1.0), "priority must be an integer"),
    ("priority as bool", _edited("entry.priority", False), "priority must be an integer"),
    ("priority unknown", _edited("entry.priority", 9), "not a valid Priority"),
    ("naive created_at", _edited("entry.created_at", "2026-05-04T21:00:00"), "time zone"),
    ("created_at not a time", _edited("entry.created_at", "yesterday"), "isoformat"),
    ("entry says status", _edited("entry.kind", "device_status"), "its entry says"),
    ("payload version as bool", _edited("payload.v", True), "version must be an integer"),
    ("payload version 2", _edited("payload.v", 2), "unknown event payload version 2"),
    ("confidence out of range", _edited("data.confidence", 1.5), "confidence must be in"),
    ("empty batch id", _edited("batch_id", ""), "batch_id must be a non-empty"),
    ("long edge id", _edited("edge_id", "e" * 129), "edge_id must be"),
    ("empty entries", _edited("entries", []), "1 to"),
    ("a huge integer", _raw([event(1)]).replace(b'"n":1', b'"n":' + b"7" * 4301), "valid JSON"),
]


@pytest.mark.parametrize(("why", "raw", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_by_both_with_the_detailed_reason(why: str, raw: bytes, message: str) -> None:
    assert decode_batch_fast(raw) is None
    with pytest.raises(CodecError, match=message):
        decode_batch(raw)


def test_the_refusal_table_is_not_vacuous() -> None:
    """The unedited batch, and the same edits with valid values, are read by both."""
    for raw in (_raw([event(1)]), _edited("entry.priority", 2), _edited("data.confidence", 0.5)):
        assert decode_batch_fast(raw) is not None
        assert _agree(raw) is not None
    assert b'"n":1' in _raw([event(1)])  # the huge-integer edit has something to replace


def test_duplicate_keys_are_read_as_the_detailed_reader_reads_them() -> None:
    """JSON with a key twice: the last one counts, in both readers."""
    raw = _raw([event(1)])
    twice = raw.replace(b'"kind":"event","data"', b'"kind":"device_status","kind":"event","data"')
    assert twice != raw
    assert _agree(twice) is not None
    confidence = raw.replace(b'"confidence":0.9', b'"confidence":0.1,"confidence":0.9')
    assert confidence != raw
    read = _agree(confidence)
    assert read is not None
    item = read.entries[0].item
    assert isinstance(item, Event)
    assert item.confidence == 0.9


def test_an_incident_goes_to_the_detailed_reader_and_keeps_its_document() -> None:
    incident = Incident(id="inc-1", title="crossing", opened_at=T0, priority=1)
    raw = _raw([event(1), incident])
    assert decode_batch_fast(raw) is None
    batch = decode_batch(raw)
    assert [e.item for e in batch.entries] == [event(1), incident]
    assert batch.entries[0].document is None
    document = batch.entries[1].document
    assert document is not None
    assert document["data"]["id"] == "inc-1"


def test_the_same_entry_id_twice_is_refused_by_both() -> None:
    entry = _entry(event(1))
    raw = encode_batch("b", "edge-a", [entry, entry])
    assert decode_batch_fast(raw) is None
    with pytest.raises(CodecError, match="same entry id twice"):
        decode_batch(raw)


def test_created_at_in_another_zone_is_kept_as_written() -> None:
    one_hour_on = (T0 + timedelta(hours=1)).replace(tzinfo=None)
    utc = _raw([event(1)])
    raw = utc.replace(
        b'"2026-05-04T21:00:00Z"', b'"' + one_hour_on.isoformat().encode() + b'+01:00"'
    )
    assert raw != utc
    batch = _agree(raw)
    assert batch is not None
    assert batch.entries[0].created_at == T0
    assert decode_batch_fast(raw) is not None
