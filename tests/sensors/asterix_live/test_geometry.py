"""Polar → local geometry of a radar plot, its covariance, and the meridian convergence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kordon.config.integrations import AsterixRadar
from kordon.geo.frame import LocalFrame
from kordon.sensors.asterix.geometry import RadarGeometry, meridian_convergence_deg
from tests.sensors.asterix_live.support import FRAME

coords = st.floats(-50_000.0, 50_000.0)
ranges = st.floats(0.0, 60_000.0)
angles = st.floats(0.0, 360.0, exclude_max=True)
offsets = st.floats(-179.0, 180.0)


@given(coords, coords, ranges, angles, offsets)
def test_a_plot_lands_at_range_along_its_bearing(
    east: float, north: float, r: float, a: float, offset: float
) -> None:
    g = RadarGeometry(east, north, rotation_deg=offset)
    [[x, y]] = g.to_local([r], [a])
    b = math.radians(a + offset)
    assert x == pytest.approx(east + r * math.sin(b), abs=1e-6)
    assert y == pytest.approx(north + r * math.cos(b), abs=1e-6)


@given(st.tuples(coords, coords), st.floats(1.0, 60_000.0), angles, offsets, st.floats(0.0, 100.0))
def test_to_polar_inverts_to_local(
    at: tuple[float, float], r: float, a: float, offset: float, height: float
) -> None:
    g = RadarGeometry(at[0], at[1], rotation_deg=offset, height_m=height)
    slant = math.hypot(r, height)
    back_r, back_a = g.to_polar(g.to_local([slant], [a]))
    assert back_r[0] == pytest.approx(slant, rel=1e-9, abs=1e-6)
    diff = (back_a[0] - a + 180.0) % 360.0 - 180.0
    assert abs(diff) < 1e-6


def test_slant_range_is_reduced_to_the_ground() -> None:
    g = RadarGeometry(0.0, 0.0, height_m=30.0)
    [[x, y]] = g.to_local([50.0], [90.0])  # 30-40-50 triangle
    assert (x, y) == pytest.approx((40.0, 0.0), abs=1e-9)
    assert g.ground_range_m([10.0])[0] == 0.0  # nearer than the height: on the mast's foot


@given(angles, st.floats(100.0, 20_000.0), offsets)
def test_covariance_is_sigma_r_along_the_line_of_sight_and_r_sigma_az_across(
    a: float, r: float, offset: float
) -> None:
    g = RadarGeometry(0.0, 0.0, rotation_deg=offset, range_sigma_m=7.0, azimuth_sigma_deg=0.4)
    [cov] = g.covariance([r], [a])
    b = math.radians(a + offset)
    along = np.array([math.sin(b), math.cos(b)])
    across = np.array([math.cos(b), -math.sin(b)])
    assert along @ cov @ along == pytest.approx(49.0, rel=1e-9)
    assert across @ cov @ across == pytest.approx((r * math.radians(0.4)) ** 2, rel=1e-9)
    assert along @ cov @ across == pytest.approx(0.0, abs=1e-9 * np.abs(cov).max())
    assert np.allclose(cov, cov.T)


def test_far_plot_error_ellipse_is_long_across_the_line_of_sight() -> None:
    g = RadarGeometry(0.0, 0.0, range_sigma_m=5.0, azimuth_sigma_deg=1.0)
    [cov] = g.covariance([5_000.0], [90.0])  # due east: across is north-south
    assert cov[1, 1] == pytest.approx((5_000.0 * math.radians(1.0)) ** 2)
    assert cov[0, 0] == pytest.approx(25.0)
    assert cov[1, 1] > 100 * cov[0, 0]


def test_convergence_is_zero_on_the_central_meridian_and_grows_east_of_it() -> None:
    assert meridian_convergence_deg(FRAME, 23.7, 51.7) == pytest.approx(0.0, abs=1e-9)
    east = meridian_convergence_deg(FRAME, 23.8, 51.6)
    west = meridian_convergence_deg(FRAME, 23.6, 51.6)
    expected = 0.1 * math.sin(math.radians(51.6))  # γ ≈ Δλ · sin φ
    assert abs(east) == pytest.approx(expected, rel=0.01)
    assert east == pytest.approx(-west, rel=1e-6)


def test_a_configured_radar_points_its_north_at_true_north() -> None:
    """A plot due true north (azimuth 0, offset 0) of a radar east of the site origin lies
    on the radar's meridian, not along the grid's north."""
    radar = AsterixRadar(
        kind="radar_asterix", id="r", udp_port=8600, sac=1, sic=1, lat=51.6, lon=23.8
    )
    g = RadarGeometry.of(radar, FRAME)
    [[x, y]] = g.to_local([5_000.0], [0.0])
    lon, lat = FRAME.to_wgs84(x, y)
    assert float(lon) == pytest.approx(23.8, abs=1e-6)
    assert float(lat) > 51.6
    offset = RadarGeometry.of(radar.model_copy(update={"north_offset_deg": 10.0}), FRAME)
    assert offset.rotation_deg == pytest.approx(g.rotation_deg + 10.0)


def test_site_origin_radar_has_its_configured_offset_only() -> None:
    frame = LocalFrame(51.6, 23.7)
    radar = AsterixRadar(
        kind="radar_asterix",
        id="r",
        udp_port=8600,
        sac=1,
        sic=1,
        lat=51.6,
        lon=23.7,
        north_offset_deg=-2.5,
    )
    g = RadarGeometry.of(radar, frame)
    assert (g.east_m, g.north_m) == pytest.approx((0.0, 0.0), abs=1e-6)
    assert g.rotation_deg == pytest.approx(-2.5, abs=1e-9)
