"""Uptime and outages from the device status history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.register.uptime import NO_REPORT, compute_uptime, device_uptime
from kordon.store import Store
from tests.register.conftest import T0


def at(minutes: float) -> object:
    return T0 + timedelta(minutes=minutes)


def test_step_function_with_outages() -> None:
    reports = [
        (T0 + timedelta(minutes=10), "online", ""),
        (T0 + timedelta(minutes=30), "offline", "no frames"),
        (T0 + timedelta(minutes=40), "stopped", "restart"),
        (T0 + timedelta(minutes=45), "degraded", "low fps"),
    ]
    result = compute_uptime(
        "cam-1", reports, since=T0, until=T0 + timedelta(minutes=60), stale_after_s=None
    )
    assert result.unknown_s == 600  # before the first report
    assert result.down_s == 15 * 60
    assert result.up_s == 35 * 60
    assert result.ratio == pytest.approx(35 / 50)
    assert [(o.start, o.end, o.state) for o in result.outages] == [
        (T0 + timedelta(minutes=30), T0 + timedelta(minutes=45), "offline")
    ]


def test_silence_is_an_outage_and_the_state_before_the_window_counts() -> None:
    before = (T0 - timedelta(minutes=5), "online", "")
    reports = [(T0 + timedelta(seconds=s), "online", "") for s in range(0, 600, 10)]
    result = compute_uptime(
        "cam-1",
        reports,
        since=T0,
        until=T0 + timedelta(minutes=20),
        before=before,
        stale_after_s=120,
    )
    assert result.unknown_s == 0
    last = T0 + timedelta(seconds=590)
    assert [(o.start, o.state) for o in result.outages] == [
        (last + timedelta(seconds=120), NO_REPORT)
    ]
    assert result.down_s == pytest.approx(20 * 60 - 710)


def test_invalid_window() -> None:
    with pytest.raises(ValueError, match="until must be after since"):
        compute_uptime("x", [], since=T0, until=T0)


def test_uptime_from_the_store(store: Store) -> None:
    for minutes, state in (
        (-10, DeviceState.ONLINE),
        (20, DeviceState.OFFLINE),
        (50, DeviceState.ONLINE),
    ):
        store.devices.record(DeviceStatus("cam-1", T0 + timedelta(minutes=minutes), state))
    store.devices.record(DeviceStatus("cam-2", T0, DeviceState.OFFLINE))
    result = device_uptime(
        store.sessions, "cam-1", since=T0, until=T0 + timedelta(hours=1), stale_after_s=None
    )
    assert (result.up_s, result.down_s, result.unknown_s) == (30 * 60, 30 * 60, 0)
    assert [(o.start, o.end) for o in result.outages] == [
        (T0 + timedelta(minutes=20), T0 + timedelta(minutes=50))
    ]
