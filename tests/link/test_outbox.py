"""The edge's outbox: written in the caller's transaction, read in priority order, acked away."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kordon.domain.event import EventKind
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.codec import decode
from kordon.link.durability import require_full_sync, synchronous_level
from kordon.link.edge_events import store_event
from kordon.link.errors import LinkError
from kordon.link.kinds import EntryKind, Priority
from kordon.link.outbox import MAX_ENTRY_BYTES, Outbox
from kordon.store import Store, StoreError, sqlite_url
from tests.link.support import T0, at, event


def test_append_commits_with_the_callers_transaction(store: Store) -> None:
    outbox = Outbox(store.sessions)
    with store.sessions.begin() as session:
        entry = outbox.append(session, event(1), created_at=T0)
    assert outbox.count() == 1
    [read] = outbox.next_batch(10, 10_000)
    assert read == entry
    assert decode(read.payload) == event(1)
    assert read.size == len(read.payload.encode("utf-8"))


def test_append_rolls_back_with_the_callers_transaction(store: Store) -> None:
    outbox = Outbox(store.sessions)

    def append_then_fail() -> None:
        with store.sessions.begin() as session:
            outbox.append(session, event(1), created_at=T0)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        append_then_fail()
    assert outbox.count() == 0


def test_store_event_writes_event_and_entry_together(store: Store) -> None:
    outbox = Outbox(store.sessions)
    entry = store_event(store, outbox, event(1), time=T0)
    assert entry is not None
    assert store.events.get(event(1).id) == event(1)
    assert [e.entry_id for e in outbox.next_batch(10, 10_000)] == [entry.entry_id]
    # The same event again: already stored, so nothing is queued twice.
    assert store_event(store, outbox, event(1), time=at(1)) is None
    assert outbox.count() == 1


def test_store_event_failure_leaves_neither(store: Store) -> None:
    outbox = Outbox(store.sessions)
    too_long = replace(event(1), source_id="x" * 500)
    with pytest.raises(StoreError):
        store_event(store, outbox, too_long, time=T0)
    assert outbox.count() == 0
    assert store.events.list() == []


def test_next_batch_orders_by_priority_then_creation(store: Store) -> None:
    outbox = Outbox(store.sessions)
    health = DeviceStatus("cam-1", T0, DeviceState.OFFLINE)
    with store.sessions.begin() as session:
        h1 = outbox.append(session, health, created_at=at(0))
        t1 = outbox.append(session, event(1), created_at=at(1), priority=Priority.TRACK)
        a1 = outbox.append(session, event(2), created_at=at(2))
        off = outbox.append(session, event(3, EventKind.DEVICE_OFFLINE), created_at=at(3))
        a2 = outbox.append(session, event(4), created_at=at(2))  # same time: creation order
    assert (h1.priority, off.priority, a1.priority) == (Priority.HEALTH,) * 2 + (Priority.ALARM,)
    assert h1.kind is EntryKind.DEVICE_STATUS
    order = [e.entry_id for e in outbox.next_batch(10, 1_000_000)]
    assert order == [a1.entry_id, a2.entry_id, t1.entry_id, h1.entry_id, off.entry_id]


def test_next_batch_limits_entries_bytes_and_skips_in_flight(store: Store) -> None:
    outbox = Outbox(store.sessions)
    with store.sessions.begin() as session:
        entries = [outbox.append(session, event(n), created_at=at(n)) for n in range(5)]
    ids = [e.entry_id for e in entries]
    size = entries[0].size
    assert [e.entry_id for e in outbox.next_batch(2, 1_000_000)] == ids[:2]
    assert [e.entry_id for e in outbox.next_batch(10, 3 * size)] == ids[:3]
    # The first entry always goes, even over the byte budget (else it would block forever).
    assert [e.entry_id for e in outbox.next_batch(10, 1)] == ids[:1]
    assert [e.entry_id for e in outbox.next_batch(2, 10**6, exclude=set(ids[:3]))] == ids[3:]
    assert outbox.next_batch(2, 10**6, exclude=set(ids)) == []


def test_acknowledge_deletes_only_the_named_entries(store: Store) -> None:
    outbox = Outbox(store.sessions)
    with store.sessions.begin() as session:
        entries = [outbox.append(session, event(n), created_at=at(n)) for n in range(3)]
    assert outbox.acknowledge([entries[0].entry_id, entries[2].entry_id, "unknown"]) == 2
    assert outbox.acknowledge([entries[0].entry_id]) == 0
    assert [e.entry_id for e in outbox.next_batch(10, 10**6)] == [entries[1].entry_id]


def test_oversized_entry_is_refused(store: Store) -> None:
    outbox = Outbox(store.sessions)
    huge = replace(event(1), attributes={"a": "x" * MAX_ENTRY_BYTES})
    with pytest.raises(LinkError, match="bytes refused"), store.sessions.begin() as session:
        outbox.append(session, huge, created_at=T0)
    assert outbox.count() == 0


def test_edge_sqlite_syncs_fully(tmp_path: Path) -> None:
    with Store(sqlite_url(tmp_path / "edge.db")) as store:
        assert synchronous_level(store.engine) == 1  # NORMAL: Kordon's default
        require_full_sync(store.engine)
        assert synchronous_level(store.engine) == 2  # FULL
        require_full_sync(store.engine)  # idempotent
        assert synchronous_level(store.engine) == 2
