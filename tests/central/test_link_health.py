"""``LinkHealth``: refusals become a degraded link device, at most once a minute per reason,
and the next stored batch puts it back online."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kordon.central.link_health import UNKNOWN_EDGE_DEVICE, LinkHealth, link_device
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.store import Store
from kordon.store.errors import NotFoundError
from tests.link.support import T0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_a_refusal_degrades_the_edges_link_device_and_a_stored_batch_clears_it(
    store: Store,
) -> None:
    clock = Clock()
    published: list[DeviceStatus] = []
    health = LinkHealth(lambda: store, clock=clock, publish=published.append, min_interval_s=60)

    health.refused("edge-a", "ledger_rewrite", "edge edge-a sent entry 0 with leaf …")
    status = store.devices.get("link-edge-a")
    assert status.state is DeviceState.DEGRADED
    assert status.detail.startswith("ledger_rewrite: edge edge-a sent entry 0")
    assert published == [status]

    clock.now += timedelta(seconds=30)
    health.refused("edge-a", "ledger_rewrite", "again")  # within the minute: not recorded
    health.refused("edge-a", "malformed", "another reason")  # another reason: recorded
    assert [s.detail.split(":")[0] for s in published] == ["ledger_rewrite", "malformed"]

    clock.now += timedelta(seconds=1)
    health.stored("edge-a")
    assert store.devices.get("link-edge-a").state is DeviceState.ONLINE
    health.stored("edge-a")  # already online: nothing more
    assert [s.state for s in published] == [
        DeviceState.DEGRADED,
        DeviceState.DEGRADED,
        DeviceState.ONLINE,
    ]


def test_the_first_batch_of_a_healthy_edge_shows_its_link_online_once(store: Store) -> None:
    clock = Clock()
    published: list[DeviceStatus] = []
    health = LinkHealth(lambda: store, clock=clock, publish=published.append)
    with pytest.raises(NotFoundError):
        store.devices.get("link-edge-b")
    health.stored("edge-b")
    status = store.devices.get("link-edge-b")
    assert (status.state, status.detail) == (DeviceState.ONLINE, "receiving batches")
    clock.now += timedelta(seconds=5)
    health.stored("edge-b")
    health.stored("edge-b")
    assert published == [status]  # once, not at every batch


def test_an_unknown_edge_is_one_device_whatever_name_it_uses(store: Store) -> None:
    health = LinkHealth(lambda: store, clock=Clock(), min_interval_s=60)
    health.refused(None, "unknown_edge", "edge not configured")
    assert store.devices.get(UNKNOWN_EDGE_DEVICE).state is DeviceState.DEGRADED
    with pytest.raises(NotFoundError):
        store.devices.get(link_device("edge-x"))
