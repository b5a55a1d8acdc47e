"""A snapshot that reaches the centre before its event (a lost event batch resent after the
batch holding its picture) waits, and is applied in the transaction that brings the event:
once, whatever is replayed; refused for good if the event is another outpost's or the
picture is bad. The centre is the ``store`` fixture: SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from kordon.link.batch import Batch, decode_batch, encode_batch
from kordon.link.codec import decode
from kordon.link.event_snapshot import EventSnapshot
from kordon.link.held_snapshot_rows import HeldSnapshotRow
from kordon.link.ingest import Ingestor
from kordon.link.kinds import EntryKind, Shipped
from kordon.link.outbox import Outbox, OutboxEntry
from kordon.link.snapshot_rows import EventSnapshotRow
from kordon.store import Store
from kordon.store.models_link import LinkIngestedRow
from tests.link.support import at, edge_store, event
from tests.link.test_snapshots import jpeg


class EdgeOutbox:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.outbox = Outbox(store.sessions)


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[EdgeOutbox]:
    store = edge_store(tmp_path / "edge.db")
    yield EdgeOutbox(store)
    store.close()


def _entries(edge: EdgeOutbox, items: Sequence[Shipped]) -> list[OutboxEntry]:
    with edge.store.sessions.begin() as session:
        return [edge.outbox.append(session, item, created_at=at(n)) for n, item in enumerate(items)]


def _batch(batch_id: str, entries: Sequence[OutboxEntry], edge: str = "edge-a") -> Batch:
    return decode_batch(encode_batch(batch_id, edge, list(entries)))


def _pictures(store: Store) -> dict[str, tuple[str, bytes]]:
    with store.sessions() as session:
        return {
            row.event_id: (row.edge_id, bytes(row.jpeg))
            for row in session.scalars(select(EventSnapshotRow))
        }


def _kept(store: Store, entry: OutboxEntry) -> str | None:
    with store.sessions() as session:
        return session.scalar(
            select(LinkIngestedRow.payload).where(LinkIngestedRow.entry_id == entry.entry_id)
        )


def _held(store: Store) -> list[tuple[str, str, str]]:
    with store.sessions() as session:
        rows = session.execute(
            select(HeldSnapshotRow.event_id, HeldSnapshotRow.edge_id, HeldSnapshotRow.entry_id)
        )
        return sorted((str(a), str(b), str(c)) for a, b, c in rows)


def test_a_snapshot_before_its_event_is_applied_when_the_event_arrives(
    outbox: EdgeOutbox, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    pictures = {n: jpeg(seed=n) for n in (1, 2)}
    [lost_event] = _entries(outbox, [event(1)])
    later = _entries(
        outbox,
        [
            EventSnapshot.of(event(1).id, pictures[1]),
            event(2),
            EventSnapshot.of(event(2).id, pictures[2]),
        ],
    )
    ingestor = Ingestor(store)
    with caplog.at_level(logging.INFO, logger="kordon.link.snapshot_ingest"):
        first = ingestor.ingest(_batch("b-2", later), time=at(10))
        assert first.new == 3  # every entry recorded, so acked: none is sent again
        assert _pictures(store) == {event(2).id: ("edge-a", pictures[2])}
        assert "applied when its event arrives" in caplog.text
        held_entry = later[0]
        kept = _kept(store, held_entry)
        assert kept is not None
        assert decode(kept, expected=EntryKind.SNAPSHOT) == decode(held_entry.payload)
        assert _held(store) == [(event(1).id, "edge-a", held_entry.entry_id)]

        resent = ingestor.ingest(_batch("b-1", [lost_event]), time=at(20))
        assert resent.new == 1
        assert "applied now that event" in caplog.text
    assert _pictures(store) == {
        event(1).id: ("edge-a", pictures[1]),
        event(2).id: ("edge-a", pictures[2]),
    }
    assert _kept(store, held_entry) is None  # stored: the picture is not kept twice
    assert _held(store) == []
    for batch_id, entries in (("b-1", [lost_event]), ("b-2", later), ("b-3", [*later, lost_event])):
        replay = ingestor.ingest(_batch(batch_id, entries), time=at(30))
        assert replay.new == 0
    assert len(_pictures(store)) == 2
    assert _held(store) == []


def test_a_held_snapshot_of_another_outposts_event_is_refused_when_it_arrives(
    outbox: EdgeOutbox, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    picture = jpeg(seed=3)
    [foreign] = _entries(outbox, [EventSnapshot.of(event(1).id, jpeg(seed=4))])
    ingestor = Ingestor(store)
    ingestor.ingest(_batch("b-x", [foreign], edge="edge-b"), time=at(1))
    assert _held(store) == [(event(1).id, "edge-b", foreign.entry_id)]
    with caplog.at_level(logging.WARNING, logger="kordon.link.snapshot_ingest"):
        ingestor.ingest(_batch("b-1", _entries(outbox, [event(1)])), time=at(2))
    assert "of outpost 'edge-a', not of 'edge-b'" in caplog.text
    assert _pictures(store) == {}
    assert _held(store) == []  # it waits no more...
    assert _kept(store, foreign) is not None  # ...and stays verbatim
    # The event's own outpost's picture is not blocked by it.
    own = _entries(outbox, [EventSnapshot.of(event(1).id, picture)])
    ingestor.ingest(_batch("b-2", own), time=at(3))
    assert _pictures(store) == {event(1).id: ("edge-a", picture)}


def test_a_held_snapshot_with_a_bad_picture_is_refused_when_its_event_arrives(
    outbox: EdgeOutbox, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    good = EventSnapshot.of(event(1).id, jpeg(seed=5))
    [bad] = _entries(outbox, [replace(good, sha256=hashlib.sha256(b"other").hexdigest())])
    ingestor = Ingestor(store)
    ingestor.ingest(_batch("b-2", [bad]), time=at(1))
    assert len(_held(store)) == 1
    with caplog.at_level(logging.WARNING, logger="kordon.link.snapshot_ingest"):
        ingestor.ingest(_batch("b-1", _entries(outbox, [event(1)])), time=at(2))
    assert "does not match its hash" in caplog.text
    assert _pictures(store) == {}
    assert _held(store) == []
    assert _kept(store, bad) is not None


def test_a_snapshot_and_its_event_in_reversed_batches_of_one_transaction(
    outbox: EdgeOutbox, store: Store
) -> None:
    picture = jpeg(seed=6)
    [lost_event] = _entries(outbox, [event(1)])
    snapshot = _entries(outbox, [EventSnapshot.of(event(1).id, picture)])
    Ingestor(store).ingest_many([_batch("b-2", snapshot), _batch("b-1", [lost_event])], time=at(1))
    assert _pictures(store) == {event(1).id: ("edge-a", picture)}
    assert _held(store) == []
