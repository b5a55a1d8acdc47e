"""Telemetry time-matching: interpolation, offset, gaps, extrapolation, refused samples."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from kordon.domain.drone import Attitude, DroneState, GeoPoint, GimbalAttitude, LinkState
from kordon.geo.footprint import metres_per_degree
from kordon.sensors.dronecam.pose import DronePose, NoPose, PoseHistory, PoseIssue, PoseSample

T0 = 1_780_000_000.0
LAT, LON = 51.66, 23.70


def _sample(t: float, east_m: float = 0.0, *, yaw: float = 90.0, alt: float = 280.0) -> PoseSample:
    m_lon, _ = metres_per_degree(LAT)
    return PoseSample(T0 + t, LAT, LON + east_m / m_lon, alt, yaw, -60.0, 0.0, 60.0, 34.0, 180.0)


def _east_m(pose: DronePose) -> float:
    return (pose.lon - LON) * metres_per_degree(LAT)[0]


def _history(*, offset_s: float = 0.0, max_extrapolate_s: float = 0.5) -> PoseHistory:
    h = PoseHistory(offset_s=offset_s, max_extrapolate_s=max_extrapolate_s)
    for k in range(6):  # 5 Hz, 10 m/s east, yaw turning 10°/s
        assert h.add(_sample(0.2 * k, 2.0 * k, yaw=90.0 + 2.0 * k)) is None
    return h


def test_a_frame_between_samples_is_interpolated_with_its_rates() -> None:
    pose = _history().at(T0 + 0.5)
    assert isinstance(pose, DronePose)
    assert _east_m(pose) == pytest.approx(5.0, abs=1e-6)
    assert pose.yaw_deg == pytest.approx(95.0, abs=1e-6)
    assert pose.pitch_deg == pytest.approx(-60.0, abs=1e-6)
    assert pose.velocity_enu_mps[0] == pytest.approx(10.0, rel=1e-6)
    assert pose.rotation_rate_dps == pytest.approx(10.0, rel=1e-6)
    # turning about the vertical (NED down): yaw grows clockwise
    assert np.allclose(pose.rotation_axis, (0.0, 0.0, 1.0), atol=1e-9)
    assert pose.extrapolated_s == 0.0


def test_the_offset_moves_the_frame_onto_the_telemetry_clock() -> None:
    pose = _history(offset_s=0.3).at(T0 + 0.2)  # = telemetry 0.5 s
    assert isinstance(pose, DronePose)
    assert _east_m(pose) == pytest.approx(5.0, abs=1e-6)
    assert pose.time_s == pytest.approx(T0 + 0.5)


def test_a_frame_at_a_sample_time_is_that_sample() -> None:
    pose = _history().at(T0 + 0.4)
    assert isinstance(pose, DronePose)
    assert _east_m(pose) == pytest.approx(4.0, abs=1e-6)
    first = _history().at(T0)
    assert isinstance(first, DronePose)
    assert _east_m(first) == pytest.approx(0.0, abs=1e-9)


def test_slerp_crosses_north_the_short_way() -> None:
    h = PoseHistory()
    h.add(_sample(0.0, yaw=350.0))
    h.add(_sample(1.0, yaw=10.0))
    pose = h.at(T0 + 0.5)
    assert isinstance(pose, DronePose)
    assert min(pose.yaw_deg, 360.0 - pose.yaw_deg) == pytest.approx(0.0, abs=1e-6)


def test_a_little_past_the_last_sample_is_extrapolated_further_is_refused() -> None:
    h = _history(max_extrapolate_s=0.3)
    ahead = h.at(T0 + 1.2)
    assert isinstance(ahead, DronePose)
    assert _east_m(ahead) == pytest.approx(12.0, abs=1e-6)
    assert ahead.yaw_deg == pytest.approx(102.0, abs=1e-6)
    assert ahead.extrapolated_s == pytest.approx(0.2)
    late = h.at(T0 + 1.5)
    assert isinstance(late, NoPose)
    assert "no telemetry for 0.50 s" in late.reason


def test_before_the_history_and_in_a_gap_there_is_no_pose() -> None:
    h = PoseHistory(max_gap_s=1.0)
    assert isinstance(h.at(T0), NoPose)
    h.add(_sample(0.0))
    h.add(_sample(3.0, 30.0))
    early = h.at(T0 - 1.0)
    assert isinstance(early, NoPose)
    assert "older" in early.reason
    gap = h.at(T0 + 1.5)
    assert isinstance(gap, NoPose)
    assert "gap" in gap.reason
    assert isinstance(h.at(math.nan), NoPose)


def test_time_going_backwards_and_gps_jumps_are_refused_and_counted() -> None:
    h = _history()
    assert h.add(_sample(0.5, 5.0)) is PoseIssue.TIME_BACKWARDS
    assert h.add(_sample(1.0, 10.0)) is PoseIssue.TIME_BACKWARDS  # a duplicate time
    assert h.add(_sample(1.2, 5_000.0)) is PoseIssue.GPS_JUMP  # 5 km in 0.2 s
    assert h.refused == {PoseIssue.TIME_BACKWARDS: 2, PoseIssue.GPS_JUMP: 1}
    pose = h.at(T0 + 1.0)
    assert isinstance(pose, DronePose)
    assert _east_m(pose) == pytest.approx(10.0, abs=1e-6)


def test_a_relocation_is_believed_after_ten_jumps_and_the_history_restarts() -> None:
    h = _history()
    for k in range(9):
        assert h.add(_sample(1.2 + 0.2 * k, 5_000.0 + 2.0 * k)) is PoseIssue.GPS_JUMP
    assert h.add(_sample(3.0, 5_020.0)) is None
    assert len(h) == 1
    assert isinstance(h.at(T0 + 2.0), NoPose)  # nothing is interpolated across the jump


def test_old_samples_are_dropped_after_keep_s() -> None:
    h = PoseHistory(keep_s=5.0, max_gap_s=1.0)
    for k in range(100):
        h.add(_sample(0.2 * k, 2.0 * k))
    assert len(h) <= 26


def test_a_pose_sample_comes_from_a_drone_state() -> None:
    from datetime import UTC, datetime

    state = DroneState(
        sensor_id="uav-1",
        system_id=1,
        time=datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
        position=GeoPoint(LAT, LON, 270.0),
        relative_alt_m=90.0,
        attitude=Attitude(1.0, 2.0, 120.0),
        gimbal=GimbalAttitude(0.0, -70.0, 15.0),
        camera_hfov_deg=62.0,
        camera_vfov_deg=36.0,
    )
    sample = PoseSample.from_state(state)
    assert sample is not None
    assert (sample.yaw_deg, sample.pitch_deg, sample.roll_deg) == (135.0, -70.0, 0.0)
    assert sample.ground_alt_m == pytest.approx(180.0)
    assert sample.time_s == state.time.timestamp()
    bare = DroneState(
        sensor_id="uav-1", system_id=1, time=state.time, position=GeoPoint(LAT, LON, 270.0)
    )
    assert PoseSample.from_state(bare) is None
    lost = dataclasses.replace(state, link=LinkState.LOST)  # re-sent old telemetry
    assert PoseSample.from_state(lost) is None


def test_bad_history_options_are_refused() -> None:
    with pytest.raises(ValueError, match="max_gap_s"):
        PoseHistory(max_gap_s=0.0)
    with pytest.raises(ValueError, match="finite"):
        PoseHistory(offset_s=math.nan)
    with pytest.raises(ValueError, match="outside WGS84"):
        PoseSample(T0, 95.0, LON, 100.0, 0.0, -90.0, 0.0)
