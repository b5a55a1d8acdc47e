"""An edge node's own changes reach the centre exactly once, through the real broker.

The edge is a node's store with the outbox commit hook and its incident service: events
ingested (opening incidents and re-alerting), an operator action, an escalation, device
status. Its sender drains the outbox through Mosquitto to the centre's receiver (SQLite
and PostgreSQL). Then every batch the edge published is published again (a replay): the
centre stores nothing twice.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from kordon.domain.event import Event
from kordon.domain.incident import Incident, IncidentStatus
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.incidents import IncidentService
from kordon.incidents.store_outbox import EdgeOutbox
from kordon.link.batch import decode_batch
from kordon.link.ingest import EDGE_ATTRIBUTE, Ingestor
from kordon.link.outbox import Outbox
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.store import Store
from kordon.store.models import EventRow, IncidentRow
from kordon.store.models_link import LinkIngestedRow
from tests.link.support import (
    Collector,
    at,
    edge_store,
    endpoint,
    event,
    require_broker,
    unique_topics,
    wait_until,
)
from tests.link.test_edge_outbox import crash_after_commits

EDGE = "edge-hook"


def _now() -> datetime:
    return datetime.now(UTC)


def _count(store: Store, table: type[EventRow] | type[IncidentRow] | type[LinkIngestedRow]) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _core(incident: Incident) -> Incident:
    """What the centre keeps of an edge's incident (the edge's own extras stay there)."""
    return replace(
        incident,
        dispatched_unit=None,
        sla_due_at=None,
        escalated_at=None,
        last_alert_at=None,
        crossings=type(incident.crossings)(),
    )


def test_an_edge_nodes_changes_reach_the_centre_exactly_once(store: Store, tmp_path: Path) -> None:
    require_broker()
    topics = unique_topics()
    edge = edge_store(tmp_path / "edge.db")
    outbox = Outbox(edge.sessions)
    edge.add_commit_hook(EdgeOutbox(outbox, clock=_now))
    service = IncidentService(edge, lambda _: None)

    # The edge works while its link is not up yet: everything waits in its outbox.
    produced = [event(n) for n in range(6)]  # one place, six tracks: an incident re-alerted
    produced += [replace(event(100 + n), time=at(1_000 * (n + 1))) for n in range(4)]
    incident_ids: set[str] = set()
    for item in produced:
        result = service.ingest(item, item.time)
        assert result.incident is not None
        incident_ids.add(result.incident.incident.id)
    assert len(incident_ids) == 5
    first = service.get(sorted(incident_ids)[0])
    service.acknowledge(
        first.incident.id, actor="op", time=at(9_000), expected_version=first.version
    )
    service.check_escalations(at(90_000))
    status = DeviceStatus("cam-1", at(9_500), DeviceState.ONLINE, "", {"fps": 10.0})
    edge.devices.record(status)
    queued = outbox.count()
    assert queued > len(produced) + len(incident_ids)

    recorder = Collector(f"rec-{uuid.uuid4().hex[:8]}", [topics.outbox(EDGE)])
    receiver = LinkReceiver(
        Ingestor(store),
        endpoint(f"centre-{uuid.uuid4().hex[:8]}"),
        ReceiverSettings.of({EDGE}),
        clock=_now,
        topics=topics,
    )
    sender = OutboxSender(
        outbox,
        endpoint(f"edge-{uuid.uuid4().hex[:8]}"),
        SenderSettings(EDGE, batch_entries=7, max_in_flight=2, ack_timeout_s=5.0, poll_s=0.05),
        clock=time.monotonic,
        topics=topics,
    )
    try:
        recorder.link.start()
        receiver.start()
        wait_until(recorder.link.connected.is_set, "the recorder's connection")
        wait_until(receiver.link.connected.is_set, "the centre's connection")
        sender.start()
        wait_until(lambda: outbox.count() == 0, "the edge's outbox to drain")
        assert _count(store, LinkIngestedRow) == queued

        # A replay: every batch the edge sent arrives again.
        wait_until(
            lambda: len(_entry_ids(recorder.received())) == queued, "the recorder to see all"
        )
        sent = recorder.received()
        replayed = sum(len(decode_batch(payload).entries) for _, payload in sent)
        before = receiver.counts()
        for topic, payload in sent:
            assert recorder.link.publish(topic, payload)
        wait_until(
            lambda: receiver.counts().batches == before.batches + len(sent),
            "the replayed batches at the centre",
        )
        after = receiver.counts()
    finally:
        sender.stop()
        receiver.stop()
        recorder.link.stop()

    assert after.new_entries == queued
    assert after.duplicate_entries - before.duplicate_entries == replayed >= queued
    assert after.refused == {}
    assert _count(store, LinkIngestedRow) == queued
    assert _count(store, EventRow) == len(produced)
    assert _count(store, IncidentRow) == len(incident_ids)

    centre_events = store.events.get_many([e.id for e in produced])
    assert {e.attributes[EDGE_ATTRIBUTE] for e in centre_events} == {EDGE}
    assert [_without_edge(e) for e in centre_events] == edge.events.get_many(
        [e.id for e in produced]
    )
    for incident_id in incident_ids:
        at_edge = service.get(incident_id).incident
        assert store.incidents.get(incident_id).incident == _core(at_edge)
    assert store.incidents.get(first.incident.id).incident.status is IncidentStatus.ACKNOWLEDGED
    assert store.devices.get("cam-1") == status
    edge.close()


def _entry_ids(messages: list[tuple[str, bytes]]) -> set[str]:
    return {e.entry_id for _, payload in messages for e in decode_batch(payload).entries}


def _without_edge(stored: Event) -> Event:
    attributes = {k: v for k, v in stored.attributes.items() if k != EDGE_ATTRIBUTE}
    return replace(stored, attributes=attributes)


def test_an_edge_killed_after_its_commits_delivers_everything_on_restart(
    store: Store, tmp_path: Path
) -> None:
    require_broker()
    topics = unique_topics()
    path = tmp_path / "edge.db"
    crash_after_commits(path, 8)  # kill -9 between the commits and any send
    edge = edge_store(path)  # the node starts again from its disk
    outbox = Outbox(edge.sessions)
    queued = outbox.count()
    assert queued == 16  # 8 events, 8 snapshots of the one incident they make
    receiver = LinkReceiver(
        Ingestor(store),
        endpoint(f"centre-{uuid.uuid4().hex[:8]}"),
        ReceiverSettings.of({EDGE}),
        clock=_now,
        topics=topics,
    )
    sender = OutboxSender(
        outbox,
        endpoint(f"edge-{uuid.uuid4().hex[:8]}"),
        SenderSettings(EDGE, batch_entries=5, ack_timeout_s=5.0, poll_s=0.05),
        clock=time.monotonic,
        topics=topics,
    )
    try:
        receiver.start()
        wait_until(receiver.link.connected.is_set, "the centre's connection")
        sender.start()
        wait_until(lambda: outbox.count() == 0, "the restarted edge's outbox to drain")
    finally:
        sender.stop()
        receiver.stop()
    ids = [event(n).id for n in range(8)]
    assert [_without_edge(e) for e in store.events.get_many(ids)] == edge.events.get_many(ids)
    assert _count(store, EventRow) == 8
    assert _count(store, LinkIngestedRow) == queued
    [incident] = store.incidents.list()
    assert incident.incident.event_ids == tuple(ids)
    assert incident.incident == _core(
        IncidentService(edge, lambda _: None).get(incident.incident.id).incident
    )
    edge.close()
