"""The intake: decoded messages → observations and health; redeliveries dropped."""

from __future__ import annotations

import json

from kordon.domain.status import DeviceState
from kordon.sensors.ugs.intake import Verdict
from tests.sensors.ugs.support import T0, ManualClock, build_intake, message, message_dict


def test_an_alarm_becomes_an_observation_and_the_sensor_goes_online() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock)
    msg, verdict = intake.receive(json.dumps(message_dict(class_hint="person")).encode())
    assert verdict is Verdict.ACCEPTED
    assert msg.sensor_id == "ugs-1"
    [obs] = got.observations
    assert (obs.sensor_id.tolist(), obs.class_name.tolist()) == (["ugs-1"], ["person"])
    assert obs.time_s.tolist() == [T0.timestamp()]
    [status] = got.statuses
    assert (status.device_id, status.state) == ("ugs-1", DeviceState.ONLINE)
    c = intake.counters
    assert (c.accepted, c.alarms, c.duplicates, c.dropped, c.refused) == (1, 1, 0, 0, {})


def test_a_redelivered_seq_is_dropped_once_seen() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock)
    assert intake.handle(message(T0, seq=41)) is Verdict.ACCEPTED
    assert intake.handle(message(T0, seq=41)) is Verdict.DUPLICATE
    assert intake.handle(message(T0, seq=42)) is Verdict.ACCEPTED
    assert intake.handle(message(T0)) is Verdict.ACCEPTED  # no seq: never a duplicate
    assert intake.handle(message(T0)) is Verdict.ACCEPTED
    # The same seq from another sensor is its own.
    assert intake.handle(message(T0, sensor_id="ugs-2", sensor_type="pir", seq=41)) is (
        Verdict.ACCEPTED
    )
    assert got.rows == 5
    assert intake.counters.duplicates == 1


def test_heartbeats_give_health_but_no_observations_and_silence_is_offline() -> None:
    clock = ManualClock()
    intake, got = build_intake(clock, heartbeat_s=30.0)
    intake.handle(message(T0, type="heartbeat"))
    assert got.rows == 0
    clock.advance(61.0)
    intake.tick()
    offline = [s for s in got.statuses if s.state is DeviceState.OFFLINE]
    assert sorted(s.device_id for s in offline) == ["ugs-1", "ugs-2", "ugs-any"]
    assert {s.state for s in intake.statuses()} == {DeviceState.OFFLINE}
