"""Operator commands from the centre to an outpost over a real Mosquitto, and back.

The centre's queue is on ``store`` (SQLite and PostgreSQL); the edge is a SQLite node with
its outbox hook and incident service. An acknowledge issued while the edge is away reaches
it once it is back, is applied once however often it is sent, and the changed incident
goes into the edge's outbox; refusals come back with their reason.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kordon.central.command_sender import CommandBroker, CommandSender, CommandSettings
from kordon.central.commands import CommandQueue, CommandStatus
from kordon.central.edge_commands import EdgeCommandService
from kordon.config.edge import EdgeLinkConfig
from kordon.domain.incident import IncidentStatus, Resolution
from kordon.incidents import IncidentService
from kordon.incidents.store_outbox import EdgeOutbox
from kordon.link.codec import decode
from kordon.link.command_wire import CommandAction, CommandTopics
from kordon.link.durability import require_full_sync
from kordon.link.kinds import EntryKind
from kordon.link.mqtt_link import MqttLink
from kordon.link.outbox import Outbox
from kordon.store import Store, sqlite_url
from tests.link.support import BROKER, T0, at, endpoint, event, require_broker, wait_until


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Edge:
    store: Store
    outbox: Outbox
    service: IncidentService
    audited: list[tuple[str, str, str, dict[str, str]]] = field(default_factory=list)


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Edge]:
    store = Store(sqlite_url(tmp_path / "edge.db"))
    store.open()
    require_full_sync(store.engine)
    outbox = Outbox(store.sessions)
    store.add_commit_hook(EdgeOutbox(outbox, clock=lambda: at(3600)))
    audited: list[tuple[str, str, str, dict[str, str]]] = []

    def audit(
        actor: str, action: str, subject: str, details: Mapping[str, str], time: datetime
    ) -> None:
        del time
        audited.append((actor, action, subject, dict(details)))

    service = IncidentService(store, lambda _incident: None, audit=audit)
    yield Edge(store, outbox, service, audited)
    store.close()


def incident_entries(outbox: Outbox) -> list[str]:
    entries = outbox.next_batch(10_000, 100_000_000)
    return [e.payload for e in entries if e.kind is EntryKind.INCIDENT]


def test_an_acknowledge_reaches_an_edge_that_was_away_once(
    tmp_path: Path, store: Store, edge: Edge
) -> None:
    require_broker()
    root = f"kordon-test/{uuid.uuid4().hex[:10]}/edge"
    topics = CommandTopics(root)
    opened = edge.service.ingest(event(1), at(1)).incident
    assert opened is not None
    incident_id = opened.incident.id
    edge.outbox.acknowledge([e.entry_id for e in edge.outbox.next_batch(10_000, 10**9)])
    queue = CommandQueue(store.sessions)
    clock = Clock()
    sender = CommandSender(
        lambda: queue,
        [CommandBroker(endpoint(f"centre-{uuid.uuid4().hex[:6]}"), topics)],
        edges={"edge-a"},
        clock=clock,
        settings=CommandSettings(resend_s=5, poll_s=3600),  # the test steps it
    )
    service = EdgeCommandService(
        EdgeLinkConfig(
            id="edge-a", host=BROKER[0], port=BROKER[1], topic_root=root, anonymous=True
        ),
        store=lambda: edge.store,
        incidents=lambda: edge.service,
        resolve=lambda p: tmp_path / p,
        audit=None,
        now=lambda: at(3700),
    )
    record = queue.issue(
        edge_id="edge-a",
        incident_id=incident_id,
        action=CommandAction.ACKNOWLEDGE,
        actor="central:alice",
        note="seen at the centre",
        resolution=None,
        time=clock.now,
    )
    sender.start_sync()
    try:
        # Sent at the connection; the edge has never connected: nobody gets it.
        wait_until(lambda: queue.get(record.command_id).status is CommandStatus.SENT, "the sending")
        assert queue.get(record.command_id).attempts == 1
        assert sender.pump() == 0  # not due again yet
        asyncio.run(service.start())
        handler = service.handler
        assert handler is not None
        wait_until(service.connected, "the edge's command session")
        assert queue.get(record.command_id).status is CommandStatus.SENT
        clock.now += timedelta(seconds=5)
        assert sender.pump() == 1  # due again: sent
        wait_until(
            lambda: queue.get(record.command_id).status is CommandStatus.APPLIED,
            "the edge's answer",
        )
        answered = queue.get(record.command_id)
        stored = edge.service.get(incident_id)
        assert stored.incident.status is IncidentStatus.ACKNOWLEDGED
        assert answered.incident_version == stored.version
        assert answered.attempts >= 2
        acks = [s for s in stored.incident.history if s.status is IncidentStatus.ACKNOWLEDGED]
        assert [(s.actor, s.note) for s in acks] == [("central:alice", "seen at the centre")]
        # The changed incident travels back through the outbox, as any local action does.
        [snapshot] = incident_entries(edge.outbox)
        assert decode(snapshot, expected=EntryKind.INCIDENT) == stored.incident
        # Sent again (a lost answer), and replayed by hand: answered, never applied again.
        queue_row = queue.get(record.command_id)
        replayer = MqttLink(endpoint(f"replay-{uuid.uuid4().hex[:6]}"), [], on_message=print)
        replayer.start()
        try:
            wait_until(replayer.connected.is_set, "the replaying client")
            for _ in range(3):
                assert replayer.publish(topics.command("edge-a"), queue_row.payload.encode())
            wait_until(lambda: handler.counts["duplicate"] >= 3, "the replays to be answered")
        finally:
            replayer.stop()
        again = edge.service.get(incident_id)
        assert again.version == stored.version
        assert len(incident_entries(edge.outbox)) == 1
        assert handler.counts["applied"] == 1
        assert queue.get(record.command_id).status is CommandStatus.APPLIED
    finally:
        asyncio.run(service.stop())
        sender.stop_sync()


def test_refusals_come_back_with_their_reason(tmp_path: Path, store: Store, edge: Edge) -> None:
    require_broker()
    root = f"kordon-test/{uuid.uuid4().hex[:10]}/edge"
    topics = CommandTopics(root)
    opened = edge.service.ingest(event(1), at(1)).incident
    assert opened is not None
    incident_id = opened.incident.id
    edge.service.resolve(
        incident_id,
        actor="alice",
        resolution=Resolution.FALSE_ALARM,
        time=at(2),
        expected_version=opened.version,
    )
    resolved = edge.service.get(incident_id)

    def record_audit(
        actor: str, action: str, subject: str, details: Mapping[str, str], time: datetime
    ) -> None:
        del time
        edge.audited.append((actor, action, subject, dict(details)))

    queue = CommandQueue(store.sessions)
    clock = Clock()
    sender = CommandSender(
        lambda: queue,
        [CommandBroker(endpoint(f"centre-{uuid.uuid4().hex[:6]}"), topics)],
        edges={"edge-a"},
        clock=clock,
        settings=CommandSettings(resend_s=5, poll_s=0.05),
    )
    service = EdgeCommandService(
        EdgeLinkConfig(
            id="edge-a", host=BROKER[0], port=BROKER[1], topic_root=root, anonymous=True
        ),
        store=lambda: edge.store,
        incidents=lambda: edge.service,
        resolve=lambda p: tmp_path / p,
        audit=record_audit,
        now=lambda: at(3700),
    )
    asyncio.run(service.start())
    sender.start_sync()
    try:
        acknowledge = queue.issue(
            edge_id="edge-a",
            incident_id=incident_id,
            action=CommandAction.ACKNOWLEDGE,
            actor="central:alice",
            note="",
            resolution=None,
            time=clock.now,
        )
        unknown = queue.issue(
            edge_id="edge-a",
            incident_id="no-such-incident",
            action=CommandAction.NOTE,
            actor="central:alice",
            note="hello",
            resolution=None,
            time=clock.now,
        )
        sender.wake()
        ids = [acknowledge.command_id, unknown.command_id]
        wait_until(
            lambda: all(queue.get(i).status is CommandStatus.REFUSED for i in ids), "the refusals"
        )
        assert "resolved" in queue.get(acknowledge.command_id).reason
        assert queue.get(unknown.command_id).reason == "no incident 'no-such-incident' here"
        assert edge.service.get(incident_id).version == resolved.version
        refusals = [a for a in edge.audited if a[3].get("outcome") == "refused"]
        assert sorted(a[3]["command_id"] for a in refusals) == sorted(
            [acknowledge.command_id, unknown.command_id]
        )
        assert {a[0] for a in refusals} == {"central:alice"}
    finally:
        sender.stop_sync()
        asyncio.run(service.stop())
