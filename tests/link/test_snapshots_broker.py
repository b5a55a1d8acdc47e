"""Event snapshots from an edge to the centre through the real broker (SQLite and PostgreSQL):
every picture arrives once with its event, large ones re-encoded to fit, while the link is
cut and restored; the alarms go first."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from kordon.incidents.store_outbox import EdgeOutbox
from kordon.link.event_snapshot import MAX_JPEG_BYTES
from kordon.link.ingest import Ingestor
from kordon.link.kinds import EntryKind
from kordon.link.outbox import Outbox
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.link.snapshot_entry import EdgeSnapshots, fit_snapshot
from kordon.link.snapshot_rows import EventSnapshotRow
from kordon.store import Store
from tests.link.support import (
    BROKER,
    at,
    edge_store,
    endpoint,
    event,
    require_broker,
    unique_topics,
    wait_until,
)
from tests.link.test_snapshots import jpeg
from tests.sensors.ugs.tcp_proxy import CuttableProxy

EDGE = "edge-snap"


def test_snapshots_reach_the_centre_once_with_their_events(store: Store, tmp_path: Path) -> None:
    require_broker()
    topics = unique_topics()
    edge = edge_store(tmp_path / "edge.db")
    pictures: dict[str, bytes] = {}
    snapshots = EdgeSnapshots(store=lambda: edge, read=pictures.get, clock=lambda: at(0))
    outbox = Outbox(edge.sessions)
    edge.add_commit_hook(EdgeOutbox(outbox, clock=lambda: at(0), snapshots=snapshots))
    proxy = CuttableProxy(BROKER)
    sender = OutboxSender(
        outbox,
        endpoint(f"edge-{uuid.uuid4().hex[:8]}", proxy.port),
        SenderSettings(EDGE, max_in_flight=3, ack_timeout_s=2.0, poll_s=0.05),
        clock=time.monotonic,
        topics=topics,
    )
    receiver = LinkReceiver(
        Ingestor(store),
        endpoint(f"centre-{uuid.uuid4().hex[:8]}"),
        ReceiverSettings.of({EDGE}),
        clock=lambda: datetime.now(UTC),
        topics=topics,
    )

    def produce(first: int, count: int, *, big_every: int) -> None:
        for n in range(first, first + count):
            item = event(n)
            if n % big_every == 0:
                pictures[item.id] = jpeg(900, 700, seed=n + 1, quality=95)  # re-encoded
            else:
                pictures[item.id] = jpeg(160, 120, seed=n + 1)
            edge.events.add(item)
            sender.wake()

    try:
        receiver.start()
        wait_until(receiver.link.connected.is_set, "the centre's connection")
        proxy.cut(block=True)  # the first pictures wait at the edge
        produce(0, 12, big_every=4)
        waiting = outbox.next_batch(10_000, 1_000_000_000)
        # Every alarm first, then the pictures, each after its event.
        assert [e.kind for e in waiting] == [EntryKind.EVENT] * 12 + [EntryKind.SNAPSHOT] * 12
        sender.start()
        proxy.restore()
        wait_until(lambda: outbox.count() == 0, "the first backlog to be acknowledged")
        produce(12, 8, big_every=3)
        wait_until(lambda: outbox.count() == 0, "the rest to be acknowledged")
    finally:
        sender.stop()
        receiver.stop()
        proxy.close()
        edge.close()

    assert receiver.counts().refused == {}
    with store.sessions() as session:
        rows = {r.event_id: r for r in session.scalars(select(EventSnapshotRow))}
    assert set(rows) == {event(n).id for n in range(20)}
    # The bytes the edge queued: the picture itself, or its re-encoding (deterministic).
    sent = {
        event_id: fit_snapshot(event_id, picture).jpeg() for event_id, picture in pictures.items()
    }
    assert {k: bytes(r.jpeg) for k, r in rows.items()} == sent
    for n in range(20):
        row = rows[event(n).id]
        big = (n < 12 and n % 4 == 0) or (n >= 12 and n % 3 == 0)
        assert row.reduced is big
        assert row.size <= MAX_JPEG_BYTES
        assert row.edge_id == EDGE
    assert len(store.events.get_many([event(n).id for n in range(20)])) == 20
