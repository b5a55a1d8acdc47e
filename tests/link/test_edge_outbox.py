"""An edge node writes every change for the centre into its outbox, in the change's own
transaction (``kordon.incidents.store_outbox.EdgeOutbox``, a commit hook of the store)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kordon.domain.event import EventKind
from kordon.domain.incident import Incident, IncidentStatus
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.incidents import IncidentService
from kordon.incidents.store_outbox import EdgeOutbox
from kordon.link.codec import decode
from kordon.link.durability import require_full_sync
from kordon.link.errors import LinkError
from kordon.link.kinds import EntryKind, Priority
from kordon.link.outbox import Outbox, OutboxEntry
from kordon.store import ConflictError, Store, sqlite_url
from kordon.store.commit_hooks import Changes
from kordon.store.models import EventRow, IncidentRow
from kordon.store.session import shared_transaction
from kordon.store.store import Repositories
from tests.link.support import T0, at, event


@dataclass
class EdgeNode:
    store: Store
    outbox: Outbox
    service: IncidentService
    published: list[Incident] = field(default_factory=list)

    def entries(self) -> list[OutboxEntry]:
        return self.outbox.next_batch(10_000, 100_000_000)


def _clock() -> datetime:
    return T0 + timedelta(hours=1)


@pytest.fixture
def edge(store: Store) -> EdgeNode:
    """A node's store (SQLite, ``synchronous=FULL``; and PostgreSQL) with the outbox hook."""
    require_full_sync(store.engine)
    outbox = Outbox(store.sessions)
    store.add_commit_hook(EdgeOutbox(outbox, clock=_clock))
    published: list[Incident] = []
    return EdgeNode(store, outbox, IncidentService(store, published.append), published)


def _count(store: Store, table: type[EventRow] | type[IncidentRow]) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_an_ingested_event_and_its_new_incident_are_queued_with_it(edge: EdgeNode) -> None:
    result = edge.service.ingest(event(1), at(1))
    assert result.incident is not None
    [first, second] = edge.entries()
    assert (first.kind, first.priority) == (EntryKind.EVENT, Priority.ALARM)
    assert decode(first.payload) == edge.store.events.get(event(1).id)
    assert (second.kind, second.priority) == (EntryKind.INCIDENT, Priority.ALARM)
    snapshot = decode(second.payload, expected=EntryKind.INCIDENT)
    assert isinstance(snapshot, Incident)
    assert snapshot == result.incident.incident == edge.service.get(snapshot.id).incident
    assert snapshot.sla_due_at is not None  # the extras travel with the snapshot
    assert snapshot.last_alert_at == at(1)
    assert first.created_at == second.created_at == _clock()


def test_a_re_alert_queues_the_event_and_a_new_snapshot(edge: EdgeNode) -> None:
    opened = edge.service.ingest(event(1), at(1))
    second = edge.service.ingest(event(2), at(2))  # another track: a new alert
    assert second.alert is not None
    assert opened.incident is not None
    assert second.incident is not None
    assert second.incident.incident.id == opened.incident.incident.id
    entries = edge.entries()
    assert [e.kind for e in entries] == [
        EntryKind.EVENT,
        EntryKind.INCIDENT,
        EntryKind.EVENT,
        EntryKind.INCIDENT,
    ]
    latest = decode(entries[3].payload)
    assert isinstance(latest, Incident)
    assert latest.event_ids == (event(1).id, event(2).id)
    assert latest.last_alert_at == at(2)
    assert latest == edge.service.get(latest.id).incident


def test_an_event_already_stored_queues_nothing(edge: EdgeNode) -> None:
    edge.service.ingest(event(1), at(1))
    before = edge.outbox.count()
    edge.service.ingest(event(1), at(5))
    assert edge.outbox.count() == before == 2


def test_operator_actions_and_escalations_queue_a_snapshot_each(edge: EdgeNode) -> None:
    opened = edge.service.ingest(event(1), at(1)).incident
    assert opened is not None
    incident_id = opened.incident.id
    escalated = edge.service.check_escalations(at(1) + timedelta(days=1))
    assert [s.incident.id for s in escalated] == [incident_id]
    stored = edge.service.get(incident_id)
    acked = edge.service.acknowledge(
        incident_id, actor="op", time=at(100), expected_version=stored.version, note="seen"
    )
    noted = edge.service.add_note(
        incident_id, actor="op", note="team on foot", time=at(110), expected_version=acked.version
    )
    snapshots = [decode(e.payload) for e in edge.entries() if e.kind is EntryKind.INCIDENT]
    assert [s.status for s in snapshots if isinstance(s, Incident)] == [
        IncidentStatus.OPEN,
        IncidentStatus.OPEN,
        IncidentStatus.ACKNOWLEDGED,
        IncidentStatus.ACKNOWLEDGED,
    ]
    assert snapshots[1] == replace(opened.incident, escalated_at=at(1) + timedelta(days=1))
    assert snapshots[2] == acked.incident
    assert snapshots[3] == noted.incident
    assert snapshots[-1] == edge.service.get(incident_id).incident


def test_a_refused_operator_action_queues_nothing(edge: EdgeNode) -> None:
    opened = edge.service.ingest(event(1), at(1)).incident
    assert opened is not None
    before = edge.outbox.count()
    with pytest.raises(ConflictError):
        edge.service.acknowledge(
            opened.incident.id, actor="op", time=at(9), expected_version=opened.version + 7
        )
    assert edge.outbox.count() == before


def test_device_status_is_queued_as_health(edge: EdgeNode) -> None:
    status = DeviceStatus("cam-1", at(3), DeviceState.DEGRADED, "low fps", {"fps": 2.5})
    edge.store.devices.record(status)
    [entry] = edge.entries()
    assert (entry.kind, entry.priority) == (EntryKind.DEVICE_STATUS, Priority.HEALTH)
    assert decode(entry.payload) == status


def test_an_event_of_an_incident_goes_with_the_incident_priority(edge: EdgeNode) -> None:
    """A device event opens an incident: the event must not wait behind the incident."""
    offline = replace(event(4, EventKind.DEVICE_OFFLINE), rule_id=None, direction=None)
    result = edge.service.ingest(offline, at(4))
    assert result.incident is not None
    assert [(e.kind, e.priority) for e in edge.entries()] == [
        (EntryKind.EVENT, Priority.ALARM),
        (EntryKind.INCIDENT, Priority.ALARM),
    ]


class _Failing:
    def before_commit(self, session: Session, changes: Changes) -> None:
        raise RuntimeError("disk gone after the outbox write")


def test_a_failure_after_the_change_rolls_back_the_change_and_its_entries(
    edge: EdgeNode,
) -> None:
    edge.store.add_commit_hook(_Failing())  # runs after EdgeOutbox, in the same commit
    with pytest.raises(RuntimeError, match="disk gone"):
        edge.service.ingest(event(1), at(1))
    assert (edge.outbox.count(), _count(edge.store, EventRow), _count(edge.store, IncidentRow)) == (
        0,
        0,
        0,
    )
    assert edge.published == []


def test_an_entry_the_outbox_refuses_rolls_back_the_event(edge: EdgeNode) -> None:
    huge = replace(event(1), attributes={"blob": "x" * 300_000})
    with pytest.raises(LinkError, match=r"outbox entry of \d+ bytes refused"):
        edge.store.events.add(huge)
    assert (edge.outbox.count(), _count(edge.store, EventRow)) == (0, 0)


def test_a_savepoint_rolled_back_queues_nothing(edge: EdgeNode) -> None:
    with edge.store.sessions.begin() as session:
        repos = Repositories.on(shared_transaction(session))
        repos.events.add(event(1))
        savepoint = session.begin_nested()
        repos.events.add(event(2))
        savepoint.rollback()
        with session.begin_nested():
            repos.events.add(event(3))
        repos.events.add(event(4))
    kept = [event(n).id for n in (1, 3, 4)]
    assert [decode(e.payload) for e in edge.entries()] == [edge.store.events.get(i) for i in kept]
    assert _count(edge.store, EventRow) == 3


def test_a_standalone_store_writes_no_outbox(tmp_path: Path) -> None:
    store = Store(sqlite_url(tmp_path / "node.db"))
    store.open()
    try:
        IncidentService(store, lambda _: None).ingest(event(1), at(1))
        assert Outbox(store.sessions).count() == 0
    finally:
        store.close()


def test_hooks_survive_close_and_open(edge: EdgeNode) -> None:
    edge.store.close()
    edge.store.open()
    edge.service.ingest(event(1), at(1))
    assert edge.outbox.count() == 2


_CRASHING_EDGE = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import UTC, datetime
    from kordon.incidents import IncidentService
    from kordon.incidents.store_outbox import EdgeOutbox
    from kordon.link.outbox import Outbox
    from tests.link.support import at, edge_store, event

    store = edge_store(__import__("pathlib").Path(sys.argv[1]))
    store.add_commit_hook(EdgeOutbox(Outbox(store.sessions), clock=lambda: datetime.now(UTC)))
    service = IncidentService(store, lambda _: None)
    for n in range(int(sys.argv[2])):
        service.ingest(event(n), at(n))
    print("committed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # before any sender ran
    """
)


def crash_after_commits(path: Path, count: int) -> None:
    """Run an edge node process that ingests ``event(0..count-1)`` into ``path`` and is
    killed with ``SIGKILL`` right after its last commit, before any sender ran."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _CRASHING_EDGE, str(path), str(count)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert done.stdout == "committed\n"


def test_a_crash_between_commit_and_send_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "edge.db"
    crash_after_commits(path, 5)
    store = Store(sqlite_url(path))
    store.open()
    try:
        entries = Outbox(store.sessions).next_batch(1_000, 100_000_000)
        events = [decode(e.payload) for e in entries if e.kind is EntryKind.EVENT]
        assert events == [store.events.get(event(n).id) for n in range(5)]
        incidents = [decode(e.payload) for e in entries if e.kind is EntryKind.INCIDENT]
        assert len(incidents) == 5  # opened, then one re-alert per new track
        latest = incidents[-1]
        assert isinstance(latest, Incident)
        assert latest == IncidentService(store, lambda _: None).get(latest.id).incident
    finally:
        store.close()
