"""Planar geometry helpers: validation, signed distance, step intersections, polygons."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kordon.domain.errors import KordonError
from kordon.rules.errors import GeometryError
from kordon.rules.geometry import (
    intersect_step,
    points_in_polygon,
    project_to_polyline,
    signed_distance_to_polygon,
    validate_polygon,
    validate_polyline,
)
from kordon.rules.line_geometry import PolylineGeometry

coord = st.floats(-1000.0, 1000.0, allow_nan=False, allow_infinity=False)


@st.composite
def monotone_polylines(draw: st.DrawFn) -> np.ndarray:
    """x-monotone random-walk polylines: never self-intersecting."""
    n = draw(st.integers(2, 12))
    steps = draw(st.lists(st.floats(1.0, 50.0), min_size=n - 1, max_size=n - 1))
    dys = draw(st.lists(st.floats(-60.0, 60.0), min_size=n - 1, max_size=n - 1))
    xs = np.concatenate([[0.0], np.cumsum(steps)])
    ys = np.concatenate([[0.0], np.cumsum(dys)])
    return np.stack([xs, ys], axis=1)


@pytest.mark.parametrize(
    ("points", "error"),
    [
        ([[0, 0], [1, 0]], None),
        ([[0, 0], [1, 0], [1, 1]], None),
        ([[0, 0]], GeometryError),
        ([], GeometryError),
        ([[0, 0], [0, 0]], GeometryError),
        ([[0, 0], [1, 1], [1, 1], [2, 0]], GeometryError),
        ([[0, 0], [float("nan"), 1]], GeometryError),
        ([[0, 0, 0], [1, 1, 1]], GeometryError),
        ("abc", GeometryError),
    ],
)
def test_validate_polyline(points: object, error: type[Exception] | None) -> None:
    if error is None:
        assert validate_polyline(points).shape == (len(points), 2)  # type: ignore[arg-type]
    else:
        with pytest.raises(error) as info:
            validate_polyline(points)  # type: ignore[arg-type]
        assert isinstance(info.value, KordonError)
        assert "line" in str(info.value)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([[0, 0], [10, 0], [10, 10], [0, 10]], None),
        ([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], None),
        ([[0, 0], [10, 10], [10, 0], [0, 10]], "invalid polygon"),  # bow tie
        ([[0, 0], [10, 0]], "at least 3 vertices"),
        ([[0, 0], [5, 0], [10, 0]], "invalid polygon"),  # collinear, zero area
        ([[0, 0], [10, 0], [float("inf"), 5]], "finite"),
    ],
)
def test_validate_polygon(points: list[list[float]], message: str | None) -> None:
    if message is None:
        assert validate_polygon(points).area == pytest.approx(100.0)
    else:
        with pytest.raises(GeometryError, match=message):
            validate_polygon(points)


def test_signed_distance_of_a_segment_is_left_positive_and_clamped() -> None:
    line = np.array([[0.0, 0.0], [10.0, 0.0]])
    xy = np.array([[5.0, 3.0], [5.0, -2.0], [13.0, 4.0], [-3.0, -4.0]])
    proj = project_to_polyline(xy, line)
    np.testing.assert_allclose(proj.signed_distance, [3.0, -2.0, 5.0, -5.0])
    infinite = PolylineGeometry(line, infinite=True).signed_distance(xy)
    np.testing.assert_allclose(infinite, [3.0, -2.0, 4.0, -4.0])


def test_side_at_a_reflex_vertex_uses_the_pseudo_normal() -> None:
    # An L turning left at (10, 0): the point (12, -2) is outside the bend (right side).
    line = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]])
    proj = project_to_polyline(np.array([[12.0, -2.0], [8.0, 2.0]]), line)
    np.testing.assert_allclose(proj.signed_distance, [-np.hypot(2, 2), 2.0])


@settings(max_examples=60, deadline=None)
@given(
    line=monotone_polylines(),
    points=st.lists(st.tuples(coord, coord), min_size=1, max_size=30),
)
def test_polyline_distance_matches_shapely_and_side_matches_graph(
    line: np.ndarray, points: list[tuple[float, float]]
) -> None:
    xy = np.asarray(points, np.float64)
    proj = project_to_polyline(xy, line)
    expected = shapely.distance(shapely.LineString(line), shapely.points(xy))
    np.testing.assert_allclose(np.abs(proj.signed_distance), expected, rtol=1e-9, atol=1e-7)
    # Walking towards +x in a y-up plane, left (+) is above the graph.
    graph_y = np.interp(xy[:, 0], line[:, 0], line[:, 1])
    within = (xy[:, 0] >= line[0, 0]) & (xy[:, 0] <= line[-1, 0])
    clear = np.abs(proj.signed_distance) > 1e-6
    above = xy[:, 1] > graph_y
    np.testing.assert_array_equal((proj.signed_distance > 0)[within & clear], above[within & clear])


@settings(max_examples=60, deadline=None)
@given(line=monotone_polylines(), p0=st.tuples(coord, coord), p1=st.tuples(coord, coord))
def test_step_intersections_lie_on_both_and_match_shapely_count(
    line: np.ndarray, p0: tuple[float, float], p1: tuple[float, float]
) -> None:
    a, b = np.asarray(p0), np.asarray(p1)
    assume(np.hypot(*(b - a)) > 1e-3)
    # an end exactly on the line is a touch, not a crossing (half-open convention)
    assume(shapely.distance(shapely.LineString(line), shapely.points([a, b])).min() > 1e-6)
    found = intersect_step(a, b, line)
    step = shapely.LineString([a, b])
    polyline = shapely.LineString(line)
    for k in range(len(found)):
        hit = a + found.path_t[k] * (b - a)
        assert shapely.distance(polyline, shapely.Point(hit)) < 1e-6
        assert shapely.distance(step, shapely.Point(hit)) < 1e-6
    assert np.all(np.diff(found.path_t) >= 0.0)
    inter = step.intersection(polyline)
    assume(inter.geom_type in {"Point", "MultiPoint", "GeometryCollection"} or inter.is_empty)
    n_expected = len(shapely.get_parts(inter)) if not inter.is_empty else 0
    # Touching exactly at a vertex is counted by half-open rules; generic cases match.
    assume(all(shapely.distance(shapely.Point(v), step) > 1e-6 for v in line))
    assert len(found) == n_expected


def test_step_direction_flag() -> None:
    line = np.array([[0.0, 0.0], [10.0, 0.0]])
    down = intersect_step(np.array([5.0, 1.0]), np.array([5.0, -1.0]), line)
    up = intersect_step(np.array([5.0, -1.0]), np.array([5.0, 1.0]), line)
    assert down.left_to_right.tolist() == [True]
    assert up.left_to_right.tolist() == [False]
    assert down.path_t.tolist() == [0.5]
    assert down.segment_t.tolist() == [0.5]
    beyond = intersect_step(np.array([15.0, 1.0]), np.array([15.0, -1.0]), line)
    assert len(beyond) == 0
    assert len(intersect_step(np.array([15.0, 1.0]), np.array([15.0, -1.0]), line, infinite=True))


def test_polygon_containment_and_signed_distance() -> None:
    square = validate_polygon([[0, 0], [10, 0], [10, 10], [0, 10]])
    xy = np.array([[5.0, 5.0], [1.0, 5.0], [-2.0, 5.0], [10.0, 5.0]])
    assert points_in_polygon(xy, square).tolist() == [True, True, False, True]
    np.testing.assert_allclose(signed_distance_to_polygon(xy, square), [5.0, 1.0, -2.0, 0.0])
    assert signed_distance_to_polygon(np.zeros((0, 2)), square).shape == (0,)


def test_steps_through_vertices_count_once_and_touches_cancel() -> None:
    line = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 10.0]])
    through = intersect_step(np.array([10.0, 5.0]), np.array([10.0, -5.0]), line)
    # through the vertex (10, 0) from the left side to the right side: one crossing
    assert through.left_to_right.tolist() == [True]
    # grazing the vertex (10, 0) with both segments on one side of the step: net zero
    touch = intersect_step(np.array([0.0, -5.0]), np.array([20.0, 5.0]), line)
    assert sorted(touch.left_to_right.tolist()) == [False, True]
    end = intersect_step(np.array([20.0, 15.0]), np.array([20.0, 5.0]), line)
    assert len(end) == 1
