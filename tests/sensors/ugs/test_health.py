"""Device health from heartbeats, battery and tamper; silence → offline (injected clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kordon.domain.status import DeviceState
from kordon.sensors.ugs.health import HealthLimits, UgsHealthMonitor
from kordon.sensors.ugs.watchdog import SilenceWatchdog
from tests.sensors.ugs.support import T0, ManualClock, message


def test_the_watchdog_reports_a_silent_sensor_once_and_rearms_when_heard() -> None:
    clock = ManualClock()
    dog = SilenceWatchdog({"a": 10.0, "b": 30.0}, started=clock())
    clock.advance(10.0)
    assert dog.check(clock()) == []  # exactly at the limit: not yet
    clock.advance(0.001)
    assert dog.check(clock()) == ["a"]
    assert dog.check(clock()) == []  # reported once
    assert dog.silent == {"a"}
    assert dog.heard("a", clock()) is True  # it was silent
    assert dog.heard("a", clock()) is False
    clock.advance(9.0)
    assert dog.check(clock()) == []  # a heard 9 s ago, b silent 19.001 s of 30
    clock.advance(11.0)
    assert dog.check(clock()) == ["a", "b"]
    assert dog.silent_for_s("a", clock()) == pytest.approx(20.0)


def test_the_watchdog_refuses_unknown_sensors_and_naive_times() -> None:
    dog = SilenceWatchdog({"a": 10.0}, started=T0)
    with pytest.raises(KeyError):
        dog.heard("z", T0)
    with pytest.raises(ValueError, match="timezone-aware"):
        dog.check(T0.replace(tzinfo=None))
    with pytest.raises(ValueError, match="must be > 0"):
        SilenceWatchdog({"a": 0.0}, started=T0)


def _monitor(clock: ManualClock) -> UgsHealthMonitor:
    return UgsHealthMonitor({"ugs-1": HealthLimits(60.0, 20.0)}, started=clock())


def test_a_sensor_starts_then_goes_online_at_its_first_heartbeat() -> None:
    clock = ManualClock()
    monitor = _monitor(clock)
    [status] = monitor.statuses(clock())
    assert (status.state, status.detail) == (DeviceState.STARTING, "not heard from yet")
    online = monitor.record(message(T0, type="heartbeat", battery_pct=77.0), clock())
    assert online is not None
    assert (online.device_id, online.state, online.detail) == ("ugs-1", DeviceState.ONLINE, "")
    assert online.metrics["battery_pct"] == 77.0
    assert online.metrics["heartbeats"] == 1.0
    assert monitor.record(message(T0, type="heartbeat", battery_pct=76.0), clock()) is None


def test_tamper_and_low_battery_degrade_and_clear() -> None:
    clock = ManualClock()
    monitor = _monitor(clock)
    monitor.record(message(T0, type="heartbeat"), clock())
    tampered = monitor.record(message(T0, tamper=True), clock())
    assert tampered is not None
    assert (tampered.state, tampered.detail) == (DeviceState.DEGRADED, "tamper switch open")
    both = monitor.record(message(T0, type="heartbeat", tamper=True, battery_pct=20.0), clock())
    assert both is not None
    assert both.detail == "tamper switch open; battery low (20 %, low at 20 %)"
    low = monitor.record(message(T0, type="heartbeat", battery_pct=19.0), clock())
    assert low is not None
    assert (low.state, low.detail) == (DeviceState.DEGRADED, "battery low (19 %, low at 20 %)")
    fine = monitor.record(message(T0, type="heartbeat", battery_pct=21.0), clock())
    assert fine is not None
    assert fine.state is DeviceState.ONLINE


def test_silence_past_two_heartbeat_intervals_is_offline_and_a_message_brings_it_back() -> None:
    clock = ManualClock()
    monitor = _monitor(clock)
    monitor.record(message(T0, type="heartbeat"), clock())
    clock.advance(120.0)
    assert monitor.check(clock()) == []
    clock.advance(0.5)
    [offline] = monitor.check(clock())
    assert offline.state is DeviceState.OFFLINE
    assert offline.detail == "no message for more than 120 s (heartbeat every 60 s)"
    assert offline.time == T0 + timedelta(seconds=120.5)
    assert offline.metrics["silent_s"] == 120.5
    assert monitor.check(clock()) == []  # one status per silence
    back = monitor.record(message(clock(), type="heartbeat"), clock())
    assert back is not None
    assert back.state is DeviceState.ONLINE


def test_a_sensor_never_heard_goes_offline_after_its_limit_from_start() -> None:
    clock = ManualClock()
    monitor = _monitor(clock)
    clock.advance(121.0)
    [offline] = monitor.check(clock())
    assert (offline.device_id, offline.state) == ("ugs-1", DeviceState.OFFLINE)


def test_floods_degrade_until_they_end() -> None:
    clock = ManualClock()
    monitor = _monitor(clock)
    monitor.record(message(T0, type="heartbeat"), clock())
    started = monitor.flood("ugs-1", clock(), flooding=True, dropped_total=1)
    assert started is not None
    assert started.state is DeviceState.DEGRADED
    assert started.detail == "flooding: messages over its rate limit are dropped"
    ended = monitor.flood("ugs-1", clock(), flooding=False, dropped_total=40)
    assert ended is not None
    assert ended.state is DeviceState.ONLINE
    assert ended.metrics["dropped"] == 40.0
