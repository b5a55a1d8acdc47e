"""The sender under a bandwidth budget, on the real broker with the test's clocks: alarms
never wait, the other priorities do; bytes per priority and per entry are counted as they
went on the wire; every publication (resends too) is stamped with the edge's clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.batch import decode_batch, entry_wire_bytes
from kordon.link.kinds import Priority
from kordon.link.outbox import Outbox, OutboxEntry
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.store import Store
from tests.link.support import (
    T0,
    Collector,
    ManualSeconds,
    SenderRig,
    at,
    edge_outbox,
    edge_store,
    endpoint,
    event,
    require_broker,
    unique_topics,
    wait_until,
)


class Wall:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Store]:
    require_broker()
    store = edge_store(tmp_path / "edge.db")
    yield store
    store.close()


def _health(outbox: Outbox, edge: Store, count: int, start: int = 0) -> list[OutboxEntry]:
    with edge.sessions.begin() as session:
        return [
            outbox.append(
                session,
                DeviceStatus(f"cam-{n}", T0, DeviceState.ONLINE, "x" * 200),
                created_at=at(n),
            )
            for n in range(start, start + count)
        ]


def _alarms(outbox: Outbox, edge: Store, ns: range) -> list[OutboxEntry]:
    with edge.sessions.begin() as session:
        return [outbox.append(session, event(n), created_at=at(n)) for n in ns]


class Rig(SenderRig):
    def __init__(self, edge: Store, settings: SenderSettings) -> None:
        self.topics = unique_topics()
        self.outbox = edge_outbox(edge)
        self.clock = ManualSeconds()
        self.wall = Wall()
        self.centre = Collector(f"centre-{uuid.uuid4().hex[:8]}", [self.topics.all_outboxes])
        self.sender = OutboxSender(
            self.outbox,
            endpoint(f"edge-{uuid.uuid4().hex[:8]}"),
            settings,
            clock=self.clock,
            topics=self.topics,
            now=self.wall,
        )

    def received(self, count: int) -> list[bytes]:
        wait_until(lambda: len(self.centre.received()) >= count, f"{count} batches")
        return [p for _t, p in self.centre.received()]


def _ids(payloads: list[bytes]) -> list[str]:
    return [e.entry_id for p in payloads for e in decode_batch(p).entries]


def test_alarms_leave_whatever_the_budget_and_the_rest_waits(edge: Store) -> None:
    settings = SenderSettings(
        "edge-a",
        batch_entries=50,
        max_in_flight=50,
        budget_bytes_s=1_000,
        budget_burst_bytes=2_000,
    )
    with Rig(edge, settings) as rig:
        health = _health(rig.outbox, edge, 20)
        size = entry_wire_bytes(health[0])
        assert 200 < size < 1_000
        published = rig.sender.pump()  # the burst's worth of health statuses, then held
        assert published >= 1
        spent = rig.sender.counts().wire_bytes
        payloads = rig.received(published)
        assert spent == sum(len(p) for p in payloads)
        assert spent > 2_000  # the last batch's first entry went while any byte was left
        assert spent - len(payloads[-1]) < 2_000  # ...and nothing after the budget ran out
        sent = len(_ids(payloads))
        assert _ids(payloads) == [h.entry_id for h in health[:sent]]
        assert sent < 20
        assert rig.sender.pump() == 0  # budget spent: the rest waits
        assert rig.sender.counts().budget_holds >= 1

        before = len(payloads)
        alarms = _alarms(rig.outbox, edge, range(100, 110))
        assert rig.sender.pump() == 1  # alarms go although the budget is spent...
        payloads = rig.received(before + 1)
        assert _ids(payloads[before:]) == [a.entry_id for a in alarms]  # ...and only alarms
        assert rig.sender.pump() == 0  # the budget is in debt now: health still waits

        more = _alarms(rig.outbox, edge, range(200, 203))
        assert rig.sender.pump() == 1  # again: alarms never wait for the debt
        payloads = rig.received(before + 2)
        assert _ids(payloads[before + 1 :]) == [a.entry_id for a in more]

        debt = -rig.sender.counts().wire_bytes + 2_000
        assert debt < 0
        rig.clock.advance(-debt / 1_000 - 0.01)  # just short of paying it back
        assert rig.sender.pump() == 0
        rig.clock.advance(1.0)  # now 990 bytes to spend: one batch of health, small
        assert rig.sender.pump() == 1
        payloads = rig.received(before + 3)
        assert _ids(payloads[before + 2 :]) == [
            h.entry_id for h in health[sent : sent + 990 // size]
        ]


def test_a_mixed_head_sends_the_alarms_alone_first(edge: Store) -> None:
    settings = SenderSettings(
        "edge-a", batch_entries=50, max_in_flight=50, budget_bytes_s=10, budget_burst_bytes=5_000
    )
    with Rig(edge, settings) as rig:
        with edge.sessions.begin() as session:
            alarm = rig.outbox.append(session, event(1), created_at=at(1))
            track = rig.outbox.append(session, event(2), created_at=at(2), priority=Priority.TRACK)
        assert rig.sender.pump() == 2  # the alarm alone, then the track within the budget
        payloads = rig.received(2)
        assert [_ids([p]) for p in payloads] == [[alarm.entry_id], [track.entry_id]]


def test_with_no_budget_left_an_alarm_goes_and_a_track_beside_it_waits(edge: Store) -> None:
    settings = SenderSettings(
        "edge-a", batch_entries=50, max_in_flight=50, budget_bytes_s=10, budget_burst_bytes=10
    )
    with Rig(edge, settings) as rig:
        with edge.sessions.begin() as session:
            alarm = rig.outbox.append(session, event(1), created_at=at(1))
            rig.outbox.append(session, event(2), created_at=at(2), priority=Priority.TRACK)
        assert rig.sender.pump() == 1  # the alarm spends the 10 bytes and more
        assert _ids(rig.received(1)) == [alarm.entry_id]
        assert rig.sender.pump() == 0
        assert rig.sender.counts().budget_holds == 2


def test_bytes_per_priority_and_per_entry_are_what_went_on_the_wire(edge: Store) -> None:
    settings = SenderSettings("edge-a", batch_entries=4, max_in_flight=50, ack_timeout_s=5)
    with Rig(edge, settings) as rig:
        alarms = _alarms(rig.outbox, edge, range(5))
        with edge.sessions.begin() as session:
            tracks = [
                rig.outbox.append(session, event(n), created_at=at(n), priority=Priority.TRACK)
                for n in range(10, 13)
            ]
        health = _health(rig.outbox, edge, 2, start=20)
        assert rig.sender.pump() == 3  # 4 + 4 + 2 entries
        payloads = rig.received(3)
        counts = rig.sender.counts()
        assert counts.wire_bytes == sum(len(p) for p in payloads)
        assert counts.entries_by_priority == {"alarm": 5, "track": 3, "health": 2}
        assert counts.bytes_by_priority == {
            "alarm": sum(entry_wire_bytes(e) for e in alarms),
            "track": sum(entry_wire_bytes(e) for e in tracks),
            "health": sum(entry_wire_bytes(e) for e in health),
        }
        entry_bytes = sum(counts.bytes_by_priority.values())
        assert counts.bytes_per_entry == pytest.approx(entry_bytes / 10)
        # what each entry's part of a batch is, exactly: the batch minus its envelope
        envelope = sum(len(p) for p in payloads) - entry_bytes
        assert 0 < envelope < 3 * 150
        figures = counts.figures()
        assert figures["bytes_track"] == counts.bytes_by_priority["track"]
        assert figures["entries_health"] == 2.0
        assert figures["bytes_per_entry"] == round(counts.bytes_per_entry, 1)

        # a resend costs bytes on the wire, but sends no entry a second time in the counts
        rig.clock.advance(5)
        assert rig.sender.pump() == 3
        payloads = rig.received(6)
        again = rig.sender.counts()
        assert again.wire_bytes == sum(len(p) for p in payloads)
        assert again.entries_by_priority == counts.entries_by_priority


def test_every_publication_is_stamped_with_the_edges_clock(edge: Store) -> None:
    settings = SenderSettings("edge-a", max_in_flight=4, ack_timeout_s=5)
    with Rig(edge, settings) as rig:
        _alarms(rig.outbox, edge, range(2))
        rig.wall.now = T0 + timedelta(seconds=7.5)
        assert rig.sender.pump() == 1
        [first] = rig.received(1)
        assert decode_batch(first).sent_at == T0 + timedelta(seconds=7.5)
        rig.clock.advance(5)
        rig.wall.now = T0 + timedelta(seconds=12.5)
        assert rig.sender.pump() == 1  # resent: same batch, stamped anew
        [_, resent] = rig.received(2)
        assert decode_batch(resent).batch_id == decode_batch(first).batch_id
        assert decode_batch(resent).sent_at == T0 + timedelta(seconds=12.5)
        assert decode_batch(resent).entries == decode_batch(first).entries


@pytest.mark.parametrize(
    ("options", "message"),
    [({"budget_bytes_s": 0}, "budget_bytes_s"), ({"budget_burst_bytes": 0}, "budget_burst")],
)
def test_nonsense_budget_settings_are_refused(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SenderSettings("edge-a", **options)  # type: ignore[arg-type]
