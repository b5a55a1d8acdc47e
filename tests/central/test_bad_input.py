"""What the centre does with bad input from edges: refuse (no ack: it stays in the edge's
outbox) or store exactly once; never store anything wrongly. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from kordon.domain.event import Event
from kordon.link.batch import decode_batch, encode_batch
from kordon.link.errors import CodecError
from kordon.link.ingest import Ingestor
from kordon.link.kinds import Shipped
from kordon.link.outbox import Outbox, OutboxEntry
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings, Refusal
from kordon.link.topics import LinkTopics
from kordon.store import Store
from kordon.store.models_link import LinkIngestedRow
from tests.link.support import T0, at, endpoint, event

TOPICS = LinkTopics(root="central-test/edge")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _entries(
    store: Store, items: Sequence[Shipped], created_at: datetime = T0
) -> list[OutboxEntry]:
    outbox = Outbox(store.sessions)
    with store.sessions.begin() as session:
        return [outbox.append(session, item, created_at=created_at) for item in items]


def _receiver(store: Store, clock: Clock, **options: float) -> LinkReceiver:
    return LinkReceiver(
        Ingestor(store),
        endpoint("unused"),
        ReceiverSettings.of(
            {"edge-a", "edge-b"},
            revoked={"edge-r"},
            max_clock_ahead_s=options.get("max_clock_ahead_s", 300.0),
        ),
        clock=clock,
        topics=TOPICS,
    )


def _ingested(store: Store) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(LinkIngestedRow)) or 0)


def test_a_revoked_edge_is_refused_and_counted_apart_from_unknown_ones(store: Store) -> None:
    receiver = _receiver(store, Clock(T0))
    entries = _entries(store, [event(1)])
    assert receiver.handle(TOPICS.outbox("edge-r"), encode_batch("b", "edge-r", entries)) is None
    assert receiver.handle(TOPICS.outbox("edge-z"), encode_batch("b", "edge-z", entries)) is None
    assert receiver.counts().refused == {"revoked_edge": 1, "unknown_edge": 1}
    assert _ingested(store) == 0
    assert store.events.list() == []


def test_an_edge_clock_hours_ahead_is_refused_until_it_is_right(store: Store) -> None:
    clock = Clock(T0)
    receiver = _receiver(store, clock)
    ahead = T0 + timedelta(hours=3)
    entries = _entries(store, [replace(event(1), time=ahead)], created_at=ahead)
    payload = encode_batch("b-1", "edge-a", entries)
    assert receiver.handle(TOPICS.outbox("edge-a"), payload) is None
    assert receiver.counts().refused == {Refusal.CLOCK_AHEAD: 1}
    assert _ingested(store) == 0  # nothing stored; no ack: the entry stays at the edge
    # Within the tolerance (the edge's clock fixed, or the centre's caught up): taken once.
    clock.now = ahead - timedelta(seconds=299)
    ack = receiver.handle(TOPICS.outbox("edge-a"), payload)
    assert ack is not None
    assert ack.entry_ids == (entries[0].entry_id,)
    assert receiver.handle(TOPICS.outbox("edge-a"), payload) is not None  # replayed: acked
    assert _ingested(store) == 1
    assert [e.time for e in store.events.list()] == [ahead]


def test_replayed_and_reordered_batches_in_one_transaction_store_each_entry_once(
    store: Store,
) -> None:
    receiver = _receiver(store, Clock(T0))
    entries = _entries(store, [event(n) for n in range(20)])
    first = encode_batch("b-1", "edge-a", entries[:12])
    shuffled = entries[6:]
    random.Random(3).shuffle(shuffled)
    messages = [
        (TOPICS.outbox("edge-a"), first),
        (TOPICS.outbox("edge-a"), first),  # the same batch resent while the first waited
        (TOPICS.outbox("edge-a"), encode_batch("b-2", "edge-a", shuffled)),
        (TOPICS.outbox("edge-b"), encode_batch("b-1", "edge-b", entries[:3])),
    ]
    acks = receiver.handle_many(messages)
    assert all(ack is not None for ack in acks)
    counts = receiver.counts()
    assert (counts.batches, counts.transactions) == (4, 1)
    assert (counts.new_entries, counts.duplicate_entries) == (20 + 3, 12 + 6)
    assert _ingested(store) == 23
    assert sorted(e.id for e in store.events.list(limit=100)) == sorted(
        event(n).id for n in range(20)
    )


def test_one_bad_batch_in_a_group_does_not_hold_back_the_others(store: Store) -> None:
    receiver = _receiver(store, Clock(T0))
    good = _entries(store, [event(1), event(2)])
    # Valid on the wire, refused by the store (a source id longer than its column).
    bad = _entries(store, [replace(event(3), source_id="c" * 500)])
    acks = receiver.handle_many(
        [
            (TOPICS.outbox("edge-a"), encode_batch("b-good", "edge-a", good)),
            (TOPICS.outbox("edge-a"), encode_batch("b-bad", "edge-a", bad)),
        ]
    )
    assert acks[0] is not None
    assert acks[1] is None  # no ack: it stays at the edge, whose operator sees the log
    assert receiver.counts().refused == {Refusal.MALFORMED: 1}
    assert sorted(e.id for e in store.events.list()) == [event(1).id, event(2).id]
    assert _ingested(store) == 2


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_damaged_batch_is_refused_or_stored_exactly_as_it_reads(
    store: Store, data: st.DataObject
) -> None:
    """Any byte of a batch changed: refused with nothing stored, or (when the change still
    parses) stored as exactly what the strict parser read."""
    base = uuid.uuid4().hex  # fresh event ids: nothing earlier examples stored can match
    entries = _entries(store, [replace(event(n), id=f"d{base}-{n}") for n in range(3)])
    payload = bytearray(encode_batch(f"b-{base[:8]}", "edge-a", entries))
    position = data.draw(st.integers(0, len(payload) - 1))
    payload[position] = data.draw(st.integers(0, 255))
    receiver = _receiver(store, Clock(at(0)))
    before = _ingested(store)
    ack = receiver.handle(TOPICS.outbox("edge-a"), bytes(payload))
    try:
        batch = decode_batch(bytes(payload))
    except CodecError:
        assert ack is None
        assert _ingested(store) == before
        return
    if ack is None:  # parsed, but refused by a later check: nothing stored
        assert _ingested(store) == before
        return
    read = [entry.item for entry in batch.entries]
    assert all(isinstance(item, Event) for item in read)
    events = [item for item in read if isinstance(item, Event)]
    stored = {e.id: e for e in store.events.get_many(e.id for e in events)}
    assert stored == {
        e.id: replace(e, attributes={**e.attributes, "edge_id": "edge-a"}) for e in events
    }
