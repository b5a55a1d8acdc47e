"""Operators adding notes at once: every note is stored, audited and published once.

Each thread works on its own incident, so there is no version conflict to retry: any
error (SQLite's "database is locked" before writers queued) is a failure.
``KORDON_CONCURRENCY_ITERATIONS=N`` sets the notes per thread; run with ``-s`` to see
the figures.
"""

from __future__ import annotations

import pytest

from kordon.incidents import IncidentService
from kordon.store import Store
from tests.incidents.builders import at, ev
from tests.incidents.conftest import Recorder
from tests.support.concurrency import run_writers, writes_per_thread


def _open_incident(service: IncidentService, thread: int) -> str:
    """An incident of its own for ``thread`` (another camera, sector and place)."""
    event = ev(
        f"ev-{thread}", source_id=f"cam-{thread}", sector_id=f"s-{thread}", north_m=10_000 * thread
    )
    opened = service.ingest(event, at(0)).incident
    assert opened is not None
    return opened.incident.id


@pytest.mark.parametrize("threads", [2, 8])
def test_concurrent_notes_are_all_stored(
    store: Store, service: IncidentService, recorder: Recorder, threads: int
) -> None:
    incidents = [_open_incident(service, t) for t in range(threads)]
    assert len(set(incidents)) == threads
    versions = [service.get(i).version for i in incidents]
    recorder.published.clear()
    writes = writes_per_thread()

    def add_note(thread: int, i: int) -> None:
        saved = service.add_note(
            incidents[thread],
            actor=f"op-{thread}",
            note=f"note {i}",
            time=at(1 + i),
            expected_version=versions[thread],
        )
        versions[thread] = saved.version

    load = run_writers(f"incident notes {store.engine.dialect.name}", threads, writes, add_note)
    print(load.figures())

    assert load.failures == ()
    expected = [f"note {i}" for i in range(writes)]
    for thread, incident_id in enumerate(incidents):
        history = service.get(incident_id).incident.history
        assert [step.note for step in history[1:]] == expected
        audited = [
            r.details["note"]
            for r in recorder.audited
            if r.action == "note" and r.subject.endswith(incident_id)
        ]
        assert audited == expected, thread
    assert len(recorder.published) == threads * writes
