"""``BorderLine`` against the real Volyn border: sign convention, crossings, hysteresis."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kordon.domain.event import Direction, EventKind
from kordon.domain.tracks import PlanarTracks
from kordon.geo.border import Border
from kordon.geo.border_line import BorderLine
from kordon.geo.geo_rules import GeoRuleSettings, border_crossing_rule
from kordon.geo.site_geometry import SiteGeometry
from kordon.rules.line_geometry import PolylineGeometry

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
RULES = GeoRuleSettings(crossing_clear_m=3.0, crossing_updates=2, crossing_cooldown_s=0.0)


def _offset_point(border: Border, along_m: float, offset_m: float) -> tuple[float, float]:
    """A point ``offset_m`` left (+) or right (-) of the border at ``along_m``."""
    a, b = border.point_at_along([along_m - 1.0, along_m + 1.0])
    t = (b - a) / np.linalg.norm(b - a)
    p = border.point_at_along(along_m)[0]
    return float(p[0] - t[1] * offset_m), float(p[1] + t[0] * offset_m)


def _run(line: BorderLine, path: list[tuple[float, float]]) -> list[tuple[Direction, float]]:
    """Walk one track along ``path`` (each vertex held for two updates); crossing events."""
    rule = border_crossing_rule("x", "cam", line, RULES)
    samples: list[tuple[float, float]] = []
    for p in path:
        samples += [p, p]
    out: list[tuple[Direction, float]] = []
    for k, (x, y) in enumerate(samples):
        tracks = PlanarTracks(
            track_id=np.array([7], np.int64),
            xy=np.array([[x, y]]),
            class_name=("person",),
            confirmed=np.array([True]),
            quality=np.array([1.0]),
        )
        for e in rule.trigger(tracks, T0 + timedelta(seconds=k)):
            assert e.kind is EventKind.BORDER_CROSSING
            assert e.direction is not None
            out.append((e.direction, float(e.attributes["distance_along"])))
    return out


def test_signed_distance_and_crossings_match_the_plain_polyline(
    volyn_geometry: SiteGeometry,
) -> None:
    line = volyn_geometry.border_lines["ua-by"]
    plain = PolylineGeometry(line.border.vertices_xy)
    rng = np.random.default_rng(4)
    centre = line.border.point_at_km(10.0)[0]
    pts = centre + rng.uniform(-3000, 3000, size=(300, 2))
    np.testing.assert_allclose(line.signed_distance(pts), plain.signed_distance(pts), atol=1e-6)
    for a, b in itertools.pairwise(pts):
        mine = line.crossings(a, b)
        ref = plain.crossings(a, b)
        assert [(h.segment_index, h.ccw_to_cw) for h in mine] == [
            (h.segment_index, h.ccw_to_cw) for h in ref
        ]
        for h, r in zip(mine, ref, strict=True):
            assert abs(h.distance_along - r.distance_along) < 1e-6


def test_home_side_is_negative_and_inbound_is_foreign_to_home(
    volyn_geometry: SiteGeometry,
) -> None:
    line = volyn_geometry.border_lines["ua-by"]
    along = float(line.border.along_at_km(10.0))
    ua = _offset_point(line.border, along, -20.0)
    by = _offset_point(line.border, along, 20.0)
    assert line.border.side_names(np.array([ua, by])).tolist() == ["UA", "BY"]
    assert _run(line, [by, ua])[0][0] is Direction.INBOUND
    assert _run(line, [ua, by])[0][0] is Direction.OUTBOUND


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start_km=st.floats(min_value=1.0, max_value=58.0),
    steps=st.lists(
        st.tuples(st.floats(min_value=-40.0, max_value=40.0), st.floats(5.0, 60.0)),
        min_size=1,
        max_size=6,
    ),
    first_left=st.booleans(),
)
def test_k_crossings_give_k_alternating_events(
    volyn_geometry: SiteGeometry,
    start_km: float,
    steps: list[tuple[float, float]],
    first_left: bool,
) -> None:
    line = volyn_geometry.border_lines["ua-by"]
    border = line.border
    along = float(border.along_at_km(start_km))
    sign = 1.0 if first_left else -1.0
    path = [_offset_point(border, along, sign * 20.0)]
    for shift_m, offset_m in steps:
        along += shift_m
        sign = -sign
        path.append(_offset_point(border, along, sign * offset_m))
    geom = shapely.LineString(border.vertices_xy)
    for a, b in itertools.pairwise(path):
        hits = shapely.LineString([a, b]).intersection(geom)
        assume(isinstance(hits, shapely.Point))  # exactly one crossing per step
    d = line.signed_distance(np.array(path))
    assume(bool(np.all(np.abs(d) > RULES.crossing_clear_m + 0.5)))
    events = _run(line, path)
    assert len(events) == len(steps)
    expected_first = Direction.INBOUND if first_left else Direction.OUTBOUND
    for i, (direction, _) in enumerate(events):
        flip = i % 2 == 1
        want = (
            expected_first
            if not flip
            else (Direction.OUTBOUND if expected_first is Direction.INBOUND else Direction.INBOUND)
        )
        assert direction is want


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start_km=st.floats(min_value=1.0, max_value=58.0),
    jitter=st.lists(st.floats(min_value=-2.9, max_value=2.9), min_size=2, max_size=20),
    home_first=st.booleans(),
)
def test_jitter_inside_the_hysteresis_band_gives_no_event(
    volyn_geometry: SiteGeometry, start_km: float, jitter: list[float], home_first: bool
) -> None:
    line = volyn_geometry.border_lines["ua-by"]
    border = line.border
    along = float(border.along_at_km(start_km))
    side = -10.0 if home_first else 10.0
    path = [_offset_point(border, along, side)]
    path += [_offset_point(border, along + i * 0.5, j) for i, j in enumerate(jitter)]
    path.append(_offset_point(border, along + len(jitter) * 0.5, side))
    d = line.signed_distance(np.array(path[1:-1]))
    assume(bool(np.all(np.abs(d) < RULES.crossing_clear_m)))
    assert _run(line, path) == []
