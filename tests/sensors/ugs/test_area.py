"""Detection areas: a disc and polygons as centroid and second moments, in the local frame."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from kordon.config.integrations import GroundSensor
from kordon.geo.frame import LocalFrame
from kordon.sensors.ugs.area import (
    DetectionAreaError,
    disc_area,
    polygon_area,
    sensor_area,
)
from kordon.sensors.ugs.observer import AlarmObserver
from tests.sensors.ugs.support import T0, message


def test_a_disc_has_variance_radius_squared_over_four_per_axis() -> None:
    area = disc_area(100.0, -50.0, 30.0)
    assert area.centre_m == (100.0, -50.0)
    assert area.cov_m2 == ((225.0, 0.0), (0.0, 225.0))


def test_a_uniform_disc_has_those_moments() -> None:
    """r²/4 is the variance of a point uniform over the disc (sampled check)."""
    rng = np.random.default_rng(1)
    r = 30.0 * np.sqrt(rng.random(200_000))
    a = rng.uniform(0, 2 * math.pi, r.size)
    assert np.var(r * np.cos(a)) == pytest.approx(225.0, rel=0.01)


@pytest.mark.parametrize("clockwise", [False, True])
@pytest.mark.parametrize("closed", [False, True])
def test_a_rectangle_has_width_squared_over_twelve(clockwise: bool, closed: bool) -> None:
    ring = [(1000.0, 2000.0), (1040.0, 2000.0), (1040.0, 2010.0), (1000.0, 2010.0)]
    if clockwise:
        ring.reverse()
    if closed:
        ring.append(ring[0])
    area = polygon_area(ring)
    assert area.centre_m == pytest.approx((1020.0, 2005.0))
    (vxx, vxy), (vyx, vyy) = area.cov_m2
    assert vxx == pytest.approx(40.0**2 / 12.0)
    assert vyy == pytest.approx(10.0**2 / 12.0)
    assert vxy == pytest.approx(0.0, abs=1e-9)
    assert vxy == vyx


def test_a_rotated_fence_strip_is_long_along_the_fence() -> None:
    """A 200 m × 4 m strip at 30° from east: the covariance's axes follow the strip."""
    u = np.array([math.cos(math.radians(30)), math.sin(math.radians(30))])
    v = np.array([-u[1], u[0]])
    c = np.array([5_000.0, -3_000.0])
    ring = [c - 100 * u - 2 * v, c + 100 * u - 2 * v, c + 100 * u + 2 * v, c - 100 * u + 2 * v]
    area = polygon_area(ring)
    cov = np.asarray(area.cov_m2)
    values, vectors = np.linalg.eigh(cov)
    assert values == pytest.approx([16.0 / 12.0, 200.0**2 / 12.0])
    assert abs(float(vectors[:, 1] @ u)) == pytest.approx(1.0)
    assert area.centre_m == pytest.approx(tuple(c))


def test_an_irregular_polygon_matches_sampled_moments() -> None:
    ring = [(0.0, 0.0), (60.0, -10.0), (80.0, 30.0), (35.0, 15.0), (10.0, 50.0)]
    area = polygon_area(ring)
    poly = shapely.Polygon(ring)
    rng = np.random.default_rng(7)
    pts = rng.uniform((0, -10), (80, 50), (400_000, 2))
    inside = pts[shapely.contains_xy(poly, pts[:, 0], pts[:, 1])]
    assert area.centre_m == pytest.approx(tuple(inside.mean(axis=0)), abs=0.15)
    assert np.asarray(area.cov_m2) == pytest.approx(np.cov(inside.T), rel=0.02, abs=1.0)
    assert np.all(np.linalg.eigvalsh(np.asarray(area.cov_m2)) > 0)


@pytest.mark.parametrize(
    ("ring", "fragment"),
    [
        ([(0.0, 0.0), (1.0, 1.0)], "at least 3 finite vertices"),
        ([(0.0, 0.0), (10.0, 0.0), (20.0, 0.0)], "crosses itself"),  # zero area: invalid
        ([(0.0, 0.0), (10.0, 10.0), (10.0, 0.0), (0.0, 10.0)], "crosses itself"),
        ([(0.0, 0.0), (0.5, 0.0), (0.5, 0.5), (0.0, 0.5)], "area is 0.25 m²"),
        ([(0.0, 0.0), (math.nan, 0.0), (1.0, 1.0)], "finite"),
    ],
)
def test_unusable_polygons_are_refused(ring: list[tuple[float, float]], fragment: str) -> None:
    with pytest.raises(DetectionAreaError, match=fragment):
        polygon_area(ring)


def test_a_configured_sensor_lands_at_its_position_in_the_local_frame() -> None:
    frame = LocalFrame(51.60, 23.70)
    disc = GroundSensor(kind="ground_sensor", id="ugs-1", lat=51.601, lon=23.702, radius_m=40.0)
    area = sensor_area(disc, frame)
    east, north = frame.to_local(23.702, 51.601)
    assert area.centre_m == pytest.approx((float(east), float(north)))
    assert 130.0 < area.east_m < 145.0  # 0.002° of longitude at 51.6° N ≈ 138 m
    assert area.cov_m2[0][0] == 400.0


def test_a_configured_polygon_is_converted_from_lon_lat() -> None:
    frame = LocalFrame(51.60, 23.70)
    lonlat = [(23.700, 51.600), (23.701, 51.600), (23.701, 51.601), (23.700, 51.601)]
    fence = GroundSensor(
        kind="ground_sensor", id="fence-1", lat=51.6005, lon=23.7005, polygon=lonlat
    )
    area = sensor_area(fence, frame)
    ring = frame.lonlat_to_xy(lonlat)
    assert area.centre_m == pytest.approx(tuple(ring.mean(axis=0)), abs=0.01)
    width = ring[1, 0] - ring[0, 0]
    assert area.cov_m2[0][0] == pytest.approx(width**2 / 12.0, rel=1e-3)


def test_alarms_become_one_observation_row_each_and_heartbeats_none() -> None:
    areas = {"ugs-1": disc_area(10.0, 20.0, 30.0), "ugs-2": polygon_area([(0, 0), (6, 0), (6, 6)])}
    observer = AlarmObserver(areas, {"ugs-1": 0.4, "ugs-2": 0.7})
    msgs = [
        message(T0, class_hint="person"),
        message(T0, type="heartbeat"),
        message(T0, sensor_id="ugs-2", sensor_type="pir", class_hint="vehicle"),
        message(T0, sensor_id="ugs-2", sensor_type="pir"),
    ]
    obs = observer.observe(msgs)
    assert len(obs) == 3
    assert obs.sensor_id.tolist() == ["ugs-1", "ugs-2", "ugs-2"]
    assert obs.class_name.tolist() == ["person", "car", "unknown"]
    assert obs.confidence.tolist() == [0.4, 0.7, 0.7]
    assert obs.time_s.tolist() == [T0.timestamp()] * 3
    assert obs.east_north_m[0].tolist() == [10.0, 20.0]
    assert obs.east_north_m[1] == pytest.approx([4.0, 2.0])
    assert obs.cov_m2[0].tolist() == [[225.0, 0.0], [0.0, 225.0]]
    assert obs.local_id.tolist() == ["", "", ""]
    assert len(observer.observe([message(T0, type="heartbeat")])) == 0


def test_an_alarm_of_a_sensor_without_an_area_is_an_error() -> None:
    observer = AlarmObserver({"ugs-2": disc_area(0, 0, 5)}, {"ugs-2": 0.5})
    with pytest.raises(ValueError, match="without a detection area: \\['ugs-1'\\]"):
        observer.observe([message(T0)])


def test_late_alarms_are_stamped_within_the_delay_bound_of_their_arrival() -> None:
    observer = AlarmObserver({"ugs-1": disc_area(0, 0, 10)}, {"ugs-1": 0.5}, max_delay_s=1.5)
    t0 = T0.timestamp()
    on_time = observer.observe([message(T0)], arrival_s=t0 + 1.0)
    late = observer.observe([message(T0)], arrival_s=t0 + 60.0)
    unbounded = AlarmObserver({"ugs-1": disc_area(0, 0, 10)}, {"ugs-1": 0.5})
    assert on_time.time_s.tolist() == [t0]
    assert late.time_s.tolist() == [t0 + 58.5]
    assert unbounded.observe([message(T0)], arrival_s=t0 + 60.0).time_s.tolist() == [t0]
    with pytest.raises(ValueError, match="max_delay_s"):
        AlarmObserver({}, {}, max_delay_s=-1.0)
