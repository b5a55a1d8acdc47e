"""The per-sensor token bucket: bursts, average rate, episodes, counters, health events."""

from __future__ import annotations

import json

import pytest

from kordon.domain.status import DeviceState
from kordon.sensors.ugs.errors import UgsDecodeError
from kordon.sensors.ugs.flood import Admission, FloodLimiter, RateLimit
from kordon.sensors.ugs.intake import Verdict
from tests.sensors.ugs.support import ManualClock, build_intake, message, message_dict


def test_a_burst_is_admitted_then_the_rate_holds() -> None:
    limiter = FloodLimiter({"a": RateLimit(2.0, 3), "b": RateLimit(2.0, 3)})
    got = [limiter.admit("a", 100.0) for _ in range(5)]
    assert got == [Admission.ADMITTED] * 3 + [Admission.FLOOD_STARTED, Admission.DROPPED]
    assert limiter.admit("b", 100.0) is Admission.ADMITTED  # one sensor does not starve another
    assert limiter.admit("a", 100.4) is Admission.DROPPED  # 0.8 token
    assert limiter.admit("a", 100.5) is Admission.ADMITTED  # 1.0 token
    c = limiter.counters("a")
    assert (c.admitted, c.dropped, c.flooding) == (4, 3, True)


def test_a_flood_ends_when_the_bucket_is_full_again() -> None:
    limiter = FloodLimiter({"a": RateLimit(1.0, 2)})
    for _ in range(6):
        limiter.admit("a", 0.0)
    assert limiter.recovered(1.9) == {}
    assert limiter.recovered(2.0) == {"a": 4}
    assert limiter.recovered(10.0) == {}  # reported once
    assert limiter.counters("a").flooding is False
    assert limiter.admit("a", 10.0) is Admission.ADMITTED


def test_time_going_backwards_refills_nothing() -> None:
    limiter = FloodLimiter({"a": RateLimit(1.0, 1)})
    assert limiter.admit("a", 50.0) is Admission.ADMITTED
    assert limiter.admit("a", 10.0) is Admission.FLOOD_STARTED
    assert limiter.admit("a", 50.5) is Admission.DROPPED
    assert limiter.admit("a", 51.0) is Admission.ADMITTED


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (float("nan"), 1), (1.0, 0)])
def test_bad_limits_are_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        RateLimit(rate, burst)


def test_a_flooding_sensor_is_cut_short_counted_and_reported_in_health() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock, rate_hz=1.0, burst=5)
    verdicts = [intake.handle(message(clock(), seq=i)) for i in range(200)]
    assert verdicts.count(Verdict.ACCEPTED) == 5
    assert verdicts.count(Verdict.DROPPED) == 195
    assert got.rows == 5
    assert intake.counters.dropped == 195
    states = [(s.device_id, s.state) for s in got.statuses]
    assert states == [("ugs-1", DeviceState.ONLINE), ("ugs-1", DeviceState.DEGRADED)]
    # Another sensor is unaffected.
    assert intake.handle(message(clock(), sensor_id="ugs-2", sensor_type="pir")) is Verdict.ACCEPTED
    clock.advance(4.0)
    intake.tick()
    assert got.statuses[-1].device_id == "ugs-2"  # no recovery yet (4 of 5 tokens)
    clock.advance(1.0)
    intake.tick()
    last = got.statuses[-1]
    assert (last.device_id, last.state, last.metrics["dropped"]) == (
        "ugs-1",
        DeviceState.ONLINE,
        195.0,
    )


def test_refusals_are_counted_by_kind() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock)
    for data in (b"nope", b"[]", json.dumps(message_dict(sensor_id="ugs-9")).encode()):
        with pytest.raises(UgsDecodeError):
            intake.receive(data)
    assert intake.counters.refused == {"not_json": 1, "not_object": 1, "unknown_sensor": 1}
    assert got.rows == 0
    assert got.statuses == []
