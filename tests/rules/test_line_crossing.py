"""``LineCrossingRule``: semantics, hysteresis, segment ends, polylines, bad input."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kordon.domain.event import Direction, EventKind, Frame
from kordon.rules.errors import GeometryError, RuleConfigError, RuleInputError
from kordon.rules.line_crossing import LineCrossingRule
from kordon.rules.line_geometry import PolylineGeometry
from tests.rules.helpers import T0, at, planar, replay

H_LINE = [[0.0, 0.0], [100.0, 0.0]]


def rule(line: Any = H_LINE, frame: Frame = Frame.LOCAL, **kw: Any) -> LineCrossingRule:
    return LineCrossingRule("r1", "cam1", frame, line, **kw)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({}, None, ""),
        ({"line": [[0, 0]]}, GeometryError, "at least 2 points"),
        ({"line": [[1, 1], [1, 1]]}, GeometryError, "zero length"),
        ({"line": [[0, 0], [1, 0], [2, 0]], "infinite": True}, GeometryError, "exactly 2"),
        ({"hysteresis_distance": -1.0}, RuleConfigError, "hysteresis_distance"),
        ({"hysteresis_frames": 0}, RuleConfigError, "hysteresis_frames"),
        ({"hysteresis_frames": 1.5}, RuleConfigError, "hysteresis_frames"),
        ({"cooldown_s": -2.0}, RuleConfigError, "cooldown_s"),
        ({"min_quality": 1.5}, RuleConfigError, "min_quality"),
        ({"forget_after_s": 0.0}, RuleConfigError, "forget_after_s"),
        ({"directions": ["sideways"]}, RuleConfigError, "unknown direction"),
        ({"directions": ["inbound"]}, RuleConfigError, "not valid for this line"),
        ({"directions": []}, RuleConfigError, "must not be empty"),
        ({"left_to_right": "up"}, RuleConfigError, "unknown direction"),
        ({"classes": []}, RuleConfigError, "must not be empty"),
        ({"classes": "person"}, RuleConfigError, "collection"),
        ({"frame": "pixels"}, RuleConfigError, "frame"),
        ({"rule_id": ""}, RuleConfigError, "rule_id"),
        ({"line": PolylineGeometry(H_LINE), "infinite": True}, RuleConfigError, "infinite"),
    ],
)
def test_construction(kwargs: dict[str, Any], error: type[Exception] | None, message: str) -> None:
    args: dict[str, Any] = {"rule_id": "r1", "source_id": "cam1", "frame": Frame.LOCAL}
    args["line"] = H_LINE
    args.update(kwargs)
    if error is None:
        assert LineCrossingRule(**args).rule_id == "r1"
    else:
        with pytest.raises(error, match=message):
            LineCrossingRule(**args)


def test_local_frame_left_is_north_of_an_eastward_line() -> None:
    events = replay(rule(), [[50, 10], [50, -10], [50, 10]])
    assert [e.direction for e in events] == [Direction.IN, Direction.OUT]
    first = events[0]
    assert first.x == pytest.approx(50.0)
    assert first.y == pytest.approx(0.0)
    assert first.time == at(0.05)
    assert first.kind is EventKind.LINE_CROSSING
    assert first.frame is Frame.LOCAL
    assert first.track_id == "7"
    assert first.class_name == "person"
    assert first.confidence == pytest.approx(0.9)
    assert first.rule_id == "r1"
    assert first.source_id == "cam1"
    assert first.attributes == {"segment_index": 0, "distance_along": pytest.approx(50.0)}


def test_image_frame_in_is_downwards_across_a_line_drawn_left_to_right() -> None:
    """In an image (y down), a line drawn from screen-left to screen-right has its
    displayed left side above it: walking down the picture across it is ``in``."""
    image = rule([[0, 100], [200, 100]], Frame.IMAGE)
    events = replay(image, [[50, 60], [50, 140], [60, 60]])
    assert [e.direction for e in events] == [Direction.IN, Direction.OUT]
    # The same numbers in a y-up frame mean the opposite.
    local = rule([[0, 100], [200, 100]], Frame.LOCAL)
    assert [e.direction for e in replay(local, [[50, 60], [50, 140]])] == [Direction.OUT]


def test_geo_naming_maps_left_to_right_to_inbound() -> None:
    border = rule(left_to_right=Direction.OUTBOUND, kind=EventKind.BORDER_CROSSING)
    events = replay(border, [[10, 5], [10, -5], [10, 5]])
    assert [e.direction for e in events] == [Direction.OUTBOUND, Direction.INBOUND]
    assert all(e.kind is EventKind.BORDER_CROSSING for e in events)


def test_directions_filter() -> None:
    only_out = rule(directions=["out"])
    events = replay(only_out, [[5, 5], [5, -5], [5, 5], [5, -5]])
    assert [e.direction for e in events] == [Direction.OUT]


def test_appearing_on_a_side_commits_without_event() -> None:
    assert replay(rule(), [[50, -10], [50, -20]]) == []
    assert replay(rule(hysteresis_distance=5.0), [[50, 2], [50, -10], [50, -20]]) == []
    # once committed (first clear sample), a later crossing counts
    events = replay(rule(hysteresis_distance=5.0), [[50, 2], [50, -10], [50, 10]])
    assert [e.direction for e in events] == [Direction.OUT]


def test_hysteresis_distance_band_neither_commits_nor_resets() -> None:
    r = rule(hysteresis_distance=5.0, hysteresis_frames=2)
    # committed left, one clear right, band, clear right → confirmed on the 2nd clear one
    events = replay(r, [[50, 10], [50, -6], [50, -1], [50, 1], [50, -7]])
    assert len(events) == 1
    # the crossing reported is the last one in its direction (step 0.3→0.4 s, y 1 → -7)
    assert events[0].time == at(0.3125)
    assert events[0].direction is Direction.IN


def test_flicker_across_the_line_never_fires_with_frames() -> None:
    r = rule(hysteresis_frames=3)
    path = [[50, 10]] + [[50, -3], [50, 3]] * 20
    assert replay(r, path) == []


def test_hysteresis_frames_count_consecutive_updates() -> None:
    r = rule(hysteresis_frames=3)
    events = replay(r, [[50, 10], [50, -1], [50, -2], [50, 1], [50, -2], [50, -3], [50, -4]])
    assert len(events) == 1
    assert abs((events[0].time - at(0.3 + 0.1 / 3)).total_seconds()) < 1e-6


def test_segment_ignores_paths_around_its_ends() -> None:
    around = [[50, 10], [120, 10], [120, -10], [50, -10]]
    assert replay(rule(), around) == []
    assert len(replay(rule(infinite=True), around)) == 1
    # and crossing back through the segment afterwards is a real crossing
    assert [e.direction for e in replay(rule(), [*around, [50, 10]])] == [Direction.OUT]


def test_cooldown_suppresses_repeats_per_direction() -> None:
    path = [[5, 5], [5, -5], [5, 5], [5, -5], [5, 5]]
    assert len(replay(rule(), path, dt_s=1.0)) == 4
    events = replay(rule(cooldown_s=2.5), path, dt_s=1.0)
    assert [(e.direction, e.time) for e in events] == [
        (Direction.IN, at(0.5)),
        (Direction.OUT, at(1.5)),
    ]
    events = replay(rule(cooldown_s=2.0), path, dt_s=1.0)
    assert len(events) == 4  # repeats exactly cooldown_s later are allowed


def test_unconfirmed_and_low_quality_tracks_never_fire() -> None:
    path = [[5, 5], [5, -5], [5, 5], [5, -5]]
    assert replay(rule(), path, confirmed=[False] * 4) == []
    assert replay(rule(min_quality=0.5), path, quality=[0.3] * 4) == []
    # an ignored sample does not move the state: the step around it is still seen
    events = replay(rule(min_quality=0.5), path, quality=[0.9, 0.1, 0.1, 0.9])
    assert [e.direction for e in events] == [Direction.IN]


def test_classes_filter() -> None:
    r = rule(classes=["car"])
    for i, y in enumerate([5.0, -5.0]):
        tracks = planar([[5, y], [6, y]], ids=[1, 2], classes=["person", "car"])
        events = r.trigger(tracks, at(i))
    assert [e.track_id for e in events] == ["2"]


def test_forgets_tracks_after_absence() -> None:
    r = rule(forget_after_s=1.0)
    r.trigger(planar([[5, 5]]), at(0))
    assert r.tracked == 1
    r.trigger(planar([]), at(2))
    assert r.tracked == 0
    # seen again on the other side: a new appearance, no event
    assert r.trigger(planar([[5, -5]]), at(2.5)) == []


def test_bad_input() -> None:
    r = rule()
    r.trigger(planar([[5, 5]]), at(1))
    with pytest.raises(RuleInputError, match="backwards"):
        r.trigger(planar([[5, 5]]), at(0))
    with pytest.raises(RuleInputError, match="timezone-aware"):
        r.trigger(planar([[5, 5]]), T0.replace(tzinfo=None))
    with pytest.raises(RuleInputError, match="duplicate track ids"):
        r.trigger(planar([[5, 5], [6, 6]], ids=[3, 3]), at(2))


def test_non_finite_rows_are_dropped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    r = rule()
    r.trigger(planar([[5, 5], [6, 5]], ids=[1, 2]), at(0))
    with caplog.at_level(logging.WARNING):
        events = r.trigger(planar([[5, -5], [np.nan, -5]], ids=[1, 2]), at(1))
    assert [e.track_id for e in events] == ["1"]
    assert "non-finite" in caplog.text


def test_injected_line_geometry_is_used() -> None:
    geometry = PolylineGeometry([[0, 0], [50, 0], [100, 10]])
    events = replay(rule(geometry), [[75, 20], [75, -10]])
    assert len(events) == 1
    assert events[0].attributes["segment_index"] == 1


# --- properties -----------------------------------------------------------------------


@st.composite
def alternating_paths(draw: st.DrawFn) -> tuple[list[list[float]], int, bool, float, int]:
    """A path crossing a line k times, ≥ frames samples clear on each side per leg."""
    margin = draw(st.floats(0.0, 5.0))
    frames = draw(st.integers(1, 3))
    k = draw(st.integers(0, 6))
    start_left = draw(st.booleans())
    path: list[list[float]] = []
    for leg in range(k + 1):
        side = 1.0 if (leg % 2 == 0) == start_left else -1.0
        n = draw(st.integers(frames, frames + 3))
        for _ in range(n):
            along = draw(st.floats(10.0, 90.0))
            off = draw(st.floats(margin + 0.01, margin + 40.0))
            path.append([along, side * off])
    return path, k, start_left, margin, frames


def _place(path: list[list[float]], angle: float, origin: tuple[float, float]) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    local = np.asarray(path, np.float64)
    return np.stack(
        [
            origin[0] + c * local[:, 0] - s * local[:, 1],
            origin[1] + s * local[:, 0] + c * local[:, 1],
        ],
        axis=1,
    )


@settings(max_examples=80, deadline=None)
@given(
    case=alternating_paths(),
    angle=st.floats(-np.pi, np.pi),
    origin=st.tuples(st.floats(-500, 500), st.floats(-500, 500)),
    infinite=st.booleans(),
)
def test_k_crossings_give_k_alternating_events(
    case: tuple[list[list[float]], int, bool, float, int],
    angle: float,
    origin: tuple[float, float],
    infinite: bool,
) -> None:
    path, k, start_left, margin, frames = case
    line = _place([[0.0, 0.0], [100.0, 0.0]], angle, origin)
    r = rule(line, infinite=infinite, hysteresis_distance=margin, hysteresis_frames=frames)
    events = replay(r, _place(path, angle, origin).tolist())
    first = Direction.IN if start_left else Direction.OUT
    second = Direction.OUT if start_left else Direction.IN
    assert [e.direction for e in events] == [first if i % 2 == 0 else second for i in range(k)]


@settings(max_examples=80, deadline=None)
@given(
    margin=st.floats(0.5, 10.0),
    fractions=st.lists(st.floats(-0.999, 0.999), min_size=1, max_size=40),
    start=st.sampled_from([-1.0, 0.0, 1.0]),
)
def test_jitter_inside_the_band_never_fires(
    margin: float, fractions: list[float], start: float
) -> None:
    r = rule(hysteresis_distance=margin)
    path = [[50.0, start * (margin + 1.0)]] + [[50.0 + f, f * margin] for f in fractions]
    if start != 0.0:
        path.append([50.0, start * (margin + 1.0)])
    assert replay(r, path) == []


@st.composite
def polyline_and_path(draw: st.DrawFn) -> tuple[np.ndarray, list[list[float]]]:
    n = draw(st.integers(2, 15))
    steps = draw(st.lists(st.floats(2.0, 40.0), min_size=n - 1, max_size=n - 1))
    dys = draw(st.lists(st.floats(-40.0, 40.0), min_size=n - 1, max_size=n - 1))
    line = np.stack(
        [np.concatenate([[0.0], np.cumsum(steps)]), np.concatenate([[0.0], np.cumsum(dys)])],
        axis=1,
    )
    x_hi = float(line[-1, 0])
    points = draw(
        st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(-150.0, 150.0)), min_size=2, max_size=40)
    )
    path = [[fx * x_hi, y] for fx, y in points]
    return line, path


@settings(max_examples=80, deadline=None)
@given(case=polyline_and_path())
def test_polyline_events_alternate_and_lie_on_the_line(
    case: tuple[np.ndarray, list[list[float]]],
) -> None:
    line, path = case
    xy = np.asarray(path)
    above = xy[:, 1] - np.interp(xy[:, 0], line[:, 0], line[:, 1])
    assume(np.all(np.abs(above) > 1e-6))
    r = rule(line)
    dt = 0.25
    events = replay(r, path, dt_s=dt)
    # Walking towards +x in a y-up frame, left is above: every side change is a crossing.
    sides = np.sign(above)
    assert len(events) == int(np.count_nonzero(sides[1:] != sides[:-1]))
    directions = [e.direction for e in events]
    assert all(a != b for a, b in itertools.pairwise(directions))
    polyline = shapely.LineString(line)
    for event in events:
        assert event.x is not None
        assert event.y is not None
        assert shapely.distance(polyline, shapely.Point(event.x, event.y)) < 1e-6
        t = (event.time - T0).total_seconds()
        i = min(int(t // dt) + 1, len(path) - 1)
        frac = (t - (i - 1) * dt) / dt
        assert -1e-6 <= frac <= 1 + 1e-6
        expected = xy[i - 1] + frac * (xy[i] - xy[i - 1])
        # event times have microsecond resolution
        tol = 1e-5 * float(np.hypot(*(xy[i] - xy[i - 1]))) + 1e-6
        np.testing.assert_allclose([event.x, event.y], expected, atol=tol)
        along = float(event.attributes["distance_along"])
        assert along == pytest.approx(polyline.project(shapely.Point(event.x, event.y)), abs=1e-6)
