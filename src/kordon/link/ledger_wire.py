"""What travels when an edge ships its evidence ledger: a run of entries, and the ack.

Ledger batch (edge → centre, ``<root>/<edge>/ledger``)::

    {"v": 1, "batch_id": "...", "edge_id": "...", "start": 120,
     "entries": [{"seq": 120, "kind": "audit", "leaf": "<hex>", "entry": {...}},
                 {"seq": 121, "kind": "segment", "leaf": "<hex>", "entry": null}],
     "heads": [{<signed tree head>}], "keys": {"<key id>": "<public key PEM>"}}

The entries are consecutive from ``start``; each carries its RFC 6962 leaf hash and, for
the kinds in :data:`SHIPPED_IN_FULL`, the entry itself (its leaf hash is recomputed here:
an entry that does not hash to its leaf, or names another seq or kind, is refused). The
heads are the edge's signed tree heads that fall within the run, and its latest; ``keys``
holds the public key of every key id a head names.

Ledger ack (centre → edge, ``<root>/<edge>/ledger_ack``), sent after the centre's commit::

    {"v": 1, "batch_id": "...", "acked_size": 121}

``acked_size``: the centre holds entries ``0..acked_size-1``. After a gap the centre sends
its own (smaller) size, so the edge goes back and sends again from there.

Parsing is strict; a :class:`~kordon.link.errors.CodecError` says what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue

from kordon.evidence.canonical import canonical_json
from kordon.evidence.entry import EntryKind as LedgerKind
from kordon.evidence.entry import LedgerEntry
from kordon.evidence.errors import EntryError, KeyFileError
from kordon.evidence.keys import Verifier
from kordon.evidence.tree_head import SignedTreeHead
from kordon.link.codec import dump_json, load_json
from kordon.link.errors import CodecError

VERSION = 1
MAX_ENTRIES = 10_000
MAX_HEADS = 16
MAX_KEYS = 4
SHIPPED_IN_FULL = frozenset(
    {
        LedgerKind.AUDIT,
        LedgerKind.EXPORT,
        LedgerKind.HOLD,
        LedgerKind.RELEASE,
        LedgerKind.DELETION,
        LedgerKind.KEY_ROTATION,
    }
)
"""Kinds whose entries travel whole: operator actions and what happened to evidence. The
others (segments, clips, snapshots) travel as their leaf hash: enough to check the tree."""

_HEX64 = re.compile(r"[0-9a-f]{64}")
_BATCH_KEYS = {"v", "batch_id", "edge_id", "start", "entries", "heads", "keys"}
_ENTRY_KEYS = {"seq", "kind", "leaf", "entry"}


@dataclass(frozen=True, slots=True)
class ShippedEntry:
    seq: int
    kind: LedgerKind
    leaf: bytes
    entry: LedgerEntry | None
    """The whole entry for :data:`SHIPPED_IN_FULL` kinds, else ``None``."""

    @classmethod
    def of(cls, entry: LedgerEntry) -> ShippedEntry:
        full = entry if entry.kind in SHIPPED_IN_FULL else None
        return cls(entry.seq, entry.kind, entry.leaf_hash(), full)


@dataclass(frozen=True, slots=True)
class LedgerBatch:
    batch_id: str
    edge_id: str
    start: int
    entries: tuple[ShippedEntry, ...]
    heads: tuple[SignedTreeHead, ...]
    keys: Mapping[str, Verifier]

    @property
    def end(self) -> int:
        """One past the last entry's seq."""
        return self.start + len(self.entries)


@dataclass(frozen=True, slots=True)
class LedgerAck:
    batch_id: str
    acked_size: int


def _entry_document(item: ShippedEntry) -> dict[str, JsonValue]:
    return {
        "seq": item.seq,
        "kind": str(item.kind),
        "leaf": item.leaf.hex(),
        "entry": None if item.entry is None else item.entry.to_json_dict(),
    }


def encode_ledger_batch(
    batch_id: str,
    edge_id: str,
    entries: Sequence[ShippedEntry],
    heads: Sequence[SignedTreeHead],
    keys: Sequence[Verifier],
) -> bytes:
    if not entries:
        raise ValueError("a ledger batch has at least one entry")
    document: dict[str, JsonValue] = {
        "v": VERSION,
        "batch_id": batch_id,
        "edge_id": edge_id,
        "start": entries[0].seq,
        "entries": [_entry_document(item) for item in entries],
        "heads": [head.to_json_dict() for head in heads],
        "keys": {key.key_id: key.public_pem().decode("ascii") for key in keys},
    }
    return dump_json(document).encode("utf-8")


def _text(value: Any, name: str, max_len: int) -> str:
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise CodecError(f"{name} must be a non-empty string of at most {max_len} characters")
    return value


def _index(value: Any, name: str) -> int:
    if type(value) is not int or value < 0:
        raise CodecError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _shipped(raw: Any, expected_seq: int) -> ShippedEntry:
    where = f"ledger entry {expected_seq}"
    if not isinstance(raw, dict) or set(raw) != _ENTRY_KEYS:
        raise CodecError(f"{where} must be an object with exactly the keys {sorted(_ENTRY_KEYS)}")
    seq = _index(raw["seq"], f"{where}: seq")
    if seq != expected_seq:
        raise CodecError(
            f"ledger entries must be consecutive: expected seq {expected_seq}, got {seq} "
            "(reordered or missing)"
        )
    try:
        kind = LedgerKind(raw["kind"])
    except ValueError:
        raise CodecError(f"{where}: unknown ledger entry kind {raw['kind']!r}") from None
    leaf_hex = raw["leaf"]
    if not isinstance(leaf_hex, str) or not _HEX64.fullmatch(leaf_hex):
        raise CodecError(f"{where}: leaf must be 64 lower-case hex digits")
    leaf = bytes.fromhex(leaf_hex)
    if raw["entry"] is None:
        if kind in SHIPPED_IN_FULL:
            raise CodecError(f"{where}: a {kind} entry travels whole, but it came without it")
        return ShippedEntry(seq, kind, leaf, None)
    try:
        entry = LedgerEntry.parse(raw["entry"])
    except EntryError as exc:
        raise CodecError(f"{where}: {exc}") from exc
    if entry.seq != seq or entry.kind is not kind:
        raise CodecError(
            f"{where}: the entry says seq {entry.seq}, kind {entry.kind} (forged or misplaced)"
        )
    if entry.leaf_hash() != leaf:
        raise CodecError(f"{where}: the entry does not hash to its leaf (forged or altered)")
    return ShippedEntry(seq, kind, leaf, entry)


def _head(raw: Any, index: int) -> SignedTreeHead:
    try:
        head = SignedTreeHead.model_validate_json(canonical_json(raw))
    except (ValueError, EntryError) as exc:  # pydantic's ValidationError is a ValueError
        raise CodecError(f"tree head {index} is invalid: {str(exc)[:300]}") from None
    return head


def _keys(raw: Any) -> dict[str, Verifier]:
    if not isinstance(raw, dict) or len(raw) > MAX_KEYS:
        raise CodecError(f"keys must be an object of at most {MAX_KEYS} public keys")
    keys: dict[str, Verifier] = {}
    for key_id, pem in raw.items():
        try:
            verifier = Verifier.from_pem(_text(pem, f"key {key_id}", 1_000).encode("ascii"))
        except (KeyFileError, UnicodeEncodeError, ValueError) as exc:
            raise CodecError(f"key {key_id!r} is not a public key PEM: {exc}") from None
        if verifier.key_id != key_id:
            raise CodecError(f"key {key_id!r} is listed under another key's id")
        keys[key_id] = verifier
    return keys


def decode_ledger_batch(data: bytes) -> LedgerBatch:
    """A ledger batch from the wire: consecutive entries, each whole one matching its leaf,
    every head signed by a key it carries. ``CodecError`` when anything is off."""
    document = load_json(data, "ledger batch")
    if not isinstance(document, dict) or set(document) != _BATCH_KEYS:
        raise CodecError(f"a ledger batch must be an object with exactly {sorted(_BATCH_KEYS)}")
    if document["v"] != VERSION or type(document["v"]) is not int:
        raise CodecError(f"unknown ledger batch version {document['v']!r} (reads {VERSION})")
    start = _index(document["start"], "start")
    raw_entries = document["entries"]
    if not isinstance(raw_entries, list) or not 1 <= len(raw_entries) <= MAX_ENTRIES:
        raise CodecError(f"ledger batch entries must be a list of 1 to {MAX_ENTRIES}")
    entries = tuple(_shipped(raw, start + i) for i, raw in enumerate(raw_entries))
    raw_heads = document["heads"]
    if not isinstance(raw_heads, list) or len(raw_heads) > MAX_HEADS:
        raise CodecError(f"heads must be a list of at most {MAX_HEADS} signed tree heads")
    heads = tuple(_head(raw, i) for i, raw in enumerate(raw_heads))
    keys = _keys(document["keys"])
    for head in heads:
        verifier = keys.get(head.key_id)
        if verifier is None:
            raise CodecError(f"tree head at size {head.tree_size} names a key not in the batch")
        if not head.signature_valid(verifier):
            raise CodecError(f"tree head at size {head.tree_size}: signature does not verify")
    return LedgerBatch(
        batch_id=_text(document["batch_id"], "batch_id", 64),
        edge_id=_text(document["edge_id"], "edge_id", 128),
        start=start,
        entries=entries,
        heads=heads,
        keys=keys,
    )


def encode_ledger_ack(ack: LedgerAck) -> bytes:
    document = {"v": VERSION, "batch_id": ack.batch_id, "acked_size": ack.acked_size}
    return dump_json(document).encode("utf-8")


def decode_ledger_ack(data: bytes) -> LedgerAck:
    document = load_json(data, "ledger ack")
    keys = {"v", "batch_id", "acked_size"}
    if not isinstance(document, dict) or set(document) != keys:
        raise CodecError(f"a ledger ack must be an object with exactly {sorted(keys)}")
    if document["v"] != VERSION or type(document["v"]) is not int:
        raise CodecError(f"unknown ledger ack version {document['v']!r} (reads {VERSION})")
    return LedgerAck(
        batch_id=_text(document["batch_id"], "batch_id", 64),
        acked_size=_index(document["acked_size"], "acked_size"),
    )
