"""Border: signed distance against shapely and a brute-force side test, km posts, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.geo.border import Border, BorderError
from kordon.geo.frame import LocalFrame

from .helpers import FRAME, border_from_xy


@st.composite
def graph_polylines(draw: st.DrawFn) -> np.ndarray:
    """A polyline whose x strictly increases: 'left' is exactly 'above the graph'."""
    n = draw(st.integers(2, 30))
    steps = draw(st.lists(st.floats(5.0, 800.0), min_size=n - 1, max_size=n - 1))
    ys = draw(st.lists(st.floats(-1500.0, 1500.0), min_size=n, max_size=n))
    x = np.concatenate([[0.0], np.cumsum(steps)])
    return np.stack([x, np.array(ys)], axis=1)


@settings(max_examples=30, deadline=None)
@given(line=graph_polylines(), seed=st.integers(0, 2**32 - 1))
def test_signed_distance_matches_shapely_and_brute_side(line: np.ndarray, seed: int) -> None:
    border = border_from_xy(line)
    xy = border.vertices_xy
    rng = np.random.default_rng(seed)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    near = rng.uniform(lo - 500, hi + 500, size=(400, 2))
    far = rng.uniform(lo - 20_000, hi + 20_000, size=(100, 2))  # beyond the index: fallback
    on_vertices = xy + rng.normal(0, 1e-3, size=xy.shape)  # near-vertex sign robustness
    pts = np.vstack([near, far, on_vertices])
    res = border.signed_distance_m(pts)
    ref = shapely.distance(shapely.LineString(xy), shapely.points(pts))
    np.testing.assert_allclose(np.abs(res.distance_m), ref, atol=1e-6)
    inside_x = (pts[:, 0] > xy[0, 0]) & (pts[:, 0] < xy[-1, 0])
    brute = np.sign(pts[:, 1] - np.interp(pts[:, 0], xy[:, 0], xy[:, 1]))
    clear = inside_x & (np.abs(res.distance_m) > 1e-6)
    assert np.array_equal(np.sign(res.distance_m[clear]), brute[clear])
    codes = border.side_of(pts[clear])
    assert np.array_equal(codes, brute[clear].astype(np.int8))


@settings(max_examples=30, deadline=None)
@given(line=graph_polylines(), frac=st.floats(0.0, 1.0), origin=st.sampled_from(["start", "end"]))
def test_km_post_round_trips_point_at_km(line: np.ndarray, frac: float, origin: str) -> None:
    border = border_from_xy(line, km_origin=origin)
    km = frac * border.length_km
    point = border.point_at_km(km)
    res = border.signed_distance_m(point)
    assert abs(res.distance_m[0]) < 1e-6
    assert border.km_post(res.along_m)[0] == pytest.approx(km, abs=1e-6)


def test_sides_and_vertex_bisector() -> None:
    # A right angle turning left: the outer corner (south-east) is on the right.
    border = border_from_xy([[0, 0], [1000, 0], [1000, 1000]])
    names = border.side_names([[1100, -100], [900, 100], [500, -1], [500, 1]])
    assert list(names) == ["BY", "UA", "BY", "UA"]
    res = border.signed_distance_m([[1100, -100]])
    assert res.distance_m[0] == pytest.approx(-np.hypot(100, 100))
    assert res.along_m[0] == pytest.approx(1000.0)


def test_substring_and_length() -> None:
    border = border_from_xy([[0, 0], [1000, 0], [1000, 1000]])
    assert border.length_km == pytest.approx(2.0, rel=1e-6)
    part = border.substring(0.5, 1.5)
    np.testing.assert_allclose(part, [[500, 0], [1000, 0], [1000, 500]], atol=1e-3)
    backwards = border.substring(1.5, 0.5)
    np.testing.assert_allclose(backwards, part[::-1], atol=1e-9)
    with pytest.raises(BorderError, match=r"'test'.*km post outside"):
        border.point_at_km(5.0)


LINE = [[24.0, 51.0], [24.1, 51.0], [24.2, 51.1]]


@pytest.mark.parametrize(
    ("line", "sides", "msg"),
    [
        ([[24.0, 51.0]], ("UA", "BY", "UA"), "at least 2 distinct points"),
        ([[24.0, 51.0], [24.0, 51.0]], ("UA", "BY", "UA"), "at least 2 distinct points"),
        (
            [[24.0, 51.0], [24.2, 51.2], [24.2, 51.0], [24.0, 51.2]],
            ("UA", "BY", "UA"),
            "intersects itself",
        ),
        ([[24.0, 91.0], [24.1, 51.0]], ("UA", "BY", "UA"), "latitude"),
        ([[194.0, 51.0], [24.1, 51.0]], ("UA", "BY", "UA"), "longitude"),
        (LINE, ("", "BY", "BY"), "both sides must be named"),
        (LINE, ("UA", "UA", "UA"), "both 'UA'"),
        (LINE, ("UA", "BY", "PL"), "home side 'PL'"),
    ],
)
def test_bad_border_input(line: list[list[float]], sides: tuple[str, str, str], msg: str) -> None:
    with pytest.raises(BorderError, match="'volyn-1'") as info:
        Border(
            "volyn-1",
            line,
            FRAME,
            left_side=sides[0],
            right_side=sides[1],
            home_side=sides[2],
        )
    assert msg in str(info.value)


def test_bad_query_points() -> None:
    border = border_from_xy([[0, 0], [1000, 0]])
    with pytest.raises(BorderError, match="shape"):
        border.signed_distance_m(np.zeros((3, 3)))
    with pytest.raises(BorderError, match="NaN"):
        border.signed_distance_m([[np.nan, 0.0]])


@pytest.mark.shared
def test_real_ua_by_border(shared_data: Path) -> None:
    path = shared_data / "border_UKR_BLR_osm10m.geojson"
    if not path.is_file():
        pytest.fail(f"{path} is missing from the shared data", pytrace=False)
    coords = json.loads(path.read_text())["features"][0]["geometry"]["coordinates"]
    lonlat = np.asarray(coords, dtype=np.float64)
    frame = LocalFrame(float(lonlat[:, 1].mean()), float(lonlat[:, 0].mean()))
    border = Border(
        "UA-BY", lonlat, frame, left_side="UA", right_side="BY", home_side="UA", km_origin="end"
    )
    assert border.length_km == pytest.approx(1113.0, rel=0.02)
    km = border.km_post(np.cumsum(np.r_[0.0, np.hypot(*np.diff(border.vertices_xy, axis=0).T)]))
    assert np.all(np.diff(km) < 0)  # measured from the end: decreasing along the line
    rng = np.random.default_rng(1)
    base = border.point_at_km(rng.uniform(0, border.length_km, 2000))
    pts = base + rng.normal(0, 5000, size=base.shape)
    res = border.signed_distance_m(pts)
    ref = shapely.distance(shapely.LineString(border.vertices_xy), shapely.points(pts))
    np.testing.assert_allclose(np.abs(res.distance_m), ref, atol=1e-6)
    # The line runs east → west, so Ukraine (south) is on its left. Kyiv vs Minsk:
    cities = frame.lonlat_to_xy([[30.52, 50.45], [27.56, 53.90]])
    assert list(border.side_names(cities)) == ["UA", "BY"]
