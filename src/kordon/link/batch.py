"""What travels on the link topics: a batch of outbox entries, and the centre's ack.

Batch (edge → centre, ``<root>/<edge>/outbox``)::

    {"v": 2, "batch_id": "...", "edge_id": "...", "sent_at": "2026-...Z",
     "entries": [{"id": "...", "kind": "event", "priority": 0,
                  "created_at": "2026-...Z", "payload": {"v": 1, "kind": "event", ...}}]}

``sent_at`` (version 2) is the edge's clock when the batch was published, stamped again at
every resend: the centre measures the edge's clock offset with it
(``kordon.link.clock_offset``). Version 1, the same without ``sent_at``, is still read
(``Batch.sent_at`` is then ``None``: the edge's clock cannot be measured).

Ack (centre → edge, ``<root>/<edge>/ack``), sent after the centre's commit::

    {"v": 1, "batch_id": "...", "entry_ids": ["...", ...]}

Parsing is strict (exact keys and types); a :class:`CodecError` says what is wrong.

Two readers, one set of rules. A batch of events and device statuses (nearly all of what
crosses the link) is read by **one** pydantic validation of the raw bytes
(:class:`_BatchV1`: the envelope, every entry and every payload, in Rust, without building
JSON objects in Python or re-serialising each payload). Anything that model does not accept
(an incident, an unknown version, any malformed input) goes to the detailed reader, entry
by entry, which either reads it or says exactly what is wrong. The fast reader only accepts
what the detailed one accepts, and reads it the same way (``tests/link/test_batch_readers``
compares both on valid and damaged batches).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationError

from kordon.domain.time import require_utc
from kordon.link.codec import (
    READERS,
    DeviceStatusV1,
    EventV1,
    StrictModel,
    dump_json,
    from_document,
    load_json,
)
from kordon.link.errors import CodecError
from kordon.link.kinds import EntryKind, Priority, Shipped
from kordon.link.outbox import OutboxEntry

VERSION = 1
"""The version of acks, and of batches without ``sent_at``."""
BATCH_VERSION = 2
"""The version of batches with ``sent_at``."""
BATCH_VERSIONS = (VERSION, BATCH_VERSION)
MAX_ENTRIES = 10_000
_ENTRY_KEYS = {"id", "kind", "priority", "created_at", "payload"}


@dataclass(frozen=True, slots=True)
class ReceivedEntry:
    entry_id: str
    kind: EntryKind
    priority: Priority
    created_at: datetime
    item: Shipped
    document: dict[str, Any] | None
    """The payload as received, for the kinds the centre keeps verbatim (incidents and
    audit entries); ``None`` for events and device statuses, stored as columns."""


@dataclass(frozen=True, slots=True)
class Batch:
    batch_id: str
    edge_id: str
    entries: tuple[ReceivedEntry, ...]
    sent_at: datetime | None = None
    """The edge's clock at publication (version 2); ``None`` for a version 1 batch."""


@dataclass(frozen=True, slots=True)
class Ack:
    batch_id: str
    entry_ids: tuple[str, ...]


def encode_batch(
    batch_id: str,
    edge_id: str,
    entries: Sequence[OutboxEntry],
    *,
    sent_at: datetime | None = None,
) -> bytes:
    """The batch as UTF-8 JSON; each stored payload is embedded as it is (not re-encoded).
    With ``sent_at`` (the edge's clock now, UTC) a version 2 batch, else version 1."""
    parts = [f"{_entry_head(e)}{e.payload}}}" for e in entries]
    if sent_at is None:
        stamp = f'{{"v":{VERSION},'
    else:
        stamp = f'{{"v":{BATCH_VERSION},"sent_at":{json.dumps(_iso(require_utc(sent_at)))},'
    head = f'{stamp}"batch_id":{json.dumps(batch_id)},"edge_id":{json.dumps(edge_id)},"entries":['

    return (head + ",".join(parts) + "]}").encode("utf-8")


def _entry_head(e: OutboxEntry) -> str:
    return (
        f'{{"id":{json.dumps(e.entry_id)},"kind":{json.dumps(str(e.kind))},'
        f'"priority":{int(e.priority)},"created_at":{json.dumps(_iso(e.created_at))},'
        '"payload":'
    )


def entry_wire_bytes(entry: OutboxEntry) -> int:
    """The bytes ``entry`` takes in an encoded batch (its payload and its framing; the
    batch's own envelope and the commas between entries are not counted)."""
    return len(_entry_head(entry)) + entry.size + 1  # the head is ASCII (json.dumps)


def _iso(time: datetime) -> str:
    return time.isoformat().replace("+00:00", "Z")


def _text(value: Any, name: str, max_len: int = 128) -> str:
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise CodecError(f"{name} must be a non-empty string of at most {max_len} characters")
    return value


def _version(document: Any, keys: set[str], what: str) -> dict[str, Any]:
    if not isinstance(document, dict) or set(document) != keys:
        raise CodecError(f"{what} must be an object with exactly the keys {sorted(keys)}")
    if document["v"] != VERSION or type(document["v"]) is not int:
        raise CodecError(f"unknown {what} version {document['v']!r} (this Kordon reads {VERSION})")
    return document


def _entry(raw: Any, index: int) -> ReceivedEntry:
    where = f"entry {index}"
    if not isinstance(raw, dict) or set(raw) != _ENTRY_KEYS:
        raise CodecError(f"{where} must be an object with exactly the keys {sorted(_ENTRY_KEYS)}")
    entry_id = _text(raw["id"], f"{where}: id", 64)
    try:
        kind = EntryKind(raw["kind"])
        if type(raw["priority"]) is not int:
            raise ValueError(f"priority must be an integer, got {raw['priority']!r}")
        priority = Priority(raw["priority"])
        created_at = datetime.fromisoformat(_text(raw["created_at"], "created_at", 40))
    except ValueError as exc:
        raise CodecError(f"{where} ({entry_id}): {exc}") from exc
    if created_at.tzinfo is None:
        raise CodecError(f"{where} ({entry_id}): created_at must carry a time zone")
    try:
        item = from_document(raw["payload"], expected=kind)
    except CodecError as exc:
        raise CodecError(f"{where} ({entry_id}): {exc}") from exc
    document = None if kind in _COLUMNS_KINDS else raw["payload"]
    return ReceivedEntry(entry_id, kind, priority, created_at, item, document)


_COLUMNS_KINDS = frozenset({EntryKind.EVENT, EntryKind.DEVICE_STATUS})
"""Kinds stored as columns (their payload text is not kept)."""

_Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
_Name = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class _EventPayloadV1(StrictModel):
    v: int
    kind: Literal["event"]
    data: EventV1


class _DeviceStatusPayloadV1(StrictModel):
    v: int
    kind: Literal["device_status"]
    data: DeviceStatusV1


class _EntryV1(StrictModel):
    id: _Id
    kind: str
    priority: int
    created_at: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    payload: Annotated[_EventPayloadV1 | _DeviceStatusPayloadV1, Field(discriminator="kind")]


class _BatchV1(StrictModel):
    """A whole batch of events and device statuses, validated in one call."""

    v: int
    batch_id: _Id
    edge_id: _Name
    entries: Annotated[list[_EntryV1], Field(min_length=1, max_length=MAX_ENTRIES)]


class _BatchV2(_BatchV1):
    """Version 2: the same with the edge's clock at publication."""

    sent_at: Annotated[str, StringConstraints(min_length=1, max_length=40)]


_KINDS = {str(kind): kind for kind in EntryKind}
_PRIORITIES = {int(priority): priority for priority in Priority}


def _fast_entry(raw: _EntryV1) -> ReceivedEntry | None:
    """``raw`` as the detailed reader reads it, or ``None`` if that reader must decide."""
    payload = raw.payload
    kind = _KINDS.get(raw.kind)
    priority = _PRIORITIES.get(raw.priority)  # a strict int: never a bool here
    if kind is None or priority is None:
        return None
    try:
        created_at = datetime.fromisoformat(raw.created_at)
    except ValueError:
        return None
    reader = READERS.get((kind, payload.v))
    if (
        created_at.tzinfo is None
        or payload.kind != kind
        or reader is None
        or type(payload.data) is not reader[0]
    ):
        return None
    try:
        item = reader[1](payload.data)
    except (TypeError, ValueError):  # the domain type's own checks
        return None
    return ReceivedEntry(raw.id, kind, priority, created_at, item, None)


def decode_batch_fast(data: bytes) -> Batch | None:
    """The batch, if the one-call model reads it and every further check passes; else
    ``None`` (the detailed reader then reads it or says what is wrong)."""
    sent_at = None
    try:
        if b'"sent_at"' in data:  # which model to try first; both are strict
            wire: _BatchV1 = _BatchV2.model_validate_json(data)
        else:
            wire = _BatchV1.model_validate_json(data)
    except ValidationError:
        return None
    if isinstance(wire, _BatchV2):
        if wire.v != BATCH_VERSION:
            return None
        try:
            sent_at = _sent_at(wire.sent_at)
        except CodecError:
            return None
    elif wire.v != VERSION:
        return None
    entries = []
    for raw in wire.entries:
        entry = _fast_entry(raw)
        if entry is None:
            return None
        entries.append(entry)
    if len({e.entry_id for e in entries}) != len(entries):
        return None
    return Batch(
        batch_id=wire.batch_id, edge_id=wire.edge_id, entries=tuple(entries), sent_at=sent_at
    )


def _sent_at(value: Any) -> datetime:
    try:
        sent_at = datetime.fromisoformat(_text(value, "sent_at", 40))
    except ValueError as exc:
        raise CodecError(f"sent_at: {exc}") from exc
    if sent_at.tzinfo is None:
        raise CodecError("sent_at must carry a time zone")
    return require_utc(sent_at, name="sent_at")


def decode_batch(data: bytes) -> Batch:
    """A batch from the wire; ``CodecError`` when anything in it is off."""
    batch = decode_batch_fast(data)
    return decode_batch_detailed(data) if batch is None else batch


def decode_batch_detailed(data: bytes) -> Batch:
    """The batch read entry by entry, each check with its own message."""
    document = load_json(data, "batch")
    keys = {"v", "batch_id", "edge_id", "entries"}
    if not isinstance(document, dict) or "v" not in document:
        raise CodecError(f"batch must be an object with exactly the keys {sorted(keys)}")
    version = document["v"]
    if type(version) is not int or version not in BATCH_VERSIONS:
        raise CodecError(f"unknown batch version {version!r} (this Kordon reads {BATCH_VERSIONS})")
    if version == BATCH_VERSION:
        keys.add("sent_at")
    if set(document) != keys:
        raise CodecError(f"batch must be an object with exactly the keys {sorted(keys)}")
    sent_at = _sent_at(document["sent_at"]) if "sent_at" in document else None
    raw_entries = document["entries"]
    if not isinstance(raw_entries, list) or not 1 <= len(raw_entries) <= MAX_ENTRIES:
        raise CodecError(f"batch entries must be a list of 1 to {MAX_ENTRIES} entries")
    entries = tuple(_entry(raw, i) for i, raw in enumerate(raw_entries))
    if len({e.entry_id for e in entries}) != len(entries):
        raise CodecError("batch has the same entry id twice")
    return Batch(
        batch_id=_text(document["batch_id"], "batch_id", 64),
        edge_id=_text(document["edge_id"], "edge_id"),
        entries=entries,
        sent_at=sent_at,
    )


def encode_ack(ack: Ack) -> bytes:
    return dump_json(
        {"v": VERSION, "batch_id": ack.batch_id, "entry_ids": list(ack.entry_ids)}
    ).encode("utf-8")


def decode_ack(data: bytes) -> Ack:
    document = _version(load_json(data, "ack"), {"v", "batch_id", "entry_ids"}, "ack")
    ids = document["entry_ids"]
    if not isinstance(ids, list):
        raise CodecError("ack entry_ids must be a list")
    return Ack(
        batch_id=_text(document["batch_id"], "batch_id", 64),
        entry_ids=tuple(_text(i, "entry id", 64) for i in ids),
    )
