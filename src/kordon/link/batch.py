"""What travels on the link topics: a batch of outbox entries, and the centre's ack.

Batch (edge → centre, ``<root>/<edge>/outbox``)::

    {"v": 1, "batch_id": "...", "edge_id": "...",
     "entries": [{"id": "...", "kind": "event", "priority": 0,
                  "created_at": "2026-...Z", "payload": {"v": 1, "kind": "event", ...}}]}

Ack (centre → edge, ``<root>/<edge>/ack``), sent after the centre's commit::

    {"v": 1, "batch_id": "...", "entry_ids": ["...", ...]}

Parsing is strict (exact keys and types); a :class:`CodecError` says what is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kordon.link.codec import dump_json, from_document, load_json
from kordon.link.errors import CodecError
from kordon.link.kinds import EntryKind, Priority, Shipped
from kordon.link.outbox import OutboxEntry

VERSION = 1
MAX_ENTRIES = 10_000
_ENTRY_KEYS = {"id", "kind", "priority", "created_at", "payload"}


@dataclass(frozen=True, slots=True)
class ReceivedEntry:
    entry_id: str
    kind: EntryKind
    priority: Priority
    created_at: datetime
    item: Shipped
    document: dict[str, Any]
    """The payload as received (kept verbatim for kinds the centre does not apply yet)."""


@dataclass(frozen=True, slots=True)
class Batch:
    batch_id: str
    edge_id: str
    entries: tuple[ReceivedEntry, ...]


@dataclass(frozen=True, slots=True)
class Ack:
    batch_id: str
    entry_ids: tuple[str, ...]


def encode_batch(batch_id: str, edge_id: str, entries: Sequence[OutboxEntry]) -> bytes:
    """The batch as UTF-8 JSON; each stored payload is embedded as it is (not re-encoded)."""
    parts = [
        f'{{"id":{json.dumps(e.entry_id)},"kind":{json.dumps(str(e.kind))},'
        f'"priority":{int(e.priority)},"created_at":{json.dumps(_iso(e.created_at))},'
        f'"payload":{e.payload}}}'
        for e in entries
    ]
    head = (
        f'{{"v":{VERSION},"batch_id":{json.dumps(batch_id)},'
        f'"edge_id":{json.dumps(edge_id)},"entries":['
    )
    return (head + ",".join(parts) + "]}").encode("utf-8")


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
    return ReceivedEntry(entry_id, kind, priority, created_at, item, raw["payload"])


def decode_batch(data: bytes) -> Batch:
    """A batch from the wire; ``CodecError`` when anything in it is off."""
    document = _version(load_json(data, "batch"), {"v", "batch_id", "edge_id", "entries"}, "batch")
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
