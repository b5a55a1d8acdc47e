"""``PendingEvents``: events meet a really full disk (SQLite on a small tmpfs), wait, and are
written in order once there is room; none is lost or written twice."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kordon.domain.event import Event, EventKind
from kordon.services.pending_events import PendingEvents, PendingStats
from kordon.store import InvalidInputError, Store, sqlite_url
from tests.record.media import T0
from tests.record.tmpfs import fill, small_tmpfs


def _event(n: int) -> Event:
    return Event(
        id=f"ev-{n}",
        kind=EventKind.LINE_CROSSING,
        time=T0 + timedelta(seconds=n),
        source_id="cam-1",
    )


class Ingest:
    """The node's ingest, reduced to its store write; remembers what was written, in order."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.written: list[str] = []

    def __call__(self, event: Event) -> None:
        if event.id == "ev-bad":
            raise InvalidInputError("event ev-bad: malformed")
        self._store.events.add(event)
        self.written.append(event.id)


@pytest.fixture
def full_disk_store(tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    with small_tmpfs(tmp_path / "disk", size="4m") as disk:
        store = Store(sqlite_url(disk / "kordon.db"))
        store.open()
        try:
            yield store, disk
        finally:
            store.close()


def _fill(disk: Path) -> None:
    """Empty the WAL (so every write needs new space), then take every free byte."""
    with sqlite3.connect(disk / "kordon.db") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    fill(disk / "filler")


def test_events_wait_while_the_disk_is_full_and_are_written_in_order_after(
    full_disk_store: tuple[Store, Path],
) -> None:
    store, disk = full_disk_store
    ingest = Ingest(store)
    pending = PendingEvents(ingest)
    pending.submit(_event(0))
    _fill(disk)
    for n in (1, 2, 3):
        pending.submit(_event(n))  # "database or disk is full": queued, nothing raised
    assert pending.stats == PendingStats(pending=3, retried=0, dropped=0)
    assert pending.flush() == 0  # still full
    assert ingest.written == ["ev-0"]

    (disk / "filler").unlink()
    pending.submit(_event(4))  # goes behind the waiting ones, and they are written first
    assert ingest.written == ["ev-0", "ev-1", "ev-2", "ev-3", "ev-4"]
    assert pending.stats == PendingStats(pending=0, retried=4, dropped=0)
    stored = {e.id for e in store.events.list(limit=100)}
    assert stored == {f"ev-{n}" for n in range(5)}


def test_a_full_queue_drops_the_oldest_and_counts_it(
    full_disk_store: tuple[Store, Path],
) -> None:
    store, disk = full_disk_store
    ingest = Ingest(store)
    pending = PendingEvents(ingest, max_pending=2)
    _fill(disk)
    for n in (1, 2, 3):
        pending.submit(_event(n))
    assert pending.stats == PendingStats(pending=2, retried=0, dropped=1)
    (disk / "filler").unlink()
    assert pending.flush() == 2
    assert ingest.written == ["ev-2", "ev-3"]


def test_an_event_the_store_refuses_as_malformed_is_not_queued(
    full_disk_store: tuple[Store, Path],
) -> None:
    store, _disk = full_disk_store
    pending = PendingEvents(Ingest(store))
    bad = Event(id="ev-bad", kind=EventKind.LINE_CROSSING, time=T0, source_id="cam-1")
    with pytest.raises(InvalidInputError, match="malformed"):
        pending.submit(bad)
    assert pending.stats == PendingStats(pending=0, retried=0, dropped=0)


def test_the_queue_bound_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_pending"):
        PendingEvents(lambda _event: None, max_pending=0)
