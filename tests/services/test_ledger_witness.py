"""The database witness and the ledger service's refusal of a ledger cut back behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from kordon.evidence.entry import EntryKind
from kordon.evidence.errors import LedgerRollbackError, WitnessError
from kordon.evidence.keys import Signer
from kordon.evidence.tree_head import SignedTreeHead
from kordon.evidence.witness import WITNESS_FILE
from kordon.services.ledger_witness import (
    DatabaseWitness,
    WitnessUnavailableError,
    witnessed_in_database,
)
from kordon.store import Store
from kordon.video.source.clock import FakeClock
from tests.services.ledger_support import running_ledger

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _head(signer: Signer, size: int) -> SignedTreeHead:
    return SignedTreeHead.create(
        tree_size=size, root=bytes([size]) * 32, time=T0 + timedelta(seconds=size), signer=signer
    )


def test_the_database_keeps_the_latest_head_exactly_and_never_goes_back(store: Store) -> None:
    signer = Signer.generate()
    witness = DatabaseWitness(lambda: store.sessions)
    assert witness.load() is None
    witness.record(_head(signer, 5))
    witness.record(_head(signer, 9))
    held = witness.load()
    assert held == _head(signer, 9)
    assert held is not None
    assert held.signature_valid(signer.verifier)  # time and fields survive the round trip
    with pytest.raises(WitnessError, match=r"holds a head at size 9; refusing .* size 4"):
        witness.record(_head(signer, 4))
    assert witness.load() == _head(signer, 9)
    assert witnessed_in_database(store.url) == _head(signer, 9)


def test_an_altered_database_row_is_reported(store: Store) -> None:
    witness = DatabaseWitness(lambda: store.sessions)
    witness.record(_head(Signer.generate(), 3))
    with store.sessions.begin() as session:
        session.execute(text("UPDATE ledger_witness SET root_sha256 = 'not hex'"))
    with pytest.raises(WitnessError, match="damaged or altered"):
        witness.load()


def test_an_unreachable_database_is_unavailable_not_altered(tmp_path: Path) -> None:
    with pytest.raises(WitnessUnavailableError, match="no database file"):
        witnessed_in_database(f"sqlite:///{tmp_path / 'none.db'}")
    assert not (tmp_path / "none.db").exists()  # the check created nothing


def _cut_back(data_dir: Path, size: int) -> None:
    ledger = data_dir / "ledger" / "ledger.jsonl"
    ledger.write_bytes(b"".join(ledger.read_bytes().splitlines(keepends=True)[:size]))
    heads = data_dir / "ledger" / "tree_heads.jsonl"
    kept = [h for h in heads.read_bytes().splitlines(keepends=True) if b'"tree_size":20,' not in h]
    heads.write_bytes(b"".join(kept))


def test_start_refuses_a_ledger_cut_back_behind_the_database_witness(
    store: Store, tmp_path: Path
) -> None:
    clock = FakeClock(T0)
    with running_ledger(tmp_path, clock, database=lambda: store.sessions) as service:
        for i in range(20):
            service.append(EntryKind.AUDIT, "alice", payload={"i": i})
            if i == 9:
                service.ledger.sign_tree_head(clock.now())
    held = DatabaseWitness(lambda: store.sessions).load()
    assert held is not None
    assert held.tree_size == 20  # signed at stop, witnessed in the database
    _cut_back(tmp_path, 10)
    (tmp_path / WITNESS_FILE).unlink()  # the file witness is on the same disk: gone too
    with (
        pytest.raises(LedgerRollbackError, match=r"database witness .* only 10 entries"),
        running_ledger(tmp_path, clock, database=lambda: store.sessions),
    ):
        pass
    assert DatabaseWitness(lambda: store.sessions).load() == held  # nothing signed over it
