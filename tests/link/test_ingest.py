"""The centre's ingest and the receiver's checks, without the broker: idempotent, strict."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from kordon.domain.incident import Incident
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.batch import Ack, Batch, decode_ack, decode_batch, encode_ack, encode_batch
from kordon.link.errors import CodecError
from kordon.link.ingest import EDGE_ATTRIBUTE, Ingestor
from kordon.link.kinds import Shipped
from kordon.link.outbox import Outbox, OutboxEntry
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings, Refusal
from kordon.link.topics import LinkTopics
from kordon.store import Store
from kordon.store.models_link import LinkIngestedRow
from tests.link.support import T0, at, endpoint, event

TOPICS = LinkTopics(root="test/edge")


def _entries(store: Store, items: Sequence[Shipped]) -> list[OutboxEntry]:
    """Outbox entries of ``items``, written to ``store``'s outbox."""
    outbox = Outbox(store.sessions)
    with store.sessions.begin() as session:
        return [outbox.append(session, item, created_at=at(n)) for n, item in enumerate(items)]


def _batch(batch_id: str, entries: list[OutboxEntry], edge: str = "edge-a") -> Batch:
    return decode_batch(encode_batch(batch_id, edge, entries))


def _ingested(store: Store) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(LinkIngestedRow)) or 0)


def test_batch_round_trip_and_ack(store: Store) -> None:
    status = DeviceStatus("cam-1", T0, DeviceState.DEGRADED, "low fps", {"fps": 3.0})
    entries = _entries(store, [event(1), status])
    batch = _batch("b-1", entries)
    assert (batch.batch_id, batch.edge_id) == ("b-1", "edge-a")
    assert [e.entry_id for e in batch.entries] == [e.entry_id for e in entries]
    assert [e.item for e in batch.entries] == [event(1), status]
    ack = Ack("b-1", tuple(e.entry_id for e in entries))
    assert decode_ack(encode_ack(ack)) == ack


def test_ingest_is_idempotent_under_replays_and_reorders(store: Store) -> None:
    entries = _entries(store, [event(n) for n in range(30)])
    ingestor = Ingestor(store)
    first = ingestor.ingest(_batch("b-1", entries[:20]), time=T0)
    assert (first.new, first.duplicates) == (20, 0)
    # The same batch again, then overlapping and reordered batches under new batch ids.
    again = ingestor.ingest(_batch("b-1", entries[:20]), time=at(1))
    assert (again.new, again.duplicates) == (0, 20)
    shuffled = entries[10:]
    random.Random(7).shuffle(shuffled)
    overlap = ingestor.ingest(_batch("b-2", shuffled), time=at(2))
    assert (overlap.new, overlap.duplicates) == (10, 10)
    stored = store.events.list(limit=1000)
    assert sorted(e.id for e in stored) == sorted(event(n).id for n in range(30))
    assert all(e.attributes[EDGE_ATTRIBUTE] == "edge-a" for e in stored)
    assert _ingested(store) == 30


def test_same_entry_id_from_two_edges_is_two_entries(store: Store) -> None:
    entries = _entries(store, [event(1)])
    ingestor = Ingestor(store)
    assert ingestor.ingest(_batch("b-1", entries, "edge-a"), time=T0).new == 1
    assert ingestor.ingest(_batch("b-1", entries, "edge-b"), time=T0).new == 1
    assert _ingested(store) == 2
    assert len(store.events.list()) == 1  # the event itself is one fact (same event id)


def test_status_and_incident_are_ingested(store: Store) -> None:
    status = DeviceStatus("cam-1", T0, DeviceState.OFFLINE, "no frames")
    incident = Incident(id="inc-1", title="crossing", opened_at=T0, priority=1)
    Ingestor(store).ingest(_batch("b-1", _entries(store, [status, incident])), time=T0)
    assert store.devices.get("cam-1") == status
    with store.sessions() as session:
        rows = session.scalars(select(LinkIngestedRow).order_by(LinkIngestedRow.kind)).all()
        kept = {row.kind: row.payload for row in rows}
    assert set(kept) == {"device_status", "incident"}
    assert kept["device_status"] is None  # applied to the device tables instead
    payloads = [kept["incident"]]
    assert json.loads(payloads[0] or "")["data"]["id"] == "inc-1"


def _receiver(store: Store, *, max_batch_bytes: int) -> LinkReceiver:
    return LinkReceiver(
        Ingestor(store),
        endpoint("unused"),
        ReceiverSettings.of({"edge-a"}, max_batch_bytes=max_batch_bytes),
        clock=lambda: T0,
        topics=TOPICS,
    )


def test_receiver_refuses_and_counts_without_storing(store: Store) -> None:
    receiver = _receiver(store, max_batch_bytes=20_000)
    good = encode_batch("b-1", "edge-a", _entries(store, [event(1)]))
    big = encode_batch("b-2", "edge-a", _entries(store, [event(n) for n in range(100, 160)]))
    assert len(big) > 20_000
    cases: list[tuple[str, bytes, Refusal]] = [
        (TOPICS.outbox("edge-x"), good, Refusal.UNKNOWN_EDGE),
        ("other/edge-a/outbox", good, Refusal.UNKNOWN_EDGE),
        (TOPICS.outbox("edge-a"), big, Refusal.OVERSIZED),
        (TOPICS.outbox("edge-a"), b"{not json", Refusal.MALFORMED),
        (TOPICS.outbox("edge-a"), good.replace(b'"v":1', b'"v":9', 1), Refusal.MALFORMED),
        (
            TOPICS.outbox("edge-a"),
            good.replace(b'"priority":0', b'"priority":"0"'),
            Refusal.MALFORMED,
        ),
        (
            TOPICS.outbox("edge-a"),
            encode_batch("b-3", "edge-b", _entries(store, [event(2)])),
            Refusal.WRONG_EDGE,
        ),
    ]
    for topic, payload, _why in cases:
        assert receiver.handle(topic, payload) is None
    counts = receiver.counts()
    expected: dict[str, int] = {}
    for _topic, _payload, why in cases:
        expected[why] = expected.get(why, 0) + 1
    assert counts.refused == expected
    assert counts.batches == 0
    assert _ingested(store) == 0
    assert store.events.list() == []
    # And the good batch is taken (the checks above can pass a batch).
    ack = receiver.handle(TOPICS.outbox("edge-a"), good)
    assert ack is not None
    assert ack.batch_id == "b-1"
    assert _ingested(store) == 1


def test_batch_with_duplicate_entry_ids_is_refused(store: Store) -> None:
    [entry] = _entries(store, [event(1)])
    with pytest.raises(CodecError, match="same entry id twice"):
        decode_batch(encode_batch("b", "edge-a", [entry, entry]))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_replays_and_reorders_store_each_entry_once(store: Store, data: st.DataObject) -> None:
    """Batches cut from any subsets, in any order, any number of times: each entry once."""
    edge = f"edge-{uuid.uuid4().hex[:8]}"
    base = uuid.uuid4().hex[:6]
    items = [replace(event(n), id=f"{base}-{n}") for n in range(12)]
    entries = _entries(store, items)
    picks = data.draw(
        st.lists(
            st.lists(st.sampled_from(entries), min_size=1, unique_by=lambda e: e.entry_id),
            min_size=1,
            max_size=6,
        )
    )
    ingestor = Ingestor(store)
    new = 0
    for n, chosen in enumerate(picks):
        batch_id = data.draw(st.sampled_from(["b-0", f"b-{n}"]))  # reused or fresh batch ids
        result = ingestor.ingest(_batch(batch_id, chosen, edge), time=at(n))
        assert result.new + result.duplicates == len(chosen)
        new += result.new
    union = {e.entry_id for chosen in picks for e in chosen}
    assert new == len(union)
    with store.sessions() as session:
        stored = session.scalars(
            select(LinkIngestedRow.entry_id).where(LinkIngestedRow.edge_id == edge)
        ).all()
    assert sorted(stored) == sorted(union)
    expected_events = {
        item.id for item, e in zip(items, entries, strict=True) if e.entry_id in union
    }
    assert {e.id for e in store.events.get_many(i.id for i in items)} == expected_events
