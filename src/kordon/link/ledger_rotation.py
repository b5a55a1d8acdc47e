"""Ledger key rotation: the old key announces the new one inside the ledger itself.

An edge that replaces its ledger signing key first appends a ``key_rotation`` entry to
its ledger (:func:`rotate_ledger_key`), whose payload is a statement naming the old and
the new public key, signed by **both** keys (the old one vouches for the new one; the new
one proves it is held), and seals it with a tree head signed by the old key. Every later
head is signed by the new key. The entry is in the Merkle tree like any other, and
travels whole to the centre (``kordon.link.ledger_wire.SHIPPED_IN_FULL``).

The centre (``kordon.link.ledger_ingest``) accepts a head signed by the new key only for
a tree that contains a valid rotation from the key then in force; a head signed by any
other key is still refused (``ledger_key_changed``). A rotation that does not verify is
refused the same way, with its reason.

Payload (all hex lower case; ``old_signature`` and ``new_signature`` are Ed25519 over
``CONTEXT`` + the canonical JSON of the other five fields)::

    {"statement": "kordon-ledger-key-rotation-v1", "old_key_id": "...",
     "old_public_key": "<32 bytes>", "new_key_id": "...", "new_public_key": "<32 bytes>",
     "old_signature": "<64 bytes>", "new_signature": "<64 bytes>"}
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import JsonValue

from kordon.evidence.canonical import canonical_json
from kordon.evidence.entry import EntryKind, LedgerEntry
from kordon.evidence.errors import KeyFileError
from kordon.evidence.jsonl import fsync_dir
from kordon.evidence.keys import KEY_FILE, Signer, Verifier, key_id_of
from kordon.evidence.ledger import Ledger
from kordon.evidence.witness import WITNESS_FILE, FileWitness
from kordon.link.errors import LinkError

STATEMENT = "kordon-ledger-key-rotation-v1"
CONTEXT = b"kordon-key-rotation-v1\x00"
"""Domain separation: a rotation signature is never mistaken for a tree-head signature."""
SUBJECT = "ledger-key"

_KEYS = {
    "statement",
    "old_key_id",
    "old_public_key",
    "new_key_id",
    "new_public_key",
    "old_signature",
    "new_signature",
}
_HEX = {
    "old_key_id": 64,
    "old_public_key": 64,
    "new_key_id": 64,
    "new_public_key": 64,
    "old_signature": 128,
    "new_signature": 128,
}


class RotationError(LinkError):
    """A ``key_rotation`` entry that does not announce a new key validly."""


@dataclass(frozen=True, slots=True)
class KeyRotation:
    seq: int
    """The rotation entry's position in the ledger."""
    old_key_id: str
    new_key_id: str


def _signed_bytes(fields: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in fields.items() if k not in {"old_signature", "new_signature"}}
    return CONTEXT + canonical_json(unsigned)


def rotation_payload(old: Signer, new: Signer) -> dict[str, JsonValue]:
    """The payload of a ``key_rotation`` entry from ``old`` to ``new``."""
    if old.key_id == new.key_id:
        raise RotationError("a key rotation needs a new key, not the one in use")
    fields: dict[str, JsonValue] = {
        "statement": STATEMENT,
        "old_key_id": old.key_id,
        "old_public_key": old.verifier.raw.hex(),
        "new_key_id": new.key_id,
        "new_public_key": new.verifier.raw.hex(),
    }
    message = _signed_bytes(fields)
    fields["old_signature"] = old.sign(message).hex()
    fields["new_signature"] = new.sign(message).hex()
    return fields


def rotate_ledger_key(ledger: Ledger, old: Signer, new: Signer, *, time: datetime) -> LedgerEntry:
    """Append the rotation from ``old`` (the open ledger's signer) to ``new`` and seal it
    with a head signed by ``old``. The caller then reopens the ledger with ``new`` (and
    keeps ``new`` as the site's key); the old public key stays beside the ledger."""
    if ledger.verifier.key_id != old.key_id:
        raise RotationError("the ledger is not open with the old key")
    entry = ledger.append(
        EntryKind.KEY_ROTATION, SUBJECT, time=time, payload=rotation_payload(old, new)
    )
    ledger.sign_tree_head(time)
    return entry


@dataclass(frozen=True, slots=True)
class SiteRotation:
    entry: LedgerEntry | None
    """The rotation entry appended now; ``None`` when an interrupted run had appended it."""
    old_key_id: str
    new_key_id: str
    retired: Path
    """Where the old private key now is (the operator destroys it once satisfied)."""


def rotate_site_key(data_dir: Path, *, time: datetime) -> SiteRotation:
    """Rotate a stopped site's ledger key: a new key is made (kept beside the current one
    as ``ledger_ed25519.next.pem`` until it is in use), announced in the ledger, then put in
    place of the old one, which moves to ``keys/retired-<key id>.pem``.

    The ledger's lock keeps a running node out. Interrupted, it is run again (before the
    node starts): it finds the pending new key and, if the ledger's last entry already
    announces it, only finishes the swap."""
    key_path = data_dir / KEY_FILE
    next_path = key_path.with_name("ledger_ed25519.next.pem")
    old = Signer.load(key_path)
    if next_path.exists():
        new = Signer.load(next_path)
    else:
        new = Signer.generate()
        new.save(next_path)
    ledger = Ledger(
        data_dir / "ledger",
        old,
        tree_head_every=0,
        witnesses=(FileWitness(data_dir / WITNESS_FILE),),
    )
    ledger.open()
    try:
        entry: LedgerEntry | None = None
        if not _announces(ledger, old.key_id, new.key_id):
            entry = rotate_ledger_key(ledger, old, new, time=time)
    finally:
        ledger.close()
    retired = key_path.with_name(f"retired-{old.key_id}.pem")
    os.replace(key_path, retired)
    os.replace(next_path, key_path)
    fsync_dir(key_path.parent)
    return SiteRotation(entry, old.key_id, new.key_id, retired)


def _announces(ledger: Ledger, old_key_id: str, new_key_id: str) -> bool:
    if ledger.size == 0:
        return False
    last = ledger.entry(ledger.size - 1)
    if last.kind is not EntryKind.KEY_ROTATION:
        return False
    try:
        rotation = read_rotation(last)
    except RotationError:
        return False
    return (rotation.old_key_id, rotation.new_key_id) == (old_key_id, new_key_id)


def read_rotation(entry: LedgerEntry) -> KeyRotation:
    """The rotation ``entry`` announces, both signatures checked; :class:`RotationError`."""
    where = f"key rotation entry {entry.seq}"
    if entry.kind is not EntryKind.KEY_ROTATION:
        raise RotationError(f"{where} is a {entry.kind} entry")
    fields = entry.payload
    if set(fields) != _KEYS or fields.get("statement") != STATEMENT:
        raise RotationError(
            f"{where}: payload must be a {STATEMENT} statement with {sorted(_KEYS)}"
        )
    for name, length in _HEX.items():
        value = fields[name]
        if not isinstance(value, str) or not re.fullmatch(f"[0-9a-f]{{{length}}}", value):
            raise RotationError(f"{where}: {name} must be {length} lower-case hex digits")
    keys: dict[str, Verifier] = {}
    for side in ("old", "new"):
        raw = bytes.fromhex(str(fields[f"{side}_public_key"]))
        if key_id_of(raw) != fields[f"{side}_key_id"]:
            raise RotationError(f"{where}: the {side} public key does not have the {side} key id")
        try:
            keys[side] = Verifier.from_raw(raw)
        except (KeyFileError, ValueError) as exc:
            raise RotationError(f"{where}: the {side} public key is not valid: {exc}") from None
    if fields["old_key_id"] == fields["new_key_id"]:
        raise RotationError(f"{where} names the same key twice")
    message = _signed_bytes(dict(fields))
    for side in ("old", "new"):
        if not keys[side].verify(bytes.fromhex(str(fields[f"{side}_signature"])), message):
            raise RotationError(f"{where}: the {side} key's signature does not verify")
    return KeyRotation(entry.seq, str(fields["old_key_id"]), str(fields["new_key_id"]))
