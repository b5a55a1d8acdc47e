"""An edge whose clock is hours off: its times corrected at the centre from the batches'
``sent_at``, with a clear log and the ``link-<edge>`` device degraded (SQLite and
PostgreSQL); a replayed old batch corrects nothing; a version 1 batch is read as before."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from kordon.central.link_health import LinkHealth
from kordon.domain.event import Event
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.batch import decode_batch, decode_batch_detailed, encode_batch
from kordon.link.clock_fix import EDGE_TIME_ATTRIBUTE, OFFSET_ATTRIBUTE
from kordon.link.clock_offset import ClockSettings
from kordon.link.errors import CodecError
from kordon.link.ingest import Ingestor
from kordon.link.outbox import Outbox, OutboxEntry
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import ReceiverSettings
from kordon.link.topics import LinkTopics
from kordon.store import Store
from tests.link.support import T0, at, endpoint, event

TOPICS = LinkTopics(root="clock-test/edge")
BEHIND = timedelta(hours=3)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Centre:
    def __init__(self, store: Store, clock: Clock, *, confirm_s: float = 60.0) -> None:
        self.store = store
        self.clock = clock
        self.statuses: list[DeviceStatus] = []
        self.health = LinkHealth(
            lambda: store, clock=clock, publish=self.statuses.append, min_interval_s=60
        )
        self.receiver = LinkReceiver(
            Ingestor(store),
            endpoint("unused"),
            ReceiverSettings.of(
                {"edge-a"}, clock=ClockSettings(threshold_s=2.0, confirm_s=confirm_s)
            ),
            clock=clock,
            topics=TOPICS,
            on_clock=self.health.clock,
            on_stored=lambda edge, _items: self.health.stored(edge),
        )

    def deliver(self, batch_id: str, entries: Sequence[OutboxEntry], sent_at: datetime) -> bool:
        payload = encode_batch(batch_id, "edge-a", entries, sent_at=sent_at)
        return self.receiver.handle(TOPICS.outbox("edge-a"), payload) is not None

    def link_state(self) -> DeviceState:
        return self.store.devices.get("link-edge-a").state


def _queued(edge_store: Store, items: Sequence[Event], skew: timedelta) -> list[OutboxEntry]:
    """``items`` as an edge whose clock is ``skew`` behind the true time queues them."""
    outbox = Outbox(edge_store.sessions)
    with edge_store.sessions.begin() as session:
        return [outbox.append(session, e, created_at=e.time) for e in items]


def _edge_event(n: int, skew: timedelta) -> Event:
    """Event ``n`` as truly at ``at(n)``, stamped by an edge clock ``skew`` behind."""
    return replace(event(n), time=at(n) - skew)


def test_an_edge_clock_hours_behind_is_corrected_logged_and_degrades_its_link(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(T0)
    centre = Centre(store, clock, confirm_s=60)
    caplog.set_level(logging.INFO, logger="kordon.link.receiver")
    for n in (0, 30):  # evidence still short of confirm_s: taken as it is
        clock.now = at(n) + timedelta(seconds=0.5)
        assert centre.deliver(
            f"b{n}", _queued(store, [_edge_event(n, BEHIND)], BEHIND), at(n) - BEHIND
        )
    assert store.events.get("ev-000000").time == at(0) - BEHIND
    assert centre.link_state() is DeviceState.ONLINE  # receiving, not yet corrected

    clock.now = at(60.5)
    assert centre.deliver("b60", _queued(store, [_edge_event(60, BEHIND)], BEHIND), at(60) - BEHIND)
    stored = store.events.get("ev-000060")
    assert stored.time == at(60.5)  # corrected by the offset measured, transit included
    assert stored.attributes[EDGE_TIME_ATTRIBUTE] == "2026-05-04T18:01:00Z"
    assert stored.attributes[OFFSET_ATTRIBUTE] == pytest.approx(3 * 3600 + 0.5)
    assert stored.attributes["n"] == 60  # its own attributes kept
    status = store.devices.get("link-edge-a")
    assert status.state is DeviceState.DEGRADED
    assert "10800.5 s behind the centre's" in status.detail
    assert status.metrics["clock_offset_s"] == pytest.approx(10800.5)
    warnings = [r.getMessage() for r in caplog.records if "clock" in r.getMessage()]
    assert len(warnings) == 1
    assert "edge edge-a's clock is 10800.5 s behind the centre's" in warnings[0]
    assert "corrected by +10800.5 s" in warnings[0]

    # more batches: still corrected, logged and recorded once only; delivering does not
    # put the link back online while its clock is off
    clock.now = at(90.5)
    assert centre.deliver("b90", _queued(store, [_edge_event(90, BEHIND)], BEHIND), at(90) - BEHIND)
    assert store.events.get("ev-000090").time == at(90.5)
    assert centre.link_state() is DeviceState.DEGRADED
    assert [s.state for s in centre.statuses] == [DeviceState.ONLINE, DeviceState.DEGRADED]

    # the edge's clock is fixed: no more correction, the link online, logged once
    clock.now = at(120.2)
    assert centre.deliver("b120", _queued(store, [event(120)], timedelta()), at(120))
    assert store.events.get("ev-000120").time == at(120)
    assert EDGE_TIME_ATTRIBUTE not in store.events.get("ev-000120").attributes
    assert centre.link_state() is DeviceState.ONLINE
    assert [s.state for s in centre.statuses] == [
        DeviceState.ONLINE,  # the first batch: receiving
        DeviceState.DEGRADED,
        DeviceState.ONLINE,
    ]
    assert centre.receiver.clock_offset("edge-a") == 0.0
    clock_lines = [r.getMessage() for r in caplog.records if "clock" in r.getMessage()]
    assert len(clock_lines) == 2  # once for each change
    assert "edge edge-a's clock agrees with the centre's again" in clock_lines[1]


def test_an_edge_clock_hours_ahead_is_corrected_instead_of_refused(store: Store) -> None:
    clock = Clock(at(0.3))
    centre = Centre(store, clock)
    ahead = -BEHIND
    entries = _queued(store, [_edge_event(0, ahead)], ahead)
    assert centre.deliver("b0", entries, at(0) + BEHIND)  # sent "three hours from now"
    stored = store.events.get("ev-000000")
    assert stored.time == at(0.3)
    assert stored.attributes[EDGE_TIME_ATTRIBUTE] == "2026-05-05T00:00:00Z"
    assert centre.receiver.counts().refused == {}
    status = store.devices.get("link-edge-a")
    assert status.state is DeviceState.DEGRADED
    assert "ahead of the centre's" in status.detail


def test_an_entry_ahead_of_its_own_batch_is_still_refused(store: Store) -> None:
    """An edge that sends ``sent_at`` right but stamps an entry three hours later: nothing
    explains it, the batch is refused as before (no ack: it stays at the edge)."""
    centre = Centre(store, Clock(at(0.2)))
    entries = _queued(store, [_edge_event(0, -BEHIND)], -BEHIND)
    assert not centre.deliver("b0", entries, at(0))
    assert centre.receiver.counts().refused == {"clock_ahead": 1}
    assert store.events.list() == []


def test_a_replayed_old_batch_is_neither_duplicated_nor_corrected(store: Store) -> None:
    clock = Clock(at(0.2))
    centre = Centre(store, clock, confirm_s=60)
    first = _queued(store, [event(0)], timedelta())
    assert centre.deliver("b0", first, at(0))
    for n in (30, 60):
        clock.now = at(n + 0.2)
        assert centre.deliver(f"b{n}", _queued(store, [event(n)], timedelta()), at(n))
    # the first batch, as it was, five hours later (a broker or an edge replaying it)
    clock.now = at(5 * 3600)
    assert centre.deliver("b0", first, at(0))
    # and the same entries under a new batch id with their old sent_at
    clock.now = at(5 * 3600 + 60)
    assert centre.deliver("b0-again", first, at(0))
    assert centre.receiver.clock_offset("edge-a") == 0.0
    assert [e.time for e in store.events.list(limit=10)] == [at(60), at(30), at(0)]
    assert centre.receiver.counts().new_entries == 3
    assert centre.link_state() is DeviceState.ONLINE  # never degraded by the replay


def test_a_clock_so_far_off_that_a_time_leaves_the_calendar_is_refused(store: Store) -> None:
    centre = Centre(store, Clock(at(0)))
    entries = _queued(store, [event(0)], timedelta())
    assert not centre.deliver("b0", entries, datetime.max.replace(tzinfo=T0.tzinfo))
    assert centre.receiver.counts().refused == {"malformed": 1}
    assert store.events.list() == []


def test_a_version_1_batch_is_read_as_before(store: Store) -> None:
    entries = _queued(store, [event(0)], timedelta())
    batch = decode_batch(encode_batch("b0", "edge-a", entries))
    assert batch.sent_at is None
    clock = Clock(at(10))
    centre = Centre(store, clock)
    assert centre.receiver.handle(TOPICS.outbox("edge-a"), encode_batch("b0", "edge-a", entries))
    assert store.events.get("ev-000000").time == at(0)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda s: s.replace(
                '"sent_at":"2026-05-04T21:00:00Z"', '"sent_at":"2026-05-04T21:00:00"'
            ),
            "time zone",
        ),
        (
            lambda s: s.replace('"sent_at":"2026-05-04T21:00:00Z"', '"sent_at":1777928400'),
            "sent_at",
        ),
        (
            lambda s: s.replace('"sent_at":"2026-05-04T21:00:00Z"', '"sent_at":"yesterday"'),
            "sent_at",
        ),
        (lambda s: s.replace('"sent_at":"2026-05-04T21:00:00Z",', ""), "sent_at"),
        (lambda s: s.replace('{"v":2,', '{"v":1,'), "exactly the keys"),
        (lambda s: s.replace('{"v":2,', '{"v":3,'), "version 3"),
    ],
)
def test_a_damaged_sent_at_is_refused_by_both_readers(
    store: Store, edit: Callable[[str], str], message: str
) -> None:
    entries = _queued(store, [event(0)], timedelta())
    text = encode_batch("b0", "edge-a", entries, sent_at=T0).decode()
    assert '"sent_at":"2026-05-04T21:00:00Z"' in text
    damaged = edit(text).encode()
    with pytest.raises(CodecError, match=message):
        decode_batch(damaged)
    with pytest.raises(CodecError, match=message):
        decode_batch_detailed(damaged)


def test_both_readers_read_sent_at_the_same(store: Store) -> None:
    entries = _queued(store, [event(0)], timedelta())
    payload = encode_batch("b0", "edge-a", entries, sent_at=at(1.25))
    assert decode_batch(payload) == decode_batch_detailed(payload)
    assert decode_batch(payload).sent_at == at(1.25)
