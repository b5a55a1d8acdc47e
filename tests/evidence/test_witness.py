"""Rollback protection: a ledger cut back to an earlier signed head is caught by a witness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kordon.evidence.entry import EntryKind
from kordon.evidence.errors import LedgerIntegrityError, LedgerRollbackError, WitnessError
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.evidence.verify import verify_ledger
from kordon.evidence.witness import FileWitness, WitnessedHead

from .helpers import at, build_ledger, ledger_lines, write_lines


@pytest.fixture
def signer() -> Signer:
    return Signer.generate()


def _witness(tmp_path: Path) -> FileWitness:
    return FileWitness(tmp_path / "ledger-witness.json")


def _cut_back_to_previous_head(directory: Path) -> int:
    """Drop the last tree head and every entry after the one before it; its size."""
    heads = (directory / "tree_heads.jsonl").read_bytes().splitlines(keepends=True)
    previous = json.loads(heads[-2])["tree_size"]
    write_lines(directory, heads[:-1], "tree_heads.jsonl")
    write_lines(directory, ledger_lines(directory)[:previous])
    return int(previous)


def test_a_ledger_cut_back_to_an_earlier_head_is_caught_by_the_witness(
    tmp_path: Path, signer: Signer
) -> None:
    directory = tmp_path / "ledger"
    witness = _witness(tmp_path)
    with Ledger(directory, signer, tree_head_every=0, witnesses=[witness]) as ledger:
        for i in range(30):
            ledger.append(EntryKind.AUDIT, "alice", time=at(i), payload={"i": i})
            if i % 10 == 9:
                ledger.sign_tree_head(at(i))
    held = FileWitness(witness.path).load()
    assert held is not None
    assert held.tree_size == 30
    assert _cut_back_to_previous_head(directory) == 20
    # the files alone still verify: this is the blind spot the witness closes
    assert verify_ledger(directory).ok
    report = verify_ledger(directory, witnessed=[WitnessedHead(witness.name, held)])
    assert [i.message for i in report.issues] == [
        f"rollback: {witness.name} holds a signed tree head at size 30, but the ledger has "
        "only 20 entries (entries 20..29 were cut off)"
    ]
    with pytest.raises(LedgerRollbackError, match=r"rollback: .* only 20 entries"):
        Ledger(directory, signer, witnesses=[FileWitness(witness.path)]).open()
    assert FileWitness(witness.path).load() == held  # the refused open left the witness alone


def test_a_rewritten_ledger_of_the_same_length_is_caught(tmp_path: Path, signer: Signer) -> None:
    directory = tmp_path / "ledger"
    witness = _witness(tmp_path)
    build_ledger(directory, signer, count=20, every=10)
    with Ledger(directory, signer, witnesses=[witness]):
        pass  # a witness that lags behind is brought up to the latest head at open
    held = FileWitness(witness.path).load()
    assert held is not None
    assert held.tree_size == 20
    forged = tmp_path / "forged"
    with Ledger(forged, signer, tree_head_every=10) as ledger:  # the key is on the same disk
        for i in range(20):
            ledger.append(EntryKind.AUDIT, "mallory", time=at(i), payload={"i": i})
    for name in ("ledger.jsonl", "tree_heads.jsonl"):
        (directory / name).write_bytes((forged / name).read_bytes())
    assert verify_ledger(directory).ok
    report = verify_ledger(directory, witnessed=[WitnessedHead("w", held)])
    assert [i.message for i in report.issues] == [
        "rewrite: w holds a signed tree head at size 20, but the ledger's first 20 entries "
        "have a different root (entries were replaced)"
    ]
    with pytest.raises(LedgerRollbackError, match="rewrite"):
        Ledger(directory, signer, witnesses=[FileWitness(witness.path)]).open()


def test_a_deleted_ledger_is_caught(tmp_path: Path, signer: Signer) -> None:
    witness = _witness(tmp_path)
    build_ledger(tmp_path / "ledger", signer, count=12, every=4)
    with Ledger(tmp_path / "ledger", signer, witnesses=[witness]):
        pass
    held = witness.load()
    assert held is not None
    for path in (tmp_path / "ledger").glob("*.jsonl"):
        path.unlink()
    report = verify_ledger(tmp_path / "ledger", witnessed=[WitnessedHead("w", held)])
    assert [i.message for i in report.issues] == [
        f"not found in {tmp_path / 'ledger'}",
        "rollback: the ledger is gone but w holds a head at size 12",
    ]
    with pytest.raises(LedgerRollbackError, match="only 0 entries"):
        Ledger(tmp_path / "ledger", signer, witnesses=[FileWitness(witness.path)]).open()


def test_a_growing_ledger_keeps_the_witness_current(tmp_path: Path, signer: Signer) -> None:
    witness = _witness(tmp_path)
    with Ledger(tmp_path / "ledger", signer, tree_head_every=5, witnesses=[witness]) as ledger:
        for i in range(12):
            ledger.append(EntryKind.AUDIT, "a", time=at(i))
        assert witness.load() is None  # heads signed inside appends are not witnessed...
        head = ledger.sign_tree_head(at(20))
    assert FileWitness(witness.path).load() == head  # ...an explicit signature is
    with Ledger(tmp_path / "ledger", signer, witnesses=[FileWitness(witness.path)]) as again:
        assert again.size == 12  # reopening an intact ledger is fine
    report = verify_ledger(tmp_path / "ledger", witnessed=[WitnessedHead("w", head)])
    assert report.ok, report.render()


def test_the_file_witness_never_goes_back(tmp_path: Path, signer: Signer) -> None:
    witness = _witness(tmp_path)
    with Ledger(tmp_path / "ledger", signer, tree_head_every=0) as ledger:
        ledger.append(EntryKind.AUDIT, "a", time=at(0))
        small = ledger.sign_tree_head(at(1))
        ledger.append(EntryKind.AUDIT, "a", time=at(2))
        large = ledger.sign_tree_head(at(3))
    witness.record(large)
    with pytest.raises(WitnessError, match=r"holds a head at size 2; refusing .* size 1"):
        FileWitness(witness.path).record(small)
    assert witness.load() == large
    assert not list(tmp_path.glob(".ledger-witness.json.*"))  # no temporary file left


def test_an_altered_witness_is_refused_not_believed(tmp_path: Path, signer: Signer) -> None:
    witness = _witness(tmp_path)
    build_ledger(tmp_path / "ledger", signer, count=10, every=5)
    with Ledger(tmp_path / "ledger", signer, witnesses=[witness]):
        pass
    text = witness.path.read_text(encoding="utf-8")
    witness.path.write_text(text.replace('"tree_size":10', '"tree_size":9'), encoding="utf-8")
    forged = FileWitness(witness.path).load()
    assert forged is not None
    report = verify_ledger(tmp_path / "ledger", witnessed=[WitnessedHead("w", forged)])
    assert [i.message for i in report.issues] == [
        "w holds a signed tree head at size 9 whose signature does not verify with a site key "
        "(witness altered?)"
    ]
    witness.path.write_text(text[:40], encoding="utf-8")
    with pytest.raises(WitnessError, match="damaged or altered"):
        FileWitness(witness.path).load()
    with pytest.raises(LedgerIntegrityError, match="damaged or altered"):
        Ledger(tmp_path / "ledger", signer, witnesses=[FileWitness(witness.path)]).open()


def test_verification_without_a_witness_says_what_it_cannot_tell(
    tmp_path: Path, signer: Signer
) -> None:
    build_ledger(tmp_path, signer, count=3, every=0)
    report = verify_ledger(tmp_path)
    assert report.ok
    assert any("no tree-head witness given" in note for note in report.notes)
