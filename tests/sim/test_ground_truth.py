"""Exact crossings against brute force, hysteresis, polylines, MOT export."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kordon.domain.event import AttributeValue, Direction, Event, EventKind
from kordon.sim.crossing_score import border_direction, score_crossings
from kordon.sim.errors import SimulationError
from kordon.sim.ground_truth import (
    Crossing,
    actor_crossings,
    crossings,
    mot_gt_rows,
    write_mot_gt,
)
from kordon.sim.render import Renderer
from kordon.sim.scenario import Actor, ActorClass, FixedCast
from kordon.sim.scenes import border_walk
from kordon.sim.trajectory import Waypoint

T0 = datetime(2025, 6, 1, tzinfo=UTC)


def _side(line: tuple[tuple[float, float], ...], p: tuple[float, float]) -> int:
    (cx, cy), (dx, dy) = line[0], line[1]
    d = (dx - cx) * (p[1] - cy) - (dy - cy) * (p[0] - cx)
    return (d > 0) - (d < 0)


def test_analytic_crossings_match_per_frame_sign_changes() -> None:
    scene = border_walk()
    fps = scene.scenario.fps
    assert isinstance(scene.scenario.cast, FixedCast)
    actors = scene.scenario.cast.actors
    exact = crossings(actors, scene.line)
    assert len(exact) == 10
    renderer = Renderer(scene.scenario, scene.projector)
    # Brute force: side of each actor's anchor, frame by frame, from the rendered truth.
    brute: list[tuple[int, int, int]] = []
    last: dict[int, int] = {}
    for k in range(scene.scenario.frame_count or 0):
        for a in renderer.truth(k).actors:
            side = _side(scene.line, a.path_xy)
            if side == 0:
                continue
            if a.actor_id in last and last[a.actor_id] != side:
                brute.append((a.actor_id, k, last[a.actor_id]))
            last[a.actor_id] = side
    expected = [(c.actor_id, math.ceil(c.time_s * fps), c.from_side) for c in exact]
    assert sorted(brute) == sorted(expected)
    for c in exact:
        assert c.point_xy[1] == pytest.approx(300.0)


def test_box_anchor_crosses_within_a_frame_of_the_exact_time() -> None:
    scene = border_walk()
    renderer = Renderer(scene.scenario, scene.projector)
    assert isinstance(scene.scenario.cast, FixedCast)
    exact = crossings(scene.scenario.cast.actors, scene.line, clearance=scene.clearance)
    for c in exact:
        k = math.ceil(c.time_s * scene.scenario.fps)
        before = next(a for a in renderer.truth(k - 2).actors if a.actor_id == c.actor_id)
        after = next(a for a in renderer.truth(k + 1).actors if a.actor_id == c.actor_id)
        assert before.xyxy_px is not None
        assert after.xyxy_px is not None
        assert _side(scene.line, (0.0, before.xyxy_px[3] - 1)) == c.from_side
        assert _side(scene.line, (0.0, after.xyxy_px[3] - 1)) == -c.from_side


def test_clearance_drops_jitter_and_loitering() -> None:
    scene = border_walk()
    assert isinstance(scene.scenario.cast, FixedCast)
    actors = scene.scenario.cast.actors
    counted = crossings(actors, scene.line, clearance=scene.clearance)
    assert [c.actor_id for c in counted] == [1, 2, 3, 4, 8, 9]
    assert [c.direction for c in counted] == [
        Direction.IN,
        Direction.OUT,
        Direction.IN,
        Direction.OUT,
        Direction.OUT,
        Direction.OUT,
    ]
    jitter = next(a for a in actors if a.actor_id == 6)
    assert len(actor_crossings(jitter, scene.line)) == 4
    assert actor_crossings(jitter, scene.line, clearance=scene.clearance) == []


def test_polyline_crossing_point_and_segment() -> None:
    actor = Actor(1, ActorClass.PERSON, (Waypoint(5, -10, 2.0), Waypoint(15, 10)))
    line = ((0.0, 0.0), (10.0, 0.0), (20.0, 5.0))
    (c,) = actor_crossings(actor, line)
    # The point lies on both the path (y = 2x − 20) and segment 1 (y = (x − 10) / 2).
    assert c.segment_index == 1
    x, y = c.point_xy
    assert y == pytest.approx((x - 10.0) / 2.0)
    assert y == pytest.approx(-10 + 2 * (x - 5))
    assert c.time_s == pytest.approx(math.hypot(x - 5, y + 10) / 2.0)
    assert c.from_side == -1
    assert c.direction is Direction.IN


def test_touching_the_line_is_not_a_crossing() -> None:
    actor = Actor(
        1, ActorClass.PERSON, (Waypoint(0, -5, 1.0), Waypoint(0, 0, 1.0), Waypoint(3, -5))
    )
    assert actor_crossings(actor, ((-10.0, 0.0), (10.0, 0.0))) == []
    through = Actor(
        2, ActorClass.PERSON, (Waypoint(0, -5, 1.0), Waypoint(0, 0, 1.0, pause_s=2), Waypoint(0, 5))
    )
    (c,) = actor_crossings(through, ((-10.0, 0.0), (10.0, 0.0)))
    assert c.time_s == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("line", "clearance", "message"),
    [
        (((0.0, 0.0),), 0.0, "at least 2 points"),
        (((0.0, 0.0), (0.0, 0.0)), 0.0, "zero length"),
        (((0.0, math.inf), (1.0, 0.0)), 0.0, "not finite"),
        (((0.0, 0.0), (1.0, 0.0)), -1.0, "clearance"),
    ],
)
def test_bad_lines_are_refused(
    line: tuple[tuple[float, float], ...], clearance: float, message: str
) -> None:
    actor = Actor(1, ActorClass.PERSON, (Waypoint(0, -5), Waypoint(0, 5)))
    with pytest.raises(SimulationError, match=message):
        actor_crossings(actor, line, clearance=clearance)


def test_mot_export_format(tmp_path: Path) -> None:
    scene = border_walk()
    renderer = Renderer(scene.scenario, scene.projector)
    truths = [renderer.truth(k) for k in range(50)]
    rows = mot_gt_rows(truths)
    assert rows
    for row in rows:
        fields = row.split(",")
        assert len(fields) == 10
        assert fields[6:] == ["1", "-1", "-1", "-1"]
        frame, ident = int(fields[0]), int(fields[1])
        assert 1 <= frame <= 50
        assert ident >= 1
        assert float(fields[4]) > 0
        assert float(fields[5]) > 0
    first = truths[0].visible[0]
    assert first.xyxy_px is not None
    x1, y1, x2, y2 = first.xyxy_px
    assert rows[0] == f"1,{first.actor_id},{x1:g},{y1:g},{x2 - x1:g},{y2 - y1:g},1,-1,-1,-1"
    path = tmp_path / "gt.txt"
    assert write_mot_gt(path, truths) == len(rows)
    assert path.read_text(encoding="ascii").splitlines() == rows


def _crossing(t: float, from_side: int) -> Crossing:
    return Crossing(
        actor_id=1,
        class_name="person",
        time_s=t,
        point_xy=(0.0, 0.0),
        segment_index=0,
        from_side=from_side,
        direction=Direction.IN if from_side < 0 else Direction.OUT,
    )


def _event(t: float, direction: Direction, detected: float | None = None) -> Event:
    attributes: dict[str, AttributeValue] = {}
    if detected is not None:
        attributes["detected_at"] = (T0 + timedelta(seconds=detected)).isoformat()
    return Event(
        EventKind.BORDER_CROSSING,
        T0 + timedelta(seconds=t),
        "cam",
        direction=direction,
        attributes=attributes,
    )


# side +1 is left of the line; home on the right: a crossing from +1 to -1 is inbound
@pytest.mark.parametrize(
    ("events", "seen", "false_alarms", "delays"),
    [
        ([], 0, 0, []),
        ([_event(10.5, Direction.INBOUND, 12.0)], 1, 0, [2.0]),
        ([_event(12.5, Direction.INBOUND, 13.0)], 0, 1, []),  # > 2 s after
        ([_event(10.0, Direction.OUTBOUND, 11.0)], 0, 1, []),  # wrong direction
        ([_event(9.0, Direction.INBOUND), _event(10.2, Direction.INBOUND)], 1, 1, [0.2]),
        ([_event(10.0, Direction.INBOUND), _event(30.5, Direction.OUTBOUND)], 2, 0, [0.0, 0.5]),
    ],
)
def test_scoring_matches_direction_within_the_tolerance(
    events: list[Event], seen: int, false_alarms: int, delays: list[float]
) -> None:
    truth = [_crossing(10.0, +1), _crossing(30.0, -1)]
    score = score_crossings(truth, events, t0=T0, home_is_left=False, tolerance_s=2.0)
    assert score.crossings == 2
    assert score.seen == seen
    assert score.false_alarms == false_alarms
    assert list(score.delays_s) == pytest.approx(delays)
    assert score.recall == seen / 2
    assert len(score.missed_times_s) == 2 - seen
    total = score + score
    assert (total.crossings, total.seen) == (4, 2 * seen)
    assert border_direction(truth[0], home_is_left=True) is Direction.OUTBOUND
