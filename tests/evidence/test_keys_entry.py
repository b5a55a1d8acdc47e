"""Signing keys, entry encoding and tree-head signatures."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from kordon.evidence.entry import EntryDraft, EntryKind, LedgerEntry
from kordon.evidence.errors import EntryError, KeyFileError
from kordon.evidence.keys import KEY_FILE, Signer, Verifier, fingerprint
from kordon.evidence.tree_head import SignedTreeHead

from .helpers import at


def test_key_is_created_private_and_reloaded(tmp_path: Path) -> None:
    signer = Signer.load_or_create(tmp_path)
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Signer.load_or_create(tmp_path).key_id == signer.key_id
    assert signer.key_id == hashlib.sha256(signer.verifier.raw).hexdigest()
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_existing_key_is_never_overwritten(tmp_path: Path) -> None:
    first = Signer.load_or_create(tmp_path)
    Signer.generate().save(tmp_path / KEY_FILE)
    assert Signer.load(tmp_path / KEY_FILE).key_id == first.key_id


def test_readable_key_file_is_refused(tmp_path: Path) -> None:
    Signer.load_or_create(tmp_path)
    (tmp_path / KEY_FILE).chmod(0o644)
    with pytest.raises(KeyFileError, match="mode 0644"):
        Signer.load(tmp_path / KEY_FILE)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"junk", "not an unencrypted PEM private key"), (None, "cannot read signing key")],
)
def test_bad_key_files(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "k.pem"
    if content is not None:
        path.write_bytes(content)
        path.chmod(0o600)
    with pytest.raises(KeyFileError, match=message):
        Signer.load(path)


def test_verifier_round_trips_and_rejects_bad_keys() -> None:
    signer = Signer.generate()
    verifier = Verifier.from_pem(signer.public_pem())
    assert verifier.key_id == Verifier.from_raw(signer.verifier.raw).key_id == signer.key_id
    assert verifier.verify(signer.sign(b"data"), b"data")
    assert not verifier.verify(signer.sign(b"data"), b"datA")
    with pytest.raises(KeyFileError, match="32 bytes"):
        Verifier.from_raw(b"short")
    with pytest.raises(KeyFileError, match="not a PEM public key"):
        Verifier.from_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


def test_fingerprint_groups_hex() -> None:
    assert fingerprint("ab" * 32) == " ".join(["ABAB"] * 16)


def test_entry_canonical_encoding_is_exact() -> None:
    entry = EntryDraft(
        EntryKind.SEGMENT,
        "cam-1",
        at(0.5),
        sha256="0f" * 32,
        payload={"size_bytes": 10, "path": "cam-1/a.ts", "note": "ü"},
    ).build(7)
    expected = (
        '{"kind":"segment","payload":{"note":"ü","path":"cam-1/a.ts","size_bytes":10},'
        '"seq":7,"sha256":"' + "0f" * 32 + '","subject":"cam-1",'
        '"time":"2024-05-01T12:00:00.500000Z"}'
    ).encode()
    assert entry.canonical_bytes() == expected
    assert LedgerEntry.parse(json.loads(expected)) == entry


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"seq": -1}, "seq"),
        ({"kind": "bogus"}, "kind"),
        ({"subject": ""}, "subject"),
        ({"sha256": "AB" * 32}, "sha256"),
        ({"time": "2024-05-01T12:00:00"}, "timezone-aware"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_entries_name_the_field(fields: dict[str, object], message: str) -> None:
    data: dict[str, object] = {
        "seq": 0,
        "time": "2024-05-01T12:00:00.000000Z",
        "kind": "audit",
        "subject": "alice",
        "sha256": None,
        "payload": {},
    }
    data.update(fields)
    with pytest.raises(EntryError, match=message):
        LedgerEntry.parse(data)


def test_tree_head_signature_covers_every_field() -> None:
    signer = Signer.generate()
    head = SignedTreeHead.create(tree_size=5, root=b"\x07" * 32, time=at(1), signer=signer)
    assert head.signature_valid(signer.verifier)
    for change in ({"tree_size": 6}, {"root_sha256": "08" * 32}, {"time": at(2)}):
        assert not head.model_copy(update=change).signature_valid(signer.verifier)
    assert not head.signature_valid(Signer.generate().verifier)
