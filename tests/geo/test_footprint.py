"""Camera footprints: flat ground (properties), the sky and the horizon, SRTM terrain."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.domain.drone import Attitude, GimbalAttitude
from kordon.geo.footprint import (
    CameraPose,
    FlatGround,
    Footprint,
    NoFootprint,
    SrtmTile,
    TerrainError,
    camera_footprint,
    camera_orientation,
    metres_per_degree,
)

LAT, LON = 51.54, 24.1


def _pose(
    alt_m: float,
    *,
    yaw: float = 0.0,
    pitch: float = -90.0,
    roll: float = 0.0,
    hfov: float = 60.0,
    vfov: float = 45.0,
) -> CameraPose:
    return CameraPose(LAT, LON, alt_m, yaw, pitch, roll, hfov, vfov)


def _metres(fp: Footprint, lat: float = LAT, lon: float = LON) -> np.ndarray:
    m_lon, m_lat = metres_per_degree(lat)
    return np.array([((x - lon) * m_lon, (y - lat) * m_lat) for x, y in fp.corners_lonlat])


@settings(max_examples=200, deadline=None)
@given(
    height=st.floats(5.0, 2_000.0),
    ground=st.floats(-100.0, 3_000.0),
    hfov=st.floats(5.0, 120.0),
    vfov=st.floats(5.0, 100.0),
    yaw=st.floats(0.0, 360.0),
)
def test_a_nadir_camera_sees_a_rectangle_2h_tan_half_fov_wide(
    height: float, ground: float, hfov: float, vfov: float, yaw: float
) -> None:
    fp = camera_footprint(
        _pose(ground + height, yaw=yaw, hfov=hfov, vfov=vfov),
        FlatGround(ground),
        max_range_m=1e6,
    )
    assert isinstance(fp, Footprint)
    xy = _metres(fp)
    top = np.linalg.norm(xy[1] - xy[0])  # top-left → top-right: across the image
    side = np.linalg.norm(xy[2] - xy[1])
    assert top == pytest.approx(2 * height * math.tan(math.radians(hfov / 2)), rel=1e-6)
    assert side == pytest.approx(2 * height * math.tan(math.radians(vfov / 2)), rel=1e-6)
    # centred under the camera, and the image's right edge points to yaw + 90°
    assert np.allclose(xy.mean(axis=0), 0.0, atol=1e-6 * height + 1e-6)
    right = (xy[1] + xy[2]) / 2 - (xy[0] + xy[3]) / 2
    bearing = math.degrees(math.atan2(right[0], right[1])) % 360
    assert math.isclose((bearing - yaw - 90) % 360, 0, abs_tol=1e-6) or math.isclose(
        (bearing - yaw - 90) % 360, 360, abs_tol=1e-6
    )


def test_a_forward_tilted_camera_sees_a_trapezoid_wider_far_away() -> None:
    fp = camera_footprint(_pose(100.0, pitch=-45.0, yaw=90.0), FlatGround(0.0))
    assert isinstance(fp, Footprint)
    xy = _metres(fp)
    far = np.linalg.norm(xy[1] - xy[0])
    near = np.linalg.norm(xy[2] - xy[3])
    assert far > near * 1.5
    assert xy[:, 0].min() > 0  # looking east: everything seen is east of the camera
    assert fp.ranges_m[0] > fp.ranges_m[3]


@pytest.mark.parametrize(
    ("pitch", "reason"),
    [
        (10.0, "the camera looks at the sky"),
        (-20.0, "the camera looks at the sky"),  # the top corners are above the horizon
        (-23.5, "near the horizon"),  # the top corners meet the ground ~6.6 km away
    ],
)
def test_no_footprint_when_the_camera_sees_sky_or_horizon(pitch: float, reason: str) -> None:
    fp = camera_footprint(_pose(100.0, pitch=pitch, vfov=45.0), FlatGround(0.0))
    assert isinstance(fp, NoFootprint)
    assert reason in fp.reason


def test_no_footprint_below_the_ground() -> None:
    fp = camera_footprint(_pose(50.0), FlatGround(80.0))
    assert isinstance(fp, NoFootprint)
    assert "not above the ground" in fp.reason


def test_gimbal_angles_are_stabilised_and_yaw_follows_the_vehicle() -> None:
    vehicle = Attitude(10.0, 5.0, 80.0)
    assert camera_orientation(vehicle, GimbalAttitude(0.0, -60.0, 20.0)) == (100.0, -60.0, 0.0)
    assert camera_orientation(vehicle, GimbalAttitude(0.0, -60.0, 20.0, yaw_absolute=True)) == (
        20.0,
        -60.0,
        0.0,
    )
    # no gimbal: body-fixed nadir camera, the vehicle's pitch and roll tilt it
    assert camera_orientation(vehicle, None) == (80.0, -85.0, 10.0)


# --- SRTM terrain ------------------------------------------------------------------------


def _write_hgt(path: Path, heights: np.ndarray) -> Path:
    heights.astype(">i2").tofile(path)
    return path


def test_an_srtm_tile_is_read_big_endian_rows_from_the_north(tmp_path: Path) -> None:
    n = 1201
    rows, cols = np.mgrid[0:n, 0:n]
    # a plane: 100 m + 1 m per column eastwards + 2 m per row southwards
    heights = 100 + cols + 2 * rows
    heights[600, 600] = -32768  # a void
    tile = SrtmTile.read(_write_hgt(tmp_path / "N51E024.hgt", heights))
    assert (tile.south_lat, tile.west_lon) == (51, 24)
    step = 1.0 / (n - 1)
    lat = np.array([52.0, 51.0, 52.0 - 10.5 * step, 51.5, 53.0])
    lon = np.array([24.0, 25.0, 24.0 + 3.25 * step, 24.5 + 0.5 * step, 24.5])
    got = tile.height_m(lat, lon)
    assert got[0] == pytest.approx(100.0)  # north-west corner: row 0, column 0
    assert got[1] == pytest.approx(100 + 1200 + 2400)  # south-east corner
    assert got[2] == pytest.approx(100 + 3.25 + 21.0)  # bilinear inside a cell
    assert math.isnan(got[3])  # touches the void
    assert math.isnan(got[4])  # outside the tile


def test_a_southern_western_tile_name(tmp_path: Path) -> None:
    tile = SrtmTile.read(_write_hgt(tmp_path / "S01W002.hgt", np.zeros((1201, 1201))))
    assert (tile.south_lat, tile.west_lon) == (-1, -2)


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("N51E024.hgt", 1000, "is not an SRTM tile"),
        ("terrain.hgt", 1201, "named after its south-west corner"),
    ],
)
def test_bad_srtm_files_are_refused(tmp_path: Path, name: str, size: int, message: str) -> None:
    path = _write_hgt(tmp_path / name, np.zeros((size, size)))
    with pytest.raises(TerrainError, match=message):
        SrtmTile.read(path)


def test_terrain_footprint_matches_flat_ground_on_level_terrain(tmp_path: Path) -> None:
    tile = SrtmTile.read(_write_hgt(tmp_path / "N51E024.hgt", np.full((1201, 1201), 150)))
    pose = _pose(250.0, pitch=-60.0, yaw=30.0)
    on_terrain = camera_footprint(pose, tile, step_m=2.0)
    on_flat = camera_footprint(pose, FlatGround(150.0))
    assert isinstance(on_terrain, Footprint)
    assert isinstance(on_flat, Footprint)
    assert np.allclose(on_terrain.ranges_m, on_flat.ranges_m, atol=1e-6)


def test_rising_terrain_shortens_the_rays_that_look_uphill(tmp_path: Path) -> None:
    n = 1201
    _, cols = np.mgrid[0:n, 0:n]
    # rises 0.5 m per cell (about 58 m) eastwards: 1 m up per ~116 m
    tile = SrtmTile.read(_write_hgt(tmp_path / "N51E024.hgt", 100 + cols // 2))
    pose = _pose(400.0, pitch=-50.0, yaw=90.0)  # looking east, uphill
    ground_below = float(tile.height_m(np.array([LAT]), np.array([LON]))[0])
    hilly = camera_footprint(pose, tile, step_m=1.0)
    flat = camera_footprint(pose, FlatGround(ground_below))
    assert isinstance(hilly, Footprint)
    assert isinstance(flat, Footprint)
    assert all(h < f for h, f in zip(hilly.ranges_m, flat.ranges_m, strict=True))
    # each corner lies on the terrain (within the marching step's interpolation)
    for (lon, lat), rng in zip(hilly.corners_lonlat, hilly.ranges_m, strict=True):
        terrain = float(tile.height_m(np.array([lat]), np.array([lon]))[0])
        m_lon, m_lat = metres_per_degree(LAT)
        horizontal = math.hypot((lon - LON) * m_lon, (lat - LAT) * m_lat)
        ray_alt = pose.alt_m - math.sqrt(max(rng**2 - horizontal**2, 0.0))
        assert ray_alt == pytest.approx(terrain, abs=0.5)


def test_a_camera_outside_the_tile_has_no_footprint(tmp_path: Path) -> None:
    tile = SrtmTile.read(_write_hgt(tmp_path / "N10E010.hgt", np.zeros((1201, 1201))))
    fp = camera_footprint(_pose(100.0), tile)
    assert isinstance(fp, NoFootprint)
    assert "outside the terrain model" in fp.reason
