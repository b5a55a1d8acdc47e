"""Tamper detection: every kind of change to a ledger is found and located."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.evidence.merkle import leaf_hash
from kordon.evidence.tree_head import SignedTreeHead
from kordon.evidence.verify import VerificationReport, verify_ledger

from .helpers import build_ledger, ledger_lines, write_lines


@pytest.fixture
def signer() -> Signer:
    return Signer.generate()


@pytest.fixture
def ledger_dir(tmp_path: Path, signer: Signer) -> Path:
    """50 entries, tree heads at 10, 20, 30, 40 and 50."""
    build_ledger(tmp_path, signer, count=50, every=10)
    return tmp_path


def messages(report: VerificationReport) -> list[str]:
    return [issue.message for issue in report.issues]


def edit_payload(line: bytes, *, fix_leaf: bool) -> bytes:
    record = json.loads(line)
    record["entry"]["payload"]["action"] = "export"
    canon = json.dumps(record["entry"], sort_keys=True, separators=(",", ":")).encode()
    if fix_leaf:
        record["leaf"] = leaf_hash(canon).hex()
    return json.dumps(record, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def test_untouched_ledger_verifies(ledger_dir: Path, signer: Signer) -> None:
    report = verify_ledger(ledger_dir, signer.verifier)
    assert report.ok, report.render()
    assert (report.entries, report.tree_heads) == (50, 5)
    assert "OK (50 entries, 5 signed tree heads)" in report.render()
    unpinned = verify_ledger(ledger_dir)
    assert unpinned.ok
    assert any("no public key pinned" in note for note in unpinned.notes)


def test_edited_payload_is_named(ledger_dir: Path, signer: Signer) -> None:
    lines = ledger_lines(ledger_dir)
    lines[17] = edit_payload(lines[17], fix_leaf=False)
    write_lines(ledger_dir, lines)
    report = verify_ledger(ledger_dir, signer.verifier)
    first = report.first_issue
    assert first is not None
    assert first.message == "entry 17 (line 18): leaf hash mismatch — content edited"
    assert (first.seq, first.line) == (17, 18)
    assert any("tree head at size 20: root does not match" in m for m in messages(report))
    assert "FAILED" in report.render()


def test_edit_with_rewritten_leaf_hash_is_caught_by_the_tree_head(
    ledger_dir: Path, signer: Signer
) -> None:
    lines = ledger_lines(ledger_dir)
    lines[17] = edit_payload(lines[17], fix_leaf=True)
    write_lines(ledger_dir, lines)
    report = verify_ledger(ledger_dir, signer.verifier)
    assert messages(report)[0] == (
        "line 2: tree head at size 20: root does not match entries 0..19; "
        "an entry between 10 and 19 was altered (its stored leaf hash was rewritten too)"
    )
    assert len(report.issues) == 4  # heads at 20, 30, 40 and 50 no longer reproduce


def test_deleted_entry_is_named(ledger_dir: Path, signer: Signer) -> None:
    lines = ledger_lines(ledger_dir)
    del lines[5]
    write_lines(ledger_dir, lines)
    report = verify_ledger(ledger_dir, signer.verifier)
    first = report.first_issue
    assert first is not None
    assert first.message == "entry 5 missing (sequence jumps from 4 to 6 at line 6)"
    assert first.line == 6


def test_swapped_entries_are_named(ledger_dir: Path, signer: Signer) -> None:
    lines = ledger_lines(ledger_dir)
    lines[5], lines[6] = lines[6], lines[5]
    write_lines(ledger_dir, lines)
    report = verify_ledger(ledger_dir, signer.verifier)
    assert messages(report)[0] == (
        "entries out of order: line 6 holds entry 6 where entry 5 belongs (entry 5 is at line 7)"
    )


def test_duplicated_entry_is_named(ledger_dir: Path, signer: Signer) -> None:
    lines = ledger_lines(ledger_dir)
    lines.insert(6, lines[5])
    write_lines(ledger_dir, lines)
    report = verify_ledger(ledger_dir, signer.verifier)
    assert messages(report)[0] == "entry 5 duplicated at line 7"


def test_truncation_at_a_line_boundary(ledger_dir: Path, signer: Signer) -> None:
    write_lines(ledger_dir, ledger_lines(ledger_dir)[:41])
    report = verify_ledger(ledger_dir, signer.verifier)
    assert messages(report) == [
        "line 5: file truncated after entry 40: tree head at size 50 cannot be reproduced"
    ]


def test_truncation_mid_line(ledger_dir: Path, signer: Signer) -> None:
    lines = ledger_lines(ledger_dir)
    write_lines(ledger_dir, [*lines[:45], lines[45][:30]])
    report = verify_ledger(ledger_dir, signer.verifier)
    assert messages(report) == [
        "line 46: incomplete last line (30 bytes, no newline): "
        "a crash mid-write or a truncated file",
        "line 5: file truncated after entry 44: tree head at size 50 cannot be reproduced",
    ]
    assert report.issues[0].line == 46


def head_lines(directory: Path) -> list[bytes]:
    return (directory / "tree_heads.jsonl").read_bytes().splitlines(keepends=True)


def test_forged_root_in_a_tree_head(ledger_dir: Path, signer: Signer) -> None:
    heads = head_lines(ledger_dir)
    head = SignedTreeHead.model_validate_json(heads[2])
    forged = head.model_copy(update={"root_sha256": "00" * 32})
    heads[2] = forged.canonical_bytes() + b"\n"
    write_lines(ledger_dir, heads, "tree_heads.jsonl")
    report = verify_ledger(ledger_dir, signer.verifier)
    assert messages(report)[0] == (
        "line 3: tree head at size 30: signature invalid — tree head forged or altered"
    )
    assert report.issues[0].file == "tree_heads.jsonl"


def test_replaced_signature(ledger_dir: Path, signer: Signer) -> None:
    heads = head_lines(ledger_dir)
    head = SignedTreeHead.model_validate_json(heads[0])
    other = Signer.generate().sign(head.signed_bytes()).hex()
    heads[0] = head.model_copy(update={"signature": other}).canonical_bytes() + b"\n"
    write_lines(ledger_dir, heads, "tree_heads.jsonl")
    report = verify_ledger(ledger_dir, signer.verifier)
    assert messages(report) == [
        "line 1: tree head at size 10: signature invalid — tree head forged or altered"
    ]


def test_resigned_with_another_key_fails_against_the_pinned_key(
    ledger_dir: Path, signer: Signer
) -> None:
    """An attacker edits an entry, re-signs every head with his own key and swaps the key."""
    lines = ledger_lines(ledger_dir)
    lines[3] = edit_payload(lines[3], fix_leaf=True)
    write_lines(ledger_dir, lines)
    (ledger_dir / "public_keys" / f"{signer.key_id}.pem").unlink()
    (ledger_dir / "tree_heads.jsonl").unlink()
    attacker = Signer.generate()
    with Ledger(ledger_dir, attacker, tree_head_every=0) as forged:
        forged.sign_tree_head(forged.entry(49).time)
    assert verify_ledger(ledger_dir).ok  # self-consistent without a pinned key...
    report = verify_ledger(ledger_dir, signer.verifier)  # ...but not with the site key
    assert not report.ok
    assert f"signed by key {attacker.key_id}, not a trusted key" in messages(report)[0]


def test_changed_public_key_file(ledger_dir: Path, signer: Signer) -> None:
    key_file = ledger_dir / "public_keys" / f"{signer.key_id}.pem"
    key_file.write_bytes(Signer.generate().public_pem())
    report = verify_ledger(ledger_dir)
    assert messages(report)[0].endswith("not the key its name says")
    assert report.issues[0].file == f"public_keys/{signer.key_id}.pem"
    assert len(report.issues) == 6  # and no head can be checked with it


def test_missing_ledger_is_a_failure(tmp_path: Path) -> None:
    report = verify_ledger(tmp_path / "nowhere")
    assert not report.ok
    assert "not found" in messages(report)[0]


def test_garbage_line_is_named(ledger_dir: Path, signer: Signer) -> None:
    lines = ledger_lines(ledger_dir)
    lines[8] = b'{"entry": 1}\n'
    write_lines(ledger_dir, lines)
    report = verify_ledger(ledger_dir, signer.verifier)
    first = report.first_issue
    assert first is not None
    assert first.line == 9
    assert first.message.startswith("line 9: unreadable entry: not a ledger record")
