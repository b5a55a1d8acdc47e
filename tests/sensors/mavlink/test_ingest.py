"""TelemetryIngest: MAVLink bytes to DroneState, bad input counted, heartbeat loss reported."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.domain.drone import LinkState
from kordon.domain.status import DeviceState
from kordon.sensors.mavlink.ingest import IngestIssue, IngestLimits, TelemetryIngest
from tests.sensors.mavlink.frames import Vehicle

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
LAT, LON = 51.54, 24.1


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _ingest(**limits: float) -> TelemetryIngest:
    return TelemetryIngest(
        "uav-1",
        [1, 2],
        started=T0,
        limits=IngestLimits(min_publish_interval_s=0.0, **limits),  # type: ignore[arg-type]
    )


def test_a_vehicle_becomes_a_drone_state_with_every_field() -> None:
    ing = _ingest(default_hfov_deg=70.0)
    v = Vehicle(1)
    data = (
        v.heartbeat() + v.attitude(0.1, -0.05, math.radians(90)) + v.battery(76)
        + v.home(LAT, LON, 120.0) + v.position(1.0, LAT, LON, 200.0, 80.0)
    )  # fmt: skip
    out = ing.feed(data, _at(1))
    (state,) = out.states
    assert state.drone_id == "uav-1:1"
    assert state.time == _at(1)
    assert (state.position.lat, state.position.lon, state.position.alt_m) == pytest.approx(
        (LAT, LON, 200.0)
    )
    assert state.relative_alt_m == pytest.approx(80.0)
    assert state.heading_deg == pytest.approx(90.0)
    assert state.ground_speed_mps == pytest.approx(5.0)  # vx 3 m/s, vy 4 m/s
    assert state.attitude is not None
    assert state.attitude.roll_deg == pytest.approx(math.degrees(0.1))
    assert state.battery_pct == 76.0
    assert state.mode == "AUTO"
    assert state.armed is True
    assert state.home is not None
    assert state.home.alt_m == pytest.approx(120.0)
    assert state.camera_hfov_deg == 70.0
    assert state.link is LinkState.CONNECTED
    assert len(state.footprint_lonlat) == 4, state.footprint_note
    statuses = {s.device_id: s.state for s in out.statuses}
    assert statuses == {"uav-1": DeviceState.ONLINE, "uav-1:1": DeviceState.ONLINE}


def test_camera_fov_status_overrides_the_configured_default() -> None:
    ing = _ingest(default_hfov_deg=70.0)
    v = Vehicle(1)
    out = ing.feed(v.attitude() + v.camera_fov(40.0, 30.0) + v.position(1, LAT, LON), _at(1))
    (state,) = out.states
    assert (state.camera_hfov_deg, state.camera_vfov_deg) == (40.0, 30.0)


def test_without_a_field_of_view_there_is_no_footprint_and_it_says_why() -> None:
    ing = _ingest()
    v = Vehicle(1)
    (state,) = ing.feed(v.attitude() + v.position(1, LAT, LON), _at(1)).states
    assert state.footprint_lonlat == ()
    assert "no camera field of view" in state.footprint_note


def _bad_crc(frame: bytes) -> bytes:
    broken = bytearray(frame)
    broken[-1] ^= 0x5A
    return bytes(broken)


@pytest.mark.parametrize(
    ("bad", "issue"),
    [
        pytest.param(b"\x00\x13garbage bytes \xff\xfe" * 4, IngestIssue.CORRUPT, id="garbage"),
        pytest.param(_bad_crc(Vehicle(1).position(2, LAT, LON)), IngestIssue.CORRUPT, id="crc"),
        pytest.param(Vehicle(42).position(2, LAT, LON), IngestIssue.UNKNOWN_SYSTEM, id="spoof"),
        pytest.param(Vehicle(1).position(2, LAT + 0.1, LON), IngestIssue.GPS_JUMP, id="jump"),
        pytest.param(Vehicle(1).position(0.5, LAT, LON), IngestIssue.TIME_BACKWARDS, id="back"),
        pytest.param(Vehicle(1).position(2, 0.0, 0.0), IngestIssue.NO_FIX, id="zero"),
        pytest.param(
            Vehicle(1).position(2, LAT, LON, 500_000.0), IngestIssue.OUT_OF_RANGE, id="alt"
        ),
        pytest.param(Vehicle(1).attitude(math.nan), IngestIssue.BAD_VALUE, id="nan-attitude"),
        pytest.param(Vehicle(1).battery(-5), IngestIssue.BAD_VALUE, id="battery-negative"),
    ],
)
def test_bad_input_is_counted_and_never_published(bad: bytes, issue: IngestIssue) -> None:
    ing = _ingest(heartbeat_timeout_s=60.0)
    v = Vehicle(1)
    first = ing.feed(v.heartbeat() + v.battery(90) + v.position(1, LAT, LON), _at(1))
    assert len(first.states) == 1
    out = ing.feed(bad, _at(2))
    assert out.states == []
    assert ing.counts[issue] >= 1
    assert set(ing.counts) == {issue}
    # the endpoint reports it in its next window, with the reason in words
    (status,) = [s for s in ing.check(_at(12)).statuses if s.device_id == "uav-1"]
    assert status.state is DeviceState.DEGRADED
    assert status.detail.startswith("bad input in the last 12 s: ")
    assert status.metrics[f"issues_{issue.value}"] >= 1
    # a quiet window later the endpoint is online again
    ing.feed(v.heartbeat() + v.position(13, LAT, LON), _at(13))
    (back,) = [s for s in ing.check(_at(23)).statuses if s.device_id == "uav-1"]
    assert back.state is DeviceState.ONLINE


def test_a_spoofed_id_is_named_in_the_health_detail() -> None:
    ing = _ingest(heartbeat_timeout_s=60.0)
    ing.feed(Vehicle(1).heartbeat() + Vehicle(77).heartbeat(), _at(1))
    (status,) = [s for s in ing.check(_at(11)).statuses if s.device_id == "uav-1"]
    assert "1 messages from unconfigured system ids" in status.detail
    assert "[77]" in status.detail


def test_a_switch_between_mavlink_1_and_2_is_counted_but_used() -> None:
    ing = _ingest()
    v2, v1 = Vehicle(1), Vehicle(1, v1=True)
    ing.feed(v2.heartbeat() + v2.position(1, LAT, LON), _at(1))
    out = ing.feed(v1.position(2, LAT + 1e-5, LON), _at(2))
    assert len(out.states) == 1
    assert ing.counts == {IngestIssue.VERSION_MIX: 1}


def test_a_kilometre_jump_is_believed_after_it_persists() -> None:
    ing = _ingest()
    v = Vehicle(1)
    ing.feed(v.position(0, LAT, LON), _at(0))
    published = [
        len(ing.feed(v.position(1 + 0.1 * k, LAT + 0.05, LON), _at(1 + 0.1 * k)).states)
        for k in range(10)
    ]
    assert published == [0] * 9 + [1]  # IngestLimits.resync_after = 10
    assert ing.counts[IngestIssue.GPS_JUMP] == 9


def test_silence_takes_the_vehicle_offline_and_a_heartbeat_brings_it_back() -> None:
    ing = _ingest(heartbeat_timeout_s=5.0)
    v = Vehicle(1)
    ing.feed(v.heartbeat() + v.position(1, LAT, LON), _at(1))
    assert ing.check(_at(4.9)).statuses == []
    (never,) = ing.check(_at(5.9)).statuses
    assert (never.device_id, never.state) == ("uav-1:2", DeviceState.OFFLINE)
    assert never.detail == "no heartbeat from system 2 since the start (5.9 s)"
    out = ing.check(_at(6.5))
    offline = {s.device_id: s for s in out.statuses}
    assert set(offline) == {"uav-1", "uav-1:1"}
    assert offline["uav-1:1"].state is DeviceState.OFFLINE
    assert offline["uav-1:1"].detail == (
        "no heartbeat from system 1 for 5.5 s (limit 5 s) while armed (in flight)"
    )
    assert offline["uav-1:1"].metrics["armed"] == 1.0
    assert offline["uav-1"].state is DeviceState.OFFLINE
    assert offline["uav-1"].detail == "no valid MAVLink message for 5.5 s"
    (lost,) = out.states
    assert lost.link is LinkState.LOST
    assert ing.check(_at(8)).statuses == []  # reported once
    back = ing.feed(v.heartbeat(), _at(9))
    assert [(s.device_id, s.state) for s in back.statuses] == [
        ("uav-1", DeviceState.ONLINE),
        ("uav-1:1", DeviceState.ONLINE),
    ]
    assert [s.link for s in back.states] == [LinkState.CONNECTED]


def test_a_gimbal_heartbeat_does_not_keep_the_vehicle_alive() -> None:
    from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]

    ing = _ingest(heartbeat_timeout_s=2.0)
    enc = mav.MAVLink(None, srcSystem=1, srcComponent=154)
    gimbal_beat = mav.MAVLink_heartbeat_message(
        mav.MAV_TYPE_GIMBAL, mav.MAV_AUTOPILOT_INVALID, 0, 0, 4, 3
    ).pack(enc)
    ing.feed(bytes(gimbal_beat), _at(1))
    ing.feed(bytes(gimbal_beat), _at(2.5))
    statuses = {s.device_id: s.state for s in ing.check(_at(2.5)).statuses}
    assert statuses["uav-1:1"] is DeviceState.OFFLINE


def test_states_are_throttled_per_vehicle() -> None:
    ing = TelemetryIngest("uav-1", [1], started=T0, limits=IngestLimits(min_publish_interval_s=0.5))
    v = Vehicle(1)
    counts = [len(ing.feed(v.position(0.1 * k, LAT, LON), _at(0.1 * k)).states) for k in range(11)]
    assert counts == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=8))
def test_random_bytes_never_raise_and_never_publish(chunks: list[bytes]) -> None:
    ing = _ingest()
    for i, chunk in enumerate(chunks):
        out = ing.feed(chunk, _at(i))
        assert out.states == []
    ing.check(_at(100))
