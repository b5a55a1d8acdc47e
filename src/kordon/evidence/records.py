"""The on-disk line formats of ``ledger.jsonl`` and ``tree_heads.jsonl``."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import ValidationError

from kordon.evidence.canonical import canonical_json
from kordon.evidence.entry import LedgerEntry
from kordon.evidence.errors import EntryError
from kordon.evidence.tree_head import SignedTreeHead

LEDGER_FILE = "ledger.jsonl"
TREE_HEADS_FILE = "tree_heads.jsonl"
PUBLIC_KEYS_DIR = "public_keys"
QUARANTINE_DIR = "quarantine"
LOCK_FILE = "ledger.lock"


def encode_entry_line(entry: LedgerEntry) -> bytes:
    """``{"entry":<canonical entry>,"leaf":"<hex leaf hash>"}`` and a newline.

    The line is itself canonical JSON, and the entry's canonical bytes appear in it
    verbatim, so the leaf hash can be recomputed from the line alone.
    """
    return canonical_json({"entry": entry.to_json_dict(), "leaf": entry.leaf_hash().hex()}) + b"\n"


@dataclass(frozen=True)
class DecodedEntryLine:
    entry: LedgerEntry
    stored_leaf_hex: str
    computed_leaf: bytes
    canonical: bool
    """False when the line's bytes are not the canonical encoding of what it says."""

    @property
    def leaf_matches(self) -> bool:
        return self.stored_leaf_hex == self.computed_leaf.hex()


def decode_entry_line(data: bytes) -> DecodedEntryLine:
    """Decode one ledger line (without newline); :class:`EntryError` says what is wrong."""
    try:
        obj = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EntryError(f"not valid JSON ({exc})") from exc
    if not isinstance(obj, dict) or set(obj) != {"entry", "leaf"}:
        raise EntryError('not a ledger record: expected exactly the keys "entry" and "leaf"')
    leaf = obj["leaf"]
    if not isinstance(leaf, str):
        raise EntryError('"leaf" is not a string')
    entry = LedgerEntry.parse(obj["entry"])
    canonical = canonical_json(obj) == data and encode_entry_line(entry) == data + b"\n"
    return DecodedEntryLine(entry, leaf, entry.leaf_hash(), canonical)


def encode_tree_head_line(head: SignedTreeHead) -> bytes:
    return head.canonical_bytes() + b"\n"


def decode_tree_head_line(data: bytes) -> SignedTreeHead:
    """Decode one tree-head line; reject anything that is not its canonical encoding."""
    try:
        head = SignedTreeHead.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "tree head"
        raise EntryError(f"invalid tree head: {where}: {first['msg']}") from exc
    if head.canonical_bytes() != data:
        raise EntryError("tree head is not in canonical form (altered by hand?)")
    return head
