"""Evidence pulled through the edge's own outbox sender (one MQTT client): the clip waits
while alarms are unsent, then travels, and every alarm still arrives once (real broker,
centre on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from kordon.central.evidence_pull import PullSettings
from kordon.central.evidence_pull_service import EvidencePullService
from kordon.link.edge_events import store_event
from kordon.link.evidence_server import EvidenceServer, ServerSettings
from kordon.link.evidence_wire import EvidenceKind
from kordon.link.ingest import Ingestor
from kordon.link.outbox import Outbox
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.store import Store
from tests.central.evidence_support import EDGE, DictSource, payload_bytes
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

EVENTS = 30


def _now() -> datetime:
    return datetime.now(UTC)


def test_a_clip_travels_after_the_alarms_on_the_senders_client(
    store: Store, tmp_path: Path
) -> None:
    require_broker()
    topics = unique_topics()
    edge = edge_store(tmp_path / "edge.db")
    outbox = Outbox(edge.sessions)
    for n in range(EVENTS):
        assert store_event(edge, outbox, event(n), time=at(n)) is not None
    data = payload_bytes(600_000, seed=2)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(data)
    source = DictSource()
    source.add(EvidenceKind.CLIP, "clip-1", "inc-1", clip)
    server = EvidenceServer(
        source, ServerSettings(EDGE, chunk_bytes=64 * 1024), clock=time.monotonic, topics=topics
    )
    sender = OutboxSender(
        outbox,
        endpoint(f"edge-{uuid.uuid4().hex[:8]}"),
        SenderSettings(EDGE, batch_entries=5, max_in_flight=1, ack_timeout_s=60, poll_s=0.02),
        clock=time.monotonic,
        topics=topics,
        evidence=server,
    )
    receiver = LinkReceiver(
        Ingestor(store),
        endpoint(f"centre-{uuid.uuid4().hex[:8]}"),
        ReceiverSettings.of({EDGE}),
        clock=_now,
        topics=topics,
    )
    pulls = EvidencePullService(
        endpoint(f"pull-{uuid.uuid4().hex[:8]}"),
        store=lambda: store,
        data_dir=tmp_path / "centre",
        allowed_edge=lambda e: e == EDGE,
        topics=topics,
        settings=PullSettings(window_bytes=256 * 1024, retry_s=5.0),
        poll_s=0.1,
    )
    recorder = Collector(
        f"rec-{uuid.uuid4().hex[:8]}", [topics.outbox(EDGE), topics.evidence(EDGE)]
    )
    asyncio.run(pulls.start())
    try:
        recorder.link.start()
        assert pulls.link is not None
        wait_until(pulls.link.connected.is_set, "the puller's connection")
        wait_until(recorder.link.connected.is_set, "the recorder's connection")
        sender.start(background=False)
        wait_until(sender.link.connected.is_set, "the edge's connection")
        pulls.puller.request(EDGE, EvidenceKind.CLIP, "clip-1", incident_id="inc-1", actor="op")
        wait_until(server.pending, "the request at the edge")
        # No centre ingest yet: the alarms' batch waits for its ack, and the clip waits too.
        for _ in range(5):
            sender.pump()
        assert server.counts().manifests == 0
        receiver.start()
        sender.start()
        wait_until(
            lambda: pulls.puller.status(EDGE, EvidenceKind.CLIP, "clip-1").file is not None,
            "the clip at the centre",
        )
        wait_until(lambda: outbox.count() == 0, "the outbox drained")
    finally:
        sender.stop()
        receiver.stop()
        asyncio.run(pulls.stop())
        recorder.link.stop()
        edge.close()
    status = pulls.puller.status(EDGE, EvidenceKind.CLIP, "clip-1")
    assert status.path is not None
    assert status.path.read_bytes() == data
    assert receiver.counts().new_entries == EVENTS
    seen = [topic for topic, _payload in recorder.received()]
    first_evidence = seen.index(topics.evidence(EDGE))
    assert seen[:first_evidence].count(topics.outbox(EDGE)) >= EVENTS // 5  # alarms first
