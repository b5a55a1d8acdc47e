"""Camera georeferencing: pinhole pose, GCP homography, validity and covariance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.geo.camera_pose import CameraPose, PinholeCamera, PoseError
from kordon.geo.homography import (
    GcpError,
    GroundControlPoint,
    HomographyCamera,
    calibrate_from_gcps,
)
from kordon.geo.projection import ABOVE_HORIZON

from .helpers import FRAME

SIZE = (1280, 720)


def mast_camera(yaw: float = 30.0, pitch: float = -8.0, roll: float = 0.0) -> PinholeCamera:
    lon, lat = FRAME.xy_to_lonlat([[120.0, -40.0]])[0]
    pose = CameraPose(
        lat=float(lat), lon=float(lon), height_m=25.0, yaw_deg=yaw, pitch_deg=pitch, roll_deg=roll
    )
    return PinholeCamera("mast-3", pose, FRAME, SIZE, hfov_deg=60.0, max_range_m=3000.0)


@settings(max_examples=40, deadline=None)
@given(
    yaw=st.floats(0.0, 360.0),
    pitch=st.floats(-89.0, -3.0),
    roll=st.floats(-10.0, 10.0),
    fu=st.floats(0.0, 1.0),
    fv=st.floats(0.6, 1.0),
)
def test_pinhole_ground_round_trip_within_1cm(
    yaw: float, pitch: float, roll: float, fu: float, fv: float
) -> None:
    cam = mast_camera(yaw, pitch, roll)
    uv = np.array([[fu * SIZE[0], fv * SIZE[1]]])
    proj = cam.pixel_to_ground(uv)
    if not proj.valid[0]:
        return
    back, in_front = cam.ground_to_pixel(proj.xy_m)
    assert in_front[0]
    again = cam.pixel_to_ground(back)
    assert np.hypot(*(again.xy_m - proj.xy_m).T)[0] < 0.01


def test_known_geometry_straight_ahead() -> None:
    # Looking north, 45° down from 25 m: the image centre sees the ground 25 m ahead.
    cam = mast_camera(yaw=0.0, pitch=-45.0)
    proj = cam.pixel_to_ground([[SIZE[0] / 2, SIZE[1] / 2]])
    ahead = cam.position_m[:2] + np.array([0.0, 25.0])
    np.testing.assert_allclose(proj.xy_m[0], ahead, atol=1e-6)
    uv, ok = cam.project([[ahead[0], ahead[1], 0.0]])
    assert ok[0]
    np.testing.assert_allclose(uv[0], [640, 360], atol=1e-6)


def test_above_horizon_pixels_are_invalid() -> None:
    cam = mast_camera(pitch=-5.0)
    u = np.array([0.0, 640.0, 1279.0])
    hv = cam.horizon_v(u)
    assert np.all((hv > 0) & (hv < SIZE[1]))
    above = cam.pixel_to_ground(np.stack([u, hv - 5.0], axis=1))
    assert not above.valid.any()
    assert set(above.reason) == {ABOVE_HORIZON}
    assert np.all(np.isnan(above.xy_m))
    below = cam.pixel_to_ground(np.stack([u, np.full(3, 700.0)], axis=1))
    assert below.valid.all()
    assert set(below.reason) == {""}


def test_covariance_grows_with_distance() -> None:
    cam = mast_camera(pitch=-10.0)
    rows = np.linspace(719.0, float(cam.horizon_v([640.0])[0]) + 20.0, 8)
    proj = cam.pixel_to_ground(np.stack([np.full_like(rows, 640.0), rows], axis=1))
    assert proj.valid.all()
    rng = np.hypot(*(proj.xy_m - cam.position_m[:2]).T)
    trace = np.trace(proj.covariance_m2, axis1=1, axis2=2)
    assert np.all(np.diff(rng) > 0)
    assert np.all(np.diff(trace) > 0)
    assert np.all(np.linalg.eigvalsh(proj.covariance_m2) > 0)


def test_footprint_polygon_contains_projected_points() -> None:
    import shapely

    cam = mast_camera(pitch=-10.0)
    ring = cam.ground_footprint_polygon(max_range_m=500.0)
    poly = shapely.Polygon(FRAME.lonlat_to_xy(ring))
    assert poly.is_valid
    proj = cam.pixel_to_ground([[640.0, 700.0], [100.0, 650.0]])
    assert all(poly.buffer(0.5).contains(shapely.points(proj.xy_m)))
    assert poly.area > 0


@pytest.mark.parametrize(
    ("kwargs", "msg"),
    [
        ({"pitch_deg": 30.0}, "looks at the sky"),
        ({"height_m": 0.0}, "height above ground"),
        ({"height_m": -3.0}, "height above ground"),
        ({"hfov_deg": 0.5}, "FOV"),
        ({"hfov_deg": 179.5}, "FOV"),
    ],
)
def test_bad_pose(kwargs: dict[str, float], msg: str) -> None:
    hfov = kwargs.pop("hfov_deg", 60.0)
    fields: dict[str, float] = {"height_m": 10.0, "yaw_deg": 0.0, "pitch_deg": -10.0} | kwargs
    pose = CameraPose(lat=51.5, lon=25.0, **fields)
    with pytest.raises(PoseError, match="'mast-9'") as info:
        PinholeCamera("mast-9", pose, FRAME, SIZE, hfov_deg=hfov)
    assert msg in str(info.value)


def gcps_from(cam: PinholeCamera, uv: np.ndarray) -> list[GroundControlPoint]:
    proj = cam.pixel_to_ground(uv)
    assert proj.valid.all()
    lonlat = FRAME.xy_to_lonlat(proj.xy_m)
    return [
        GroundControlPoint(float(u), float(v), float(lo), float(la))
        for (u, v), (lo, la) in zip(uv, lonlat, strict=True)
    ]


GCP_UV = np.array(
    [
        [100.0, 700.0],
        [1180.0, 690.0],
        [640.0, 500.0],
        [300.0, 420.0],
        [1000.0, 430.0],
        [640.0, 650.0],
    ]
)


def test_gcp_calibration_recovers_homography() -> None:
    cam = mast_camera(pitch=-12.0)
    result = calibrate_from_gcps("mast-3", gcps_from(cam, GCP_UV), FRAME)
    assert result.inliers.all()
    assert result.rms_error_m < 0.05
    assert result.rms_error_px < 0.05
    model = HomographyCamera.from_calibration(result, SIZE)
    test_uv = np.array([[50.0, 710.0], [900.0, 550.0], [640.0, 380.0]])
    np.testing.assert_allclose(
        model.pixel_to_ground(test_uv).xy_m, cam.pixel_to_ground(test_uv).xy_m, atol=0.05
    )
    sky = model.pixel_to_ground([[640.0, float(cam.horizon_v([640.0])[0]) - 10.0]])
    assert not sky.valid[0]
    assert sky.reason[0] == ABOVE_HORIZON


def test_gcp_outlier_is_flagged_by_ransac() -> None:
    cam = mast_camera(pitch=-12.0)
    gcps = gcps_from(cam, GCP_UV)
    bad = gcps[2]
    gcps[2] = GroundControlPoint(bad.u_px, bad.v_px, bad.lon + 0.002, bad.lat)  # ~140 m off
    result = calibrate_from_gcps("mast-3", gcps, FRAME)
    assert list(np.flatnonzero(~result.inliers)) == [2]
    assert result.per_point_error_m[2] > 100
    assert result.rms_error_m < 0.05


def _gcp(u: float, v: float, east: float, north: float) -> GroundControlPoint:
    lon, lat = FRAME.xy_to_lonlat([[east, north]])[0]
    return GroundControlPoint(u, v, float(lon), float(lat))


GOOD = [
    _gcp(0, 700, -50, 10),
    _gcp(1200, 700, 50, 10),
    _gcp(1100, 300, 80, 200),
    _gcp(100, 300, -80, 200),
]


@pytest.mark.parametrize(
    ("gcps", "msg"),
    [
        (GOOD[:3], "at least 4 GCPs, got 3"),
        ([*GOOD[:3], GOOD[0]], "same pixel"),
        ([*GOOD[:3], _gcp(500, 500, -50, 10)], "same ground position"),
        (
            [_gcp(0, 700, 0, 0), _gcp(1, 600, 0, 10), _gcp(2, 500, 0, 20), _gcp(3, 400, 0, 30)],
            "collinear",
        ),
        ([*GOOD[:3], _gcp(600, 500, 15, 105)], "collinear"),
        ([*GOOD, GroundControlPoint(5.0, 5.0, float("nan"), 51.0)], "NaN"),
        ([*GOOD, GroundControlPoint(5.0, 5.0, 25.0, 95.0)], "lon/lat out of range"),
        (
            [
                _gcp(0, 700, 50, 10),
                _gcp(1200, 700, -50, 10),
                _gcp(1100, 300, -80, 200),
                _gcp(100, 300, 80, 200),
            ],
            "mirrored",
        ),
    ],
)
def test_bad_gcps(gcps: list[GroundControlPoint], msg: str) -> None:
    with pytest.raises(GcpError, match="'gate-cam'") as info:
        calibrate_from_gcps("gate-cam", gcps, FRAME)
    assert msg in str(info.value)
