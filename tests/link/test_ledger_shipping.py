"""The edge's evidence ledger reaches the centre: every entry once, in order, checked.

The ledger is the outbox of audit entries: the cursor moves only on the centre's ack, so a
lost ack, a restarted edge or a replayed run sends entries again, and the centre stores
each (edge, seq) once. The centre recomputes the tree from the leaves and checks every
signed tree head against it.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from kordon.evidence.entry import EntryKind
from kordon.link.ledger_cursor import LedgerCursor
from kordon.link.ledger_ingest import stored_heads
from kordon.link.ledger_rows import EdgeLedgerEntryRow, EdgeLedgerStateRow
from kordon.link.ledger_wire import SHIPPED_IN_FULL, LedgerAck
from kordon.store import Store
from tests.link.ledger_support import (
    CENTRE_NOW,
    EDGE,
    TOPICS,
    Refusals,
    centre_receiver,
    open_ledger,
    ship_all,
    shipper,
    write_entries,
)
from tests.link.support import edge_store


def centre_entries(store: Store) -> list[EdgeLedgerEntryRow]:
    with store.sessions() as session:
        return list(
            session.scalars(
                select(EdgeLedgerEntryRow)
                .where(EdgeLedgerEntryRow.edge_id == EDGE)
                .order_by(EdgeLedgerEntryRow.seq)
            )
        )


def test_every_entry_arrives_once_in_order_and_every_head_is_checked(
    store: Store, tmp_path: Path
) -> None:
    ledger = open_ledger(tmp_path / "ledger", every=10)
    edge = edge_store(tmp_path / "edge.db")
    try:
        write_entries(ledger, 25)
        ledger.sign_tree_head(CENTRE_NOW)  # the latest head: size 25
        refusals = Refusals()
        receiver = centre_receiver(store, refusals)
        source = shipper(ledger, edge, batch_entries=7)
        assert source.waiting() == 25
        assert ship_all(source, receiver) == 4  # 7 + 7 + 7 + 4
        assert source.waiting() == 0
        assert LedgerCursor(edge, EDGE).acked_size() == 25

        rows = centre_entries(store)
        assert [r.seq for r in rows] == list(range(25))
        for row in rows:
            entry = ledger.entry(row.seq)
            assert row.kind == entry.kind
            assert row.leaf_sha256 == entry.leaf_hash().hex()
            if entry.kind in SHIPPED_IN_FULL:
                assert row.entry == entry.canonical_bytes().decode()
            else:
                assert row.entry is None
        audits = [json.loads(r.entry) for r in rows if r.kind == EntryKind.AUDIT and r.entry]
        assert [a["payload"]["action"] for a in audits][:3] == [
            "incident.ack-0",
            "incident.ack-1",
            "incident.ack-3",
        ]
        heads = stored_heads(store, EDGE)
        assert [(h.tree_size, h.verified) for h in heads] == [
            (10, True),
            (20, True),
            (25, True),
        ]
        assert {h.root_sha256 for h in heads} == {
            ledger.root(10).hex(),
            ledger.root(20).hex(),
            ledger.root(25).hex(),
        }
        assert refusals.seen == []
        assert receiver.counts().ledger_entries == 25
    finally:
        ledger.close()
        edge.close()


def test_a_lost_ack_or_a_restarted_edge_sends_again_and_nothing_doubles(
    store: Store, tmp_path: Path
) -> None:
    """The ledger append is the commit: an entry appended is shipped, whatever happens
    to the edge's process or the acks, until the centre has it."""
    signer_dir = tmp_path / "ledger"
    ledger = open_ledger(signer_dir, every=0)
    edge = edge_store(tmp_path / "edge.db")
    refusals = Refusals()
    receiver = centre_receiver(store, refusals)
    try:
        write_entries(ledger, 9)
        first = shipper(ledger, edge, batch_entries=5)
        run = first.next_run()
        assert run is not None
        ack = receiver.handle_ledger(TOPICS.ledger(EDGE), run.payload)
        assert ack == LedgerAck(run.batch_id, 5)
        # The ack is lost: the cursor stays, the same run goes again and is deduplicated.
        assert LedgerCursor(edge, EDGE).acked_size() == 0
        again = first.next_run()
        assert again is not None
        assert (again.start, again.end) == (0, 5)
        assert receiver.handle_ledger(TOPICS.ledger(EDGE), again.payload) == LedgerAck(
            again.batch_id, 5
        )
        assert first.acknowledged(LedgerAck(again.batch_id, 5))
        write_entries(ledger, 3, start=9)
    finally:
        ledger.close()
        edge.close()
    # The edge restarts: a new process opens the same database and ledger.
    edge = edge_store(tmp_path / "edge.db")
    ledger = open_ledger(signer_dir, every=0)
    try:
        restarted = shipper(ledger, edge, batch_entries=5)
        assert restarted.waiting() == 7
        assert ship_all(restarted, receiver) == 2
        assert [r.seq for r in centre_entries(store)] == list(range(12))
        counts = receiver.counts()
        assert counts.ledger_entries == 12
        assert refusals.seen == []
    finally:
        ledger.close()
        edge.close()


def test_a_gap_at_the_centre_sends_the_edge_back(store: Store, tmp_path: Path) -> None:
    """An edge whose cursor is ahead of the centre (the centre's database restored from an
    older backup) is refused with the centre's size, and sends again from there."""
    ledger = open_ledger(tmp_path / "ledger", every=0)
    edge = edge_store(tmp_path / "edge.db")
    refusals = Refusals()
    receiver = centre_receiver(store, refusals)
    try:
        write_entries(ledger, 8)
        source = shipper(ledger, edge, batch_entries=4)
        LedgerCursor(edge, EDGE).move(4, time=CENTRE_NOW)  # as if 0..3 had been acked
        run = source.next_run()
        assert run is not None
        assert run.start == 4
        rewind = receiver.handle_ledger(TOPICS.ledger(EDGE), run.payload)
        assert rewind == LedgerAck(run.batch_id, 0)
        assert refusals.reasons == ["ledger_gap"]
        assert "entries 0..3 missing" in refusals.seen[0][2]
        assert centre_entries(store) == []
        assert source.acknowledged(rewind)
        assert ship_all(source, receiver) == 2
        assert [r.seq for r in centre_entries(store)] == list(range(8))
    finally:
        ledger.close()
        edge.close()


def test_the_centre_keeps_its_merkle_state_small(store: Store, tmp_path: Path) -> None:
    ledger = open_ledger(tmp_path / "ledger", every=0)
    edge = edge_store(tmp_path / "edge.db")
    try:
        write_entries(ledger, 13)
        ship_all(shipper(ledger, edge, batch_entries=6), centre_receiver(store, Refusals()))
        with store.sessions() as session:
            state = session.get(EdgeLedgerStateRow, EDGE)
            assert state is not None
            assert state.size == 13
            assert len(json.loads(state.frontier)) == 3  # 13 = 8 + 4 + 1
            assert state.key_id is None  # no head yet: no key pinned
            count = session.scalar(select(func.count()).select_from(EdgeLedgerEntryRow))
            assert count == 13
    finally:
        ledger.close()
        edge.close()
