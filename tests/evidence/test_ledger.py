"""The ledger: appends, reopening, proofs, tree heads, crash recovery."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from kordon.evidence.entry import EntryDraft, EntryKind
from kordon.evidence.errors import EntryError, LedgerError, LedgerIntegrityError
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.evidence.merkle import verify_consistency, verify_inclusion
from kordon.evidence.verify import verify_ledger

from .helpers import at, build_ledger, ledger_lines, write_lines


@pytest.fixture
def signer() -> Signer:
    return Signer.generate()


def test_append_reopen_and_read_back(tmp_path: Path, signer: Signer) -> None:
    with Ledger(tmp_path, signer) as ledger:
        first = ledger.append(EntryKind.SEGMENT, "cam-1", time=at(0), sha256="ab" * 32,
                              payload={"path": "cam-1/0001.ts", "size_bytes": 1234})  # fmt: skip
        ledger.append(EntryKind.AUDIT, "alice", time=at(1), payload={"action": "login"})
        root = ledger.root()
    with Ledger(tmp_path, signer) as again:
        assert again.size == 2
        assert again.root() == root
        assert again.entry(0) == first
        assert again.entry(1).payload == {"action": "login"}
        with pytest.raises(LedgerError, match="entry 2 does not exist"):
            again.entry(2)


def test_tree_heads_are_signed_every_n_and_on_demand(tmp_path: Path, signer: Signer) -> None:
    build_ledger(tmp_path, signer, count=25, every=10)
    with Ledger(tmp_path, signer, tree_head_every=10) as ledger:
        assert [h.tree_size for h in ledger.tree_heads()] == [10, 20]
        head = ledger.sign_tree_head(at(100))
        assert head.tree_size == 25
        assert head.signature_valid(signer.verifier)
        assert ledger.latest_tree_head() == head
        assert head.root == ledger.root()


def test_proofs_from_the_ledger_verify(tmp_path: Path, signer: Signer) -> None:
    build_ledger(tmp_path, signer, count=37)
    with Ledger(tmp_path, signer) as ledger:
        proof = ledger.inclusion_proof(17, 30)
        leaf = ledger.entry(17).leaf_hash()
        assert verify_inclusion(leaf, 17, 30, proof.path, ledger.root(30))
        cons = ledger.consistency_proof(20, 37)
        assert verify_consistency(20, 37, ledger.root(20), ledger.root(37), cons.path)
        with pytest.raises(LedgerError, match="no inclusion proof for entry 40"):
            ledger.inclusion_proof(40, 37)


def test_append_many_is_one_batch(tmp_path: Path, signer: Signer) -> None:
    drafts = [EntryDraft(EntryKind.CLIP, "cam-2", at(i), payload={"n": i}) for i in range(5)]
    with Ledger(tmp_path, signer) as ledger:
        entries = ledger.append_many(drafts)
        assert [e.seq for e in entries] == [0, 1, 2, 3, 4]
        bad = [*drafts, EntryDraft(EntryKind.CLIP, "", at(9))]
        with pytest.raises(EntryError, match="subject"):
            ledger.append_many(bad)
        assert ledger.size == 5  # nothing of the bad batch was written
    assert len(ledger_lines(tmp_path)) == 5


def test_concurrent_appends_keep_a_dense_sequence(tmp_path: Path, signer: Signer) -> None:
    with Ledger(tmp_path, signer, tree_head_every=7) as ledger:

        def worker(n: int) -> None:
            for i in range(25):
                ledger.append(EntryKind.AUDIT, f"t{n}", time=at(i))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert ledger.size == 100
    report = verify_ledger(tmp_path, signer.verifier)
    assert report.ok, report.render()


def test_bad_input_is_rejected_with_clear_errors(tmp_path: Path, signer: Signer) -> None:
    ledger = Ledger(tmp_path, signer)
    with pytest.raises(LedgerError, match="not open"):
        ledger.append(EntryKind.AUDIT, "alice", time=at(0))
    with ledger:
        with pytest.raises(EntryError, match="timezone-aware"):
            ledger.append(EntryKind.AUDIT, "alice", time=at(0).replace(tzinfo=None))
        with pytest.raises(EntryError, match="sha256"):
            ledger.append(EntryKind.CLIP, "cam", time=at(0), sha256="XYZ")
        with pytest.raises(EntryError, match="more than the 65536 allowed"):
            ledger.append(EntryKind.AUDIT, "alice", time=at(0), payload={"x": "a" * 70000})
        with pytest.raises(EntryError, match="canonical JSON"):
            ledger.append(EntryKind.AUDIT, "alice", time=at(0), payload={"x": float("nan")})
        with pytest.raises(LedgerError, match="open in another process"):
            Ledger(tmp_path, signer).open()
        assert ledger.size == 0


def test_partial_last_line_is_quarantined_and_the_rest_kept(tmp_path: Path, signer: Signer) -> None:
    build_ledger(tmp_path, signer, count=12, every=10)
    lines = ledger_lines(tmp_path)
    whole = b"".join(lines)
    write_lines(tmp_path, [whole, lines[-1][:37]])  # a crash in the middle of entry 12
    with Ledger(tmp_path, signer) as ledger:
        report = ledger.open_report
        assert ledger.size == 12
        assert len(report.quarantined) == 1
        tail = report.quarantined[0]
        assert (tail.file, tail.line_number, tail.size_bytes) == ("ledger.jsonl", 13, 37)
        assert tail.moved_to.read_bytes() == lines[-1][:37]
        ledger.append(EntryKind.AUDIT, "bob", time=at(99))
    assert (tmp_path / "ledger.jsonl").read_bytes().startswith(whole)
    report_v = verify_ledger(tmp_path, signer.verifier)
    assert report_v.ok, report_v.render()
    assert any("quarantined" in note for note in report_v.notes)


def test_complete_entry_missing_only_its_newline_is_kept(tmp_path: Path, signer: Signer) -> None:
    build_ledger(tmp_path, signer, count=5, every=0)
    data = (tmp_path / "ledger.jsonl").read_bytes()
    (tmp_path / "ledger.jsonl").write_bytes(data[:-1])
    with Ledger(tmp_path, signer) as ledger:
        assert ledger.open_report.repaired_newline
        assert ledger.open_report.quarantined == ()
        assert ledger.size == 5
    assert (tmp_path / "ledger.jsonl").read_bytes() == data


def test_partial_tree_head_line_is_quarantined(tmp_path: Path, signer: Signer) -> None:
    build_ledger(tmp_path, signer, count=20, every=10)
    heads = (tmp_path / "tree_heads.jsonl").read_bytes()
    (tmp_path / "tree_heads.jsonl").write_bytes(heads[:-20])
    with Ledger(tmp_path, signer) as ledger:
        assert [q.file for q in ledger.open_report.quarantined] == ["tree_heads.jsonl"]
        assert [h.tree_size for h in ledger.tree_heads()] == [10]


def test_opening_an_edited_ledger_fails_naming_the_line(tmp_path: Path, signer: Signer) -> None:
    build_ledger(tmp_path, signer, count=10, every=5)
    lines = ledger_lines(tmp_path)
    record = json.loads(lines[3])
    record["entry"]["payload"]["action"] = "delete"
    lines[3] = json.dumps(record, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    write_lines(tmp_path, lines)
    with pytest.raises(LedgerIntegrityError, match="line 4: entry 3 does not match"):
        Ledger(tmp_path, signer).open()
    # the failed open released its lock
    with pytest.raises(LedgerIntegrityError):
        Ledger(tmp_path, signer).open()


def test_stored_public_key_must_match_signer(tmp_path: Path, signer: Signer) -> None:
    build_ledger(tmp_path, signer, count=3)
    key_file = tmp_path / "public_keys" / f"{signer.key_id}.pem"
    assert key_file.read_bytes() == signer.public_pem()
    key_file.write_bytes(Signer.generate().public_pem())
    with pytest.raises(LedgerIntegrityError, match="does not hold the signer's public key"):
        Ledger(tmp_path, signer).open()
