"""Drone video → observations: a simulated flight, its MAVLink telemetry through the real
ingest, detections of ground targets with known positions, and the frames refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kordon.domain.detections import Detections
from kordon.geo.frame import LocalFrame
from kordon.sensors.dronecam import (
    CameraIntrinsics,
    DroneCamObserver,
    DronePose,
    FrameIssue,
    GroundProjector,
    PoseHistory,
    PoseIssue,
    PoseSample,
)
from kordon.sensors.dronecam.observer import OUTSIDE_IMAGE
from kordon.sensors.dronecam.projection import AT_THE_SKY
from kordon.sensors.mavlink.ingest import IngestLimits, TelemetryIngest
from kordon.sim.drone import SimulatedDrone
from kordon.sim.flight_plan import Waypoint

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
FRAME = LocalFrame(51.6522, 23.6824)
HOME_ALT_M = 180.0
SIZE = (1280, 720)
ROUTE = [Waypoint(51.6400, 23.7000, 80.0), Waypoint(51.6460, 23.7000, 80.0)]  # north
LABELS = ("person", "car")


def _flight(gimbal_pitch_deg: float) -> tuple[SimulatedDrone, DroneCamObserver]:
    drone = SimulatedDrone(
        ROUTE, home_alt_m=HOME_ALT_M, speed_mps=10.0, gimbal_pitch_deg=gimbal_pitch_deg
    )
    ingest = TelemetryIngest(
        "uav-1", [1], started=T0, limits=IngestLimits(min_publish_interval_s=0.0)
    )
    observer = DroneCamObserver("uav-1:cam", PoseHistory(), GroundProjector(FRAME))
    for k in range(60):  # 5 Hz telemetry for 12 s, through pymavlink and the ingest
        t = 0.2 * k
        for frame in drone.frames_at(t):
            for state in ingest.feed(frame, T0 + timedelta(seconds=t)).states:
                sample = PoseSample.from_state(state)
                if sample is not None:
                    observer.add_telemetry(sample)
    return drone, observer


def _true_pose(drone: SimulatedDrone, t: float) -> DronePose:
    p = drone.pose_at(t)
    return DronePose.of_sample(
        PoseSample(
            T0.timestamp() + t,
            p.lat,
            p.lon,
            p.alt_m,
            p.heading_deg,
            drone.gimbal_pitch_deg,
            0.0,
            drone.hfov_deg,
            drone.vfov_deg,
            HOME_ALT_M,
        )
    )


def _boxes_of(feet: np.ndarray) -> np.ndarray:
    return np.column_stack([feet[:, 0] - 10, feet[:, 1] - 60, feet[:, 0] + 10, feet[:, 1]])


@pytest.mark.parametrize("pitch", [-90.0, -55.0])
def test_targets_seen_by_the_simulated_drone_are_placed_where_they_are(pitch: float) -> None:
    drone, observer = _flight(pitch)
    rng = np.random.default_rng(7)
    for t in (1.05, 3.33, 7.91):
        truth_pose = _true_pose(drone, t)
        intr = CameraIntrinsics.from_fov(SIZE, drone.hfov_deg, drone.vfov_deg)
        projector = GroundProjector(FRAME)
        uv = rng.uniform([100, 100], [1180, 620], size=(5, 2))
        truth = projector.project(truth_pose, intr, uv)
        assert truth.valid.all()
        dets = Detections.from_arrays(_boxes_of(uv), [0.9] * 5, [0, 0, 1, 0, 1], LABELS)
        result = observer.observe(dets, T0.timestamp() + t, SIZE, local_ids=list("abcde"))
        assert result.scan is not None, result.detail
        obs = result.scan.observations
        assert len(obs) == 5
        assert result.scan.time_s == pytest.approx(T0.timestamp() + t)
        error = np.hypot(*(obs.east_north_m - truth.xy_m).T)
        assert error.max() < 0.5
        assert list(obs.class_name) == ["person", "person", "car", "person", "car"]
        assert list(obs.local_id) == list("abcde")
        assert np.all(np.linalg.eigvalsh(obs.cov_m2) > 0)


def test_frames_going_backwards_or_without_telemetry_are_refused() -> None:
    _, observer = _flight(-90.0)
    dets = Detections.from_arrays([[600, 300, 680, 400]], [0.8], [0], LABELS)
    assert observer.observe(dets, T0.timestamp() + 2.0, SIZE).scan is not None
    back = observer.observe(dets, T0.timestamp() + 1.0, SIZE)
    assert back.scan is None
    assert back.issue is FrameIssue.TIME_BACKWARDS
    assert "not after the previous frame" in back.detail
    late = observer.observe(dets, T0.timestamp() + 60.0, SIZE)
    assert late.scan is None
    assert late.issue is FrameIssue.NO_POSE
    assert observer.frame_issues == {FrameIssue.TIME_BACKWARDS: 1, FrameIssue.NO_POSE: 1}


def test_a_gps_jump_in_the_telemetry_is_not_used() -> None:
    drone, observer = _flight(-90.0)
    far = drone.pose_at(12.2)
    jump = PoseSample(T0.timestamp() + 12.2, far.lat + 0.05, far.lon, far.alt_m, 0, -90, 0)
    assert observer.add_telemetry(jump) is PoseIssue.GPS_JUMP
    dets = Detections.from_arrays([[630, 300, 650, 360]], [0.8], [0], LABELS)
    result = observer.observe(dets, T0.timestamp() + 11.9, SIZE)
    assert result.scan is not None
    assert result.pose is not None
    assert abs(result.pose.lat - drone.pose_at(11.9).lat) < 1e-6


def test_a_gimbal_at_the_sky_and_boxes_off_the_image_give_no_observation() -> None:
    history = PoseHistory()
    for k in range(3):
        history.add(PoseSample(1000.0 + k, 51.66, 23.70, 280.0, 0.0, 10.0, 0.0, 60.0, 34.0, 180.0))
    observer = DroneCamObserver("uav-1:cam", history, GroundProjector(FRAME))
    dets = Detections.from_arrays(
        [[600, 300, 680, 400], [600, 600, 680, 900]], [0.8, 0.7], [0, 0], LABELS
    )
    result = observer.observe(dets, 1001.5, SIZE)
    assert result.scan is not None
    assert len(result.scan.observations) == 0
    assert result.refused == (AT_THE_SKY, OUTSIDE_IMAGE)
    assert observer.refused_detections == {AT_THE_SKY: 1, OUTSIDE_IMAGE: 1}


def test_a_camera_without_field_of_view_uses_the_default_or_refuses() -> None:
    history = PoseHistory()
    history.add(PoseSample(1000.0, 51.66, 23.70, 280.0, 0.0, -90.0, 0.0, None, None, 180.0))
    history.add(PoseSample(1001.0, 51.66, 23.70, 280.0, 0.0, -90.0, 0.0, None, None, 180.0))
    dets = Detections.from_arrays([[630, 300, 650, 360]], [0.8], [0], LABELS)
    bare = DroneCamObserver("c", history, GroundProjector(FRAME))
    refused = bare.observe(dets, 1000.5, SIZE)
    assert refused.scan is None
    assert refused.issue is FrameIssue.NO_FIELD_OF_VIEW
    fallback = DroneCamObserver("c", history, GroundProjector(FRAME), default_hfov_deg=60.0)
    assert fallback.observe(dets, 1000.5, SIZE).scan is not None


def test_bad_frames_are_refused_with_clear_errors() -> None:
    _, observer = _flight(-90.0)
    dets = Detections.from_arrays([[630, 300, 650, 360]], [0.8], [0], LABELS)
    with pytest.raises(ValueError, match="image size"):
        observer.observe(dets, T0.timestamp() + 1.0, (0, 720))
    with pytest.raises(ValueError, match="local ids"):
        observer.observe(dets, T0.timestamp() + 1.0, SIZE, local_ids=["a", "b"])
    with pytest.raises(ValueError, match="finite"):
        observer.observe(dets, float("nan"), SIZE)
    fixed = DroneCamObserver(
        "c", PoseHistory(), GroundProjector(FRAME), intrinsics=CameraIntrinsics(640, 480, 60, 45)
    )
    fixed.add_telemetry(PoseSample(1000.0, 51.66, 23.70, 280.0, 0.0, -90.0, 0.0, None, None, 180))
    with pytest.raises(ValueError, match="configured 640×480"):
        fixed.observe(dets, 1000.0, SIZE)
