"""The edge's sender on the real broker, its time driven by the test: batches, order,
bounded in-flight, resends after the ack timeout, deletes on ack only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.batch import Ack, decode_batch, encode_ack
from kordon.link.outbox import Outbox
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.store import Store
from tests.link.support import (
    T0,
    Collector,
    ManualSeconds,
    at,
    edge_outbox,
    edge_store,
    endpoint,
    event,
    require_broker,
    unique_topics,
    wait_until,
)


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Store]:
    require_broker()
    store = edge_store(tmp_path / "edge.db")
    yield store
    store.close()


def test_sender_batches_in_order_bounds_in_flight_and_resends(edge: Store) -> None:
    topics = unique_topics()
    outbox: Outbox = edge_outbox(edge)
    with edge.sessions.begin() as session:
        health = [
            outbox.append(
                session, DeviceStatus(f"cam-{n}", T0, DeviceState.ONLINE), created_at=at(n)
            )
            for n in range(2)
        ]
        alarms = [outbox.append(session, event(n), created_at=at(10 + n)) for n in range(5)]
    clock = ManualSeconds()
    centre = Collector(f"centre-{uuid.uuid4().hex[:8]}", [topics.all_outboxes])
    sender = OutboxSender(
        outbox,
        endpoint(f"edge-{uuid.uuid4().hex[:8]}"),
        SenderSettings("edge-a", batch_entries=2, max_in_flight=2, ack_timeout_s=5.0),
        clock=clock,
        topics=topics,
    )
    centre.link.start()
    sender.start(background=False)
    try:
        wait_until(centre.link.connected.is_set, "the centre's connection")
        wait_until(sender.link.connected.is_set, "the sender's connection")
        assert sender.pump() == 2
        assert sender.pump() == 0  # two batches in flight: the bound
        wait_until(lambda: len(centre.received()) == 2, "two batches")
        first, second = (decode_batch(p) for _t, p in centre.received())
        assert [e.entry_id for e in first.entries] == [a.entry_id for a in alarms[:2]]
        assert [e.entry_id for e in second.entries] == [a.entry_id for a in alarms[2:4]]

        clock.advance(4.9)
        assert sender.pump() == 0  # not overdue yet
        clock.advance(0.1)
        assert sender.pump() == 2  # both resent under their own batch ids
        wait_until(lambda: len(centre.received()) == 4, "the resent batches")
        assert [decode_batch(p).batch_id for _t, p in centre.received()[2:]] == [
            first.batch_id,
            second.batch_id,
        ]
        assert sender.counts().batches_resent == 2
        assert outbox.count() == 7  # nothing deleted without an ack

        ack = Ack(first.batch_id, tuple(e.entry_id for e in first.entries))
        assert centre.link.publish(topics.ack("edge-a"), encode_ack(ack))
        wait_until(lambda: outbox.count() == 5, "the ack to delete two entries")
        assert sender.pump() == 1  # room for one more batch: the last alarm, then health
        wait_until(lambda: len(centre.received()) == 5, "the next batch")
        third = decode_batch(centre.received()[4][1])
        assert [e.entry_id for e in third.entries] == [alarms[4].entry_id, health[0].entry_id]
    finally:
        sender.stop()
        centre.link.stop()


def test_garbage_ack_deletes_nothing(edge: Store) -> None:
    topics = unique_topics()
    outbox = edge_outbox(edge)
    with edge.sessions.begin() as session:
        outbox.append(session, event(1), created_at=T0)
    centre = Collector(f"centre-{uuid.uuid4().hex[:8]}", [])
    sender = OutboxSender(
        outbox,
        endpoint(f"edge-{uuid.uuid4().hex[:8]}"),
        SenderSettings("edge-a"),
        clock=ManualSeconds(),
        topics=topics,
    )
    centre.link.start()
    sender.start(background=False)
    try:
        wait_until(sender.link.connected.is_set, "the sender's connection")
        wait_until(centre.link.connected.is_set, "the centre's connection")
        assert sender.pump() == 1
        assert centre.link.publish(topics.ack("edge-a"), b'{"v":1,"batch_id":"x"}')
        good = Ack("other", ("not-an-entry",))
        assert centre.link.publish(topics.ack("edge-a"), encode_ack(good))
        wait_until(lambda: sender.counts().acks_refused == 1, "the garbage ack")
        wait_until(lambda: sender.counts().acks == 1, "the ack of another batch")
        assert outbox.count() == 1
        assert sender.counts().in_flight == 1
        assert sender.counts().entries_acked == 0
    finally:
        sender.stop()
        centre.link.stop()
