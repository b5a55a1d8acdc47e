"""Zero loss from an edge to the centre through the real broker, on SQLite and PostgreSQL.

The edge writes events while its link is cut and restored, while the centre is down, and
across a sender killed with batches in flight (a new sender takes over the same outbox
database and client id); the centre's receiver is restarted. Every event must end up at
the centre exactly once, and the edge's outbox empty.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from kordon.link.edge_events import store_event
from kordon.link.ingest import EDGE_ATTRIBUTE, Ingestor
from kordon.link.outbox import Outbox
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.link.topics import LinkTopics
from kordon.store import Store
from kordon.store.models_link import LinkIngestedRow
from tests.link.support import (
    BROKER,
    at,
    edge_outbox,
    edge_store,
    endpoint,
    event,
    require_broker,
    unique_topics,
    wait_until,
)
from tests.sensors.ugs.tcp_proxy import CuttableProxy

EDGE = "edge-e2e"
PER_PHASE = 150


def _now() -> datetime:
    return datetime.now(UTC)


class Edge:
    """An edge node's link side: its outbox database and a sender through the proxy."""

    def __init__(self, store: Store, port: int, client_id: str, topics: LinkTopics) -> None:
        self.store = store
        self.outbox: Outbox = edge_outbox(store)
        self._port = port
        self._client_id = client_id
        self._topics = topics
        self.sender = self._new_sender()
        self.produced: list[str] = []

    def _new_sender(self) -> OutboxSender:
        return OutboxSender(
            self.outbox,
            endpoint(self._client_id, self._port),
            SenderSettings(EDGE, batch_entries=40, max_in_flight=3, ack_timeout_s=2.0, poll_s=0.05),
            clock=time.monotonic,
            topics=self._topics,
        )

    def produce(self, count: int) -> None:
        for _ in range(count):
            item = event(len(self.produced))
            assert store_event(self.store, self.outbox, item, time=at(len(self.produced)))
            self.produced.append(item.id)
            self.sender.wake()

    def crash_and_restart(self) -> None:
        self.sender.abandon()
        self.sender = self._new_sender()
        self.sender.start()


def _centre_receiver(centre: Store, client_id: str, topics: LinkTopics) -> LinkReceiver:
    return LinkReceiver(
        Ingestor(centre),
        endpoint(client_id),
        ReceiverSettings.of({EDGE}),
        clock=_now,
        topics=topics,
    )


def _count(store: Store) -> Callable[[], int]:
    def count() -> int:
        with store.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(LinkIngestedRow)) or 0)

    return count


def test_every_event_reaches_the_centre_exactly_once(store: Store, tmp_path: Path) -> None:
    require_broker()
    topics = unique_topics()
    centre_id = f"centre-{uuid.uuid4().hex[:8]}"
    ingested = _count(store)
    proxy = CuttableProxy(BROKER)
    edge = Edge(
        edge_store(tmp_path / "edge.db"), proxy.port, f"edge-{uuid.uuid4().hex[:8]}", topics
    )
    receiver = _centre_receiver(store, centre_id, topics)
    try:
        receiver.start()
        wait_until(receiver.link.connected.is_set, "the centre's connection")
        edge.sender.start()
        wait_until(edge.sender.link.connected.is_set, "the edge's connection")

        # 1. A healthy link.
        edge.produce(PER_PHASE)
        wait_until(lambda: ingested() == PER_PHASE, "the first events at the centre")
        wait_until(lambda: edge.outbox.count() == 0, "their acks at the edge")

        # 2. The link is cut: the edge keeps producing into its outbox.
        proxy.cut(block=True)
        wait_until(lambda: not edge.sender.link.connected.is_set(), "the edge to notice")
        edge.produce(PER_PHASE)
        assert edge.outbox.count() == PER_PHASE
        assert ingested() == PER_PHASE
        proxy.restore()
        wait_until(lambda: ingested() == 2 * PER_PHASE, "the backlog after the cut")
        wait_until(lambda: edge.outbox.count() == 0, "its acks at the edge")

        # 3. The centre goes away; the edge sends into the broker with no ack coming back,
        #    and its sender dies with batches in flight.
        receiver.stop()
        edge.produce(PER_PHASE)
        wait_until(lambda: edge.sender.counts().in_flight > 0, "batches in flight")
        edge.crash_and_restart()
        edge.produce(PER_PHASE)

        # 4. The centre comes back (a new receiver on the same persistent session).
        receiver = _centre_receiver(store, centre_id, topics)
        receiver.start()
        wait_until(lambda: edge.outbox.count() == 0, "the edge's outbox to empty", 60.0)
    finally:
        edge.sender.stop()
        receiver.stop()
        proxy.close()
        edge.store.close()

    total = 4 * PER_PHASE
    assert len(edge.produced) == len(set(edge.produced)) == total
    assert ingested() == total
    stored = store.events.get_many(edge.produced)
    assert [e.id for e in stored] == edge.produced
    assert {e.attributes[EDGE_ATTRIBUTE] for e in stored} == {EDGE}
    assert len(store.events.list(limit=1000)) == total
    assert receiver.counts().refused == {}
