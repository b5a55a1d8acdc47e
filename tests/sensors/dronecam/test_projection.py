"""Drone camera pixel ↔ ground: nadir, round trips, covariance growth, no-ground rays."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kordon.geo.footprint import CameraPose, FlatGround, Footprint, camera_footprint
from kordon.geo.frame import LocalFrame
from kordon.sensors.dronecam.pose import DronePose, PoseSample
from kordon.sensors.dronecam.projection import (
    AT_THE_SKY,
    NO_GROUND,
    NOT_ABOVE_GROUND,
    UNRELIABLE,
    CameraIntrinsics,
    GroundProjector,
    PoseUncertainty,
)

FRAME = LocalFrame(51.6522, 23.6824)
GROUND_M = 180.0
K = CameraIntrinsics.from_fov((1280, 720), 60.0, 34.0)


def _pose(
    *,
    lat: float = 51.66,
    lon: float = 23.70,
    height_m: float = 100.0,
    yaw: float = 0.0,
    pitch: float = -90.0,
    roll: float = 0.0,
    ground: float | None = GROUND_M,
) -> DronePose:
    return DronePose.of_sample(
        PoseSample(1_000.0, lat, lon, GROUND_M + height_m, yaw, pitch, roll, 60.0, 34.0, ground)
    )


def _under(pose: DronePose) -> np.ndarray:
    east, north = FRAME.to_local(pose.lon, pose.lat)
    return np.array([float(east), float(north)])


@settings(max_examples=60, deadline=None)
@given(
    yaw=st.floats(0.0, 359.9),
    height=st.floats(10.0, 500.0),
    lat=st.floats(51.3, 52.0),
    lon=st.floats(23.2, 24.5),
)
def test_a_nadir_camera_sees_the_point_under_the_drone_at_the_image_centre(
    yaw: float, height: float, lat: float, lon: float
) -> None:
    pose = _pose(lat=lat, lon=lon, height_m=height, yaw=yaw)
    found = GroundProjector(FRAME).project(pose, K, [[K.cx, K.cy]])
    assert found.valid[0]
    assert np.allclose(found.xy_m[0], _under(pose), atol=1e-3)


@settings(max_examples=150, deadline=None)
@given(
    yaw=st.floats(0.0, 359.9),
    pitch=st.floats(-90.0, -15.0),
    roll=st.floats(-20.0, 20.0),
    height=st.floats(20.0, 300.0),
    u=st.floats(0.0, 1280.0),
    v=st.floats(0.0, 720.0),
)
def test_a_pixel_projected_to_the_ground_and_back_is_the_same_pixel(
    *, yaw: float, pitch: float, roll: float, height: float, u: float, v: float
) -> None:
    pose = _pose(height_m=height, yaw=yaw, pitch=pitch, roll=roll)
    projector = GroundProjector(FRAME, max_range_m=20_000.0)
    found = projector.project(pose, K, [[u, v]])
    assume(found.valid[0])
    target = np.array([[found.xy_m[0, 0], found.xy_m[0, 1], GROUND_M]])
    uv, front = projector.to_pixel(pose, K, target)
    assert front[0]
    assert uv[0] == pytest.approx([u, v], abs=1e-4)


@settings(max_examples=150, deadline=None)
@given(
    yaw=st.floats(0.0, 359.9),
    pitch=st.floats(-90.0, -10.0),
    roll=st.floats(-20.0, 20.0),
    height=st.floats(20.0, 300.0),
    bearing=st.floats(0.0, 2 * math.pi),
    distance=st.floats(0.0, 1_500.0),
)
def test_a_known_target_seen_in_the_image_is_recovered_on_the_ground(
    *, yaw: float, pitch: float, roll: float, height: float, bearing: float, distance: float
) -> None:
    pose = _pose(height_m=height, yaw=yaw, pitch=pitch, roll=roll)
    projector = GroundProjector(FRAME, max_range_m=20_000.0)
    truth = _under(pose) + distance * np.array([math.sin(bearing), math.cos(bearing)])
    uv, front = projector.to_pixel(pose, K, [[truth[0], truth[1], GROUND_M]])
    assume(front[0] and 0 <= uv[0, 0] <= K.width_px and 0 <= uv[0, 1] <= K.height_px)
    found = projector.project(pose, K, uv)
    assume(found.reason[0] != UNRELIABLE)  # grazing rays: refused, not wrong
    assert found.valid[0], found.reason[0]
    assert np.hypot(*(found.xy_m[0] - truth)) < 1e-3 * max(1.0, distance / 100.0)


def test_the_image_corners_land_on_the_footprint_corners() -> None:
    pose = _pose(height_m=120.0, yaw=40.0, pitch=-60.0, roll=5.0)
    projector = GroundProjector(FRAME, max_range_m=20_000.0)
    corners = [[0, 0], [K.width_px, 0], [K.width_px, K.height_px], [0, K.height_px]]
    found = projector.project(pose, K, corners)
    footprint = camera_footprint(
        CameraPose(pose.lat, pose.lon, pose.alt_m, 40.0, -60.0, 5.0, 60.0, 34.0),
        FlatGround(GROUND_M),
        max_range_m=20_000.0,
    )
    assert isinstance(footprint, Footprint)
    expected = FRAME.lonlat_to_xy(footprint.corners_lonlat)
    assert np.allclose(found.xy_m, expected, atol=0.05)


def _sigma_major_m(cov: np.ndarray) -> float:
    return float(math.sqrt(np.linalg.eigvalsh(cov)[-1]))


@settings(max_examples=40, deadline=None)
@given(
    pitch=st.floats(-90.0, -35.0),
    u=st.floats(100.0, 1180.0),
    v=st.floats(100.0, 620.0),
    low=st.floats(30.0, 100.0),
    factor=st.floats(1.5, 4.0),
)
def test_covariance_grows_with_altitude(
    pitch: float, u: float, v: float, low: float, factor: float
) -> None:
    projector = GroundProjector(FRAME, max_range_m=50_000.0)
    a = projector.project(_pose(height_m=low, pitch=pitch), K, [[u, v]])
    b = projector.project(_pose(height_m=low * factor, pitch=pitch), K, [[u, v]])
    assume(a.valid[0] and b.valid[0])
    assert np.trace(b.covariance_m2[0]) > np.trace(a.covariance_m2[0])
    assert _sigma_major_m(b.covariance_m2[0]) > _sigma_major_m(a.covariance_m2[0])


@settings(max_examples=40, deadline=None)
@given(
    pitch=st.floats(-90.0, -35.0),
    u=st.floats(100.0, 1180.0),
    v=st.floats(100.0, 620.0),
    sigma=st.floats(0.1, 1.5),
    factor=st.floats(1.5, 3.0),
)
def test_covariance_grows_with_attitude_sigma(
    pitch: float, u: float, v: float, sigma: float, factor: float
) -> None:
    pose = _pose(height_m=80.0, pitch=pitch)
    small = GroundProjector(FRAME, uncertainty=PoseUncertainty(attitude_deg=sigma))
    large = GroundProjector(FRAME, uncertainty=PoseUncertainty(attitude_deg=sigma * factor))
    a = small.project(pose, K, [[u, v]])
    b = large.project(pose, K, [[u, v]])
    assume(a.valid[0] and b.valid[0])
    assert np.linalg.det(b.covariance_m2[0]) > np.linalg.det(a.covariance_m2[0])
    assert _sigma_major_m(b.covariance_m2[0]) > _sigma_major_m(a.covariance_m2[0])


def test_time_sync_uncertainty_stretches_the_covariance_along_the_flight() -> None:
    still = _pose(height_m=80.0)
    moving = dataclasses.replace(still, velocity_enu_mps=(15.0, 0.0, 0.0))
    projector = GroundProjector(FRAME, uncertainty=PoseUncertainty(time_s=0.2))
    a = projector.project(still, K, [[K.cx, K.cy]]).covariance_m2[0]
    b = projector.project(moving, K, [[K.cx, K.cy]]).covariance_m2[0]
    # 15 m/s × 0.2 s = 3 m more along east only
    assert b[0, 0] - a[0, 0] == pytest.approx(9.0, rel=0.05)
    assert b[1, 1] == pytest.approx(a[1, 1], rel=1e-6)


def test_the_covariance_at_nadir_matches_the_error_budget() -> None:
    sig = PoseUncertainty(pixel_px=0.0, attitude_deg=1.0, horizontal_m=2.0, altitude_m=5.0)
    found = GroundProjector(FRAME, uncertainty=sig).project(
        _pose(height_m=100.0), K, [[K.cx, K.cy]]
    )
    # at nadir: altitude error moves nothing; a 1° tilt moves 100·tan(1°); GPS adds 2 m
    expected = (100.0 * math.tan(math.radians(1.0))) ** 2 + 2.0**2
    assert np.diag(found.covariance_m2[0]) == pytest.approx([expected, expected], rel=0.01)


def test_rays_at_the_sky_and_near_the_horizon_get_no_position() -> None:
    projector = GroundProjector(FRAME, max_range_m=3_000.0)
    up = projector.project(_pose(pitch=20.0), K, [[K.cx, K.cy]])
    assert not up.valid[0]
    assert up.reason[0] == AT_THE_SKY
    assert np.all(np.isnan(up.xy_m[0]))
    assert np.all(np.isnan(up.covariance_m2[0]))
    # a ray 1.5° below the horizon from 80 m reaches the ground ~3 km away: too far
    grazing = projector.project(_pose(height_m=80.0, pitch=-1.5), K, [[K.cx, K.cy]])
    assert not grazing.valid[0]
    assert "range limit" in grazing.reason[0]
    # 4° below with 2° attitude sigma: the ray itself lands, its spread does not
    shaky = GroundProjector(
        FRAME, max_range_m=3_000.0, uncertainty=PoseUncertainty(attitude_deg=2.0)
    ).project(_pose(height_m=80.0, pitch=-4.0), K, [[K.cx, K.cy]])
    assert not shaky.valid[0]
    assert shaky.reason[0] == UNRELIABLE


def test_no_ground_and_a_camera_under_the_ground_are_refused() -> None:
    projector = GroundProjector(FRAME)
    none = projector.project(_pose(ground=None), K, [[K.cx, K.cy]])
    assert not none.valid[0]
    assert none.reason[0] == NO_GROUND
    below = projector.project(_pose(height_m=-5.0), K, [[K.cx, K.cy]])
    assert not below.valid[0]
    assert below.reason[0] == NOT_ABOVE_GROUND


class _Slope:
    """Terrain rising 10 m per 100 m eastwards from ``GROUND_M`` at the drone."""

    def __init__(self, lon0: float) -> None:
        self.lon0 = lon0

    def height_m(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        m_per_deg = 111_320.0 * math.cos(math.radians(51.66))
        east = (np.asarray(lon) - self.lon0) * m_per_deg
        out: np.ndarray = GROUND_M + 0.1 * east + 0.0 * np.asarray(lat)
        return out


def test_terrain_is_marched_and_a_slope_meets_the_ray_earlier() -> None:
    pose = _pose(height_m=100.0, yaw=90.0, pitch=-45.0)  # looking east, uphill
    flat = GroundProjector(FRAME).project(pose, K, [[K.cx, K.cy]])
    hill = GroundProjector(FRAME, _Slope(pose.lon), step_m=1.0).project(pose, K, [[K.cx, K.cy]])
    assert flat.valid[0]
    assert hill.valid[0]
    under = _under(pose)
    assert flat.xy_m[0, 0] - under[0] == pytest.approx(100.0, abs=0.01)
    # ray: z = 100 - x; ground: z = 0.1 x → x = 100 / 1.1
    assert hill.xy_m[0, 0] - under[0] == pytest.approx(100.0 / 1.1, abs=0.05)


def test_bad_input_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="finite"):
        GroundProjector(FRAME).project(_pose(), K, [[math.nan, 1.0]])
    with pytest.raises(ValueError, match="hfov_deg"):
        CameraIntrinsics(640, 480, 180.0, 30.0)
    with pytest.raises(ValueError, match="image size"):
        CameraIntrinsics(0, 480, 60.0, 30.0)
    with pytest.raises(ValueError, match="attitude_deg"):
        PoseUncertainty(attitude_deg=-1.0)
    with pytest.raises(ValueError, match="finite"):
        PoseSample(math.inf, 51.0, 23.0, 100.0, 0.0, -90.0, 0.0)


def test_an_srtm_tile_is_marched_and_its_edge_is_refused() -> None:
    from kordon.geo.footprint import SrtmTile

    heights = np.full((1201, 1201), int(GROUND_M), dtype=np.int16)
    tile = SrtmTile(heights, south_lat=51, west_lon=23)
    projector = GroundProjector(FRAME, tile, step_m=2.0)
    pose = _pose(height_m=100.0, yaw=30.0, pitch=-50.0, ground=None)
    flat = GroundProjector(FRAME).project(
        _pose(height_m=100.0, yaw=30.0, pitch=-50.0), K, [[640, 400]]
    )
    found = projector.project(pose, K, [[640, 400]])
    assert found.valid[0]
    assert np.hypot(*(found.xy_m[0] - flat.xy_m[0])) < 0.05
    # a drone just inside the tile's north edge looking north: the ray leaves the tile
    edge = _pose(lat=51.9995, height_m=100.0, yaw=0.0, pitch=-3.0, ground=None)
    off = GroundProjector(FRAME, tile, max_range_m=5_000.0).project(edge, K, [[K.cx, K.cy]])
    assert not off.valid[0]
    assert off.reason[0] == "the ray leaves the terrain model before reaching the ground"
    outside = _pose(lat=52.5, height_m=100.0, ground=None)
    gone = projector.project(outside, K, [[K.cx, K.cy]])
    assert gone.reason[0] == "the camera is outside the terrain model"
