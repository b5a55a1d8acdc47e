"""Concurrent writers on one store: writes wait for each other, none fails, none is lost.

Each write is a read-modify-write transaction (read an incident, append a note, save it
at the version read, add an event): the pattern that made SQLite answer "database is
locked" at once when another thread committed between the read and the write. Each
thread has its own incident, so no version conflict can occur: any error is a failure.

``KORDON_CONCURRENCY_ITERATIONS=N`` sets the writes per thread; run with ``-s`` to see the
figures (``make reliability`` does).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kordon.domain.incident import IncidentStep
from kordon.store import Store, sqlite_url
from tests.store.builders import at, event, incident
from tests.support.concurrency import WriteLoad, run_writers, writes_per_thread


def _append_note(store: Store, thread: int, i: int) -> None:
    with store.transaction() as tx:
        stored = tx.incidents.get(f"inc-{thread}")
        step = IncidentStep(status=stored.incident.status, actor="op", time=at(1), note=f"{i}")
        changed = replace(stored.incident, history=(*stored.incident.history, step))
        tx.incidents.save(changed, expected_version=stored.version, time=at(1))
        tx.events.add(event(f"ev-{thread}-{i}", 1.0))


def _write_concurrently(label: str, stores: tuple[Store, ...], threads: int) -> WriteLoad:
    """Each thread appends notes to its own incident through ``stores[thread % len]``."""
    for thread in range(threads):
        stores[0].incidents.create(incident(f"inc-{thread}"), time=at(0))
    load = run_writers(
        label,
        threads,
        writes_per_thread(),
        lambda thread, i: _append_note(stores[thread % len(stores)], thread, i),
    )
    print(load.figures())
    return load


def _check_every_write_is_stored(store: Store, threads: int) -> None:
    writes = writes_per_thread()
    for thread in range(threads):
        stored = store.incidents.get(f"inc-{thread}")
        assert [step.note for step in stored.incident.history[1:]] == [
            f"{i}" for i in range(writes)
        ]
        assert stored.version == 1 + writes
    event_ids = [f"ev-{t}-{i}" for t in range(threads) for i in range(writes)]
    assert [e.id for e in store.events.get_many(event_ids)] == event_ids


@pytest.mark.parametrize("threads", [2, 8])
def test_concurrent_read_modify_write_transactions_all_commit(store: Store, threads: int) -> None:
    load = _write_concurrently(f"store {store.engine.dialect.name}", (store,), threads)

    assert load.failures == ()
    _check_every_write_is_stored(store, threads)


def test_two_stores_on_one_sqlite_file_wait_for_each_other(tmp_path: Path) -> None:
    """Two engines (as two processes would have) share only SQLite's lock and busy timeout."""
    url = sqlite_url(tmp_path / "kordon.db")
    with Store(url) as first, Store(url) as second:
        load = _write_concurrently("two sqlite stores", (first, second), 4)

        assert load.failures == ()
        _check_every_write_is_stored(second, 4)
