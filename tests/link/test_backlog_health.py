"""The edge's ``link-<edge>-outbox`` device from its outbox backlog: degraded past a number of
entries or an age, online again once under both, the link's figures in its metrics; checked
by the sender's pump even while the broker is out of reach. Clocks are the test's."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.backlog import Backlog, BacklogHealth, BacklogLimits, outbox_backlog
from kordon.link.mqtt_link import BrokerEndpoint
from kordon.link.outbox import Outbox
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.store import Store
from kordon.store.errors import StoreError
from tests.link.support import T0, ManualSeconds, at, edge_outbox, edge_store, event


class Wall:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Store]:
    store = edge_store(tmp_path / "edge.db")
    yield store
    store.close()


def _append(outbox: Outbox, edge: Store, ns: range) -> list[str]:
    with edge.sessions.begin() as session:
        return [outbox.append(session, event(n), created_at=at(n)).entry_id for n in ns]


def test_the_backlog_is_measured_from_the_outbox(edge: Store) -> None:
    outbox = edge_outbox(edge)
    assert outbox_backlog(edge.sessions) == Backlog(0, None)
    ids = _append(outbox, edge, range(3, 6))
    backlog = outbox_backlog(edge.sessions)
    assert backlog == Backlog(3, at(3))
    assert backlog.age_s(at(13)) == 10.0
    outbox.acknowledge(ids[:1])
    assert outbox_backlog(edge.sessions) == Backlog(2, at(4))


def test_too_many_or_too_old_entries_degrade_the_link_device_until_both_are_under(
    edge: Store, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = edge_outbox(edge)
    wall = Wall()
    health = BacklogHealth(
        "edge-a",
        lambda: outbox_backlog(edge.sessions),
        edge.devices.record,
        now=wall,
        limits=BacklogLimits(max_entries=3, max_age_s=60, report_s=300),
    )
    caplog.set_level(logging.INFO, logger="kordon.link.backlog")
    first = health.check({"wire_bytes": 10.0})
    assert first is not None
    assert first.state is DeviceState.ONLINE
    assert first.metrics == {"wire_bytes": 10.0, "backlog_entries": 0.0, "backlog_age_s": 0.0}
    assert health.check({}) is None  # nothing changed, not due

    ids = _append(outbox, edge, range(4))
    wall.now = at(10)
    status = health.check({})
    assert status is not None
    assert status.state is DeviceState.DEGRADED
    assert status.detail == ("backlog to the centre: 4 entries wait (limit 3) (link slow or cut?)")
    assert edge.devices.get("link-edge-a-outbox") == status

    outbox.acknowledge(ids[:2])
    wall.now = at(70)  # two entries, the oldest (at 2 s) 68 s old
    assert health.check({}) is None  # still degraded: no new status
    assert edge.devices.get("link-edge-a-outbox").state is DeviceState.DEGRADED
    assert edge.devices.get("link-edge-a-outbox").detail.endswith("(limit 3) (link slow or cut?)")

    wall.now = at(400)  # due: reported again with the reason now true
    status = health.check({})
    assert status is not None
    assert status.detail == (
        "backlog to the centre: the oldest waits for 398 s (limit 60 s) (link slow or cut?)"
    )
    assert status.metrics["backlog_entries"] == 2.0
    assert status.metrics["backlog_age_s"] == 398.0

    outbox.acknowledge(ids[2:])
    wall.now = at(401)
    status = health.check({})
    assert status is not None
    assert status.state is DeviceState.ONLINE
    assert status.detail == "backlog to the centre: 0 entries, oldest 0 s"
    changes = [r.getMessage() for r in caplog.records]
    assert len(changes) == 2  # the change to degraded and the one back, each logged once


def test_a_store_that_fails_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    recorded: list[DeviceStatus] = []

    def broken() -> Backlog:
        raise StoreError("database is locked")

    health = BacklogHealth("edge-a", broken, recorded.append, now=Wall())
    assert health.check({}) is None
    assert recorded == []
    assert "database is locked" in caplog.text


def test_the_senders_pump_checks_the_backlog_even_without_a_broker(edge: Store) -> None:
    outbox = edge_outbox(edge)
    clock = ManualSeconds()
    wall = Wall()
    health = BacklogHealth(
        "edge-a",
        lambda: outbox_backlog(edge.sessions),
        edge.devices.record,
        now=wall,
        limits=BacklogLimits(max_entries=1, max_age_s=60, check_s=5),
    )
    sender = OutboxSender(
        outbox,
        BrokerEndpoint(host="127.0.0.1", port=1, client_id="never-connected"),
        SenderSettings("edge-a"),
        clock=clock,
        backlog=health,
        now=wall,
    )
    assert sender.pump() == 0  # not connected: nothing sent, the backlog measured
    assert edge.devices.get("link-edge-a-outbox").state is DeviceState.ONLINE
    _append(outbox, edge, range(2))
    clock.advance(4.9)
    assert sender.pump() == 0
    assert edge.devices.get("link-edge-a-outbox").state is DeviceState.ONLINE  # not due yet
    clock.advance(0.1)
    wall.now = at(5)
    sender.pump()
    status = edge.devices.get("link-edge-a-outbox")
    assert status.state is DeviceState.DEGRADED
    assert status.metrics["backlog_entries"] == 2.0
    assert status.metrics["wire_bytes"] == 0.0  # the sender's figures ride along
    assert status.time == T0 + timedelta(seconds=5)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_entries": 0}, "max_entries"),
        ({"max_age_s": 0}, "max_age_s"),
        ({"check_s": 0}, "check_s"),
        ({"report_s": -1}, "report_s"),
    ],
)
def test_nonsense_limits_are_refused(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BacklogLimits(**options)  # type: ignore[arg-type]
