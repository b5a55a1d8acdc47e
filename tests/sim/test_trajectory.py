"""Trajectories: exact positions, pauses, headings and bad input."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kordon.sim.errors import SimulationError
from kordon.sim.trajectory import Trajectory, Waypoint


def test_positions_and_pause_are_exact() -> None:
    traj = Trajectory(
        [Waypoint(0, 0, 2.0), Waypoint(10, 0, 5.0, pause_s=3.0), Waypoint(10, 20)], 1.0
    )
    assert traj.start_s == 1.0
    assert traj.end_s == pytest.approx(1.0 + 5.0 + 3.0 + 4.0)
    assert traj.position(0.5) is None
    assert traj.position(3.5) == pytest.approx((5.0, 0.0))
    assert traj.position(7.0) == pytest.approx((10.0, 0.0))  # paused
    assert not traj.is_moving(7.0)
    assert traj.position(10.0) == pytest.approx((10.0, 5.0))
    assert traj.moving_time(10.0) == pytest.approx(6.0)
    assert traj.heading(3.0) == pytest.approx((1.0, 0.0))
    assert traj.heading(10.0) == pytest.approx((0.0, 1.0))
    assert traj.position(13.0) == pytest.approx((10.0, 20.0))
    assert traj.position(13.5) is None


@pytest.mark.parametrize(
    ("waypoints", "message"),
    [
        ([], "at least one waypoint"),
        ([Waypoint(0, 0)], "pause_s > 0"),
        ([Waypoint(0, 0, 0.0), Waypoint(1, 1)], "speed must be > 0"),
        ([Waypoint(0, 0, -1.0), Waypoint(1, 1)], "speed must be > 0"),
        ([Waypoint(math.nan, 0), Waypoint(1, 1)], "finite"),
        ([Waypoint(0, 0, pause_s=-1), Waypoint(1, 1)], "pause_s must be >= 0"),
        ([Waypoint(2, 2), Waypoint(2, 2)], "zero duration"),
    ],
)
def test_bad_waypoints_are_refused(waypoints: list[Waypoint], message: str) -> None:
    with pytest.raises(SimulationError, match=message):
        Trajectory(waypoints)


coord = st.floats(-1e4, 1e4, allow_nan=False)


@given(
    st.lists(st.tuples(coord, coord), min_size=2, max_size=6),
    st.floats(0.1, 50.0),
    st.floats(0.0, 1.0),
)
def test_speed_is_constant_and_path_stays_on_legs(
    points: list[tuple[float, float]], speed: float, frac: float
) -> None:
    if all(p == points[0] for p in points):
        return
    traj = Trajectory([Waypoint(x, y, speed) for x, y in points])
    t = traj.start_s + frac * (traj.end_s - traj.start_s)
    p = traj.position(t)
    assert p is not None
    # Distance covered equals speed × time, and the point lies on its leg's segment.
    covered = speed * traj.moving_time(t)
    total = sum(math.dist(a, b) for a, b in itertools.pairwise(points))
    assert covered <= total * (1 + 1e-9) + 1e-6
    leg = next(leg for leg in traj.legs if leg.t0_s <= t <= leg.t1_s)
    a, b = leg.start_xy, leg.end_xy
    assert math.dist(a, p) + math.dist(p, b) == pytest.approx(math.dist(a, b), abs=1e-6)
