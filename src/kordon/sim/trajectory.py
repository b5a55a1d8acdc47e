"""``Trajectory``: the exact position of one actor at any time.

Piecewise linear in time: the actor leaves each waypoint at that waypoint's ``speed``
(path-plane units per second: m/s in world scenes, px/s in image scenes) after waiting its
``pause_s``. Every leg is a straight segment travelled at constant speed, so crossings of
straight lines can be solved in closed form (see ``ground_truth``).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from kordon.sim.errors import SimulationError


@dataclass(frozen=True, slots=True)
class Waypoint:
    """A path point; ``speed`` applies to the leg that *leaves* it, ``pause_s`` is a wait on
    arrival before leaving (the last waypoint's pause keeps the actor standing there)."""

    x: float
    y: float
    speed: float = 1.4
    pause_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Leg:
    """Straight motion from ``start_xy`` at ``t0_s`` to ``end_xy`` at ``t1_s`` (a pause when
    the two points are equal)."""

    t0_s: float
    t1_s: float
    start_xy: tuple[float, float]
    end_xy: tuple[float, float]

    @property
    def moving(self) -> bool:
        return self.start_xy != self.end_xy

    def at(self, time_s: float) -> tuple[float, float]:
        span = self.t1_s - self.t0_s
        f = 0.0 if span <= 0 else min(max((time_s - self.t0_s) / span, 0.0), 1.0)
        (x0, y0), (x1, y1) = self.start_xy, self.end_xy
        return (x0 + f * (x1 - x0), y0 + f * (y1 - y0))


def _check_waypoint(i: int, wp: Waypoint) -> None:
    if not (math.isfinite(wp.x) and math.isfinite(wp.y)):
        raise SimulationError(f"waypoint {i}: position must be finite, got ({wp.x}, {wp.y})")
    if not (math.isfinite(wp.speed) and wp.speed > 0):
        raise SimulationError(f"waypoint {i}: speed must be > 0, got {wp.speed}")
    if not (math.isfinite(wp.pause_s) and wp.pause_s >= 0):
        raise SimulationError(f"waypoint {i}: pause_s must be >= 0, got {wp.pause_s}")


class Trajectory:
    """Exact motion along waypoints starting at ``start_s`` (seconds of scenario time)."""

    def __init__(self, waypoints: Sequence[Waypoint], start_s: float = 0.0) -> None:
        if not waypoints:
            raise SimulationError("a trajectory needs at least one waypoint")
        if not math.isfinite(start_s):
            raise SimulationError(f"start_s must be finite, got {start_s}")
        for i, wp in enumerate(waypoints):
            _check_waypoint(i, wp)
        if len(waypoints) == 1 and waypoints[0].pause_s == 0:
            raise SimulationError(
                "a single-waypoint trajectory needs pause_s > 0 (how long to stand)"
            )
        legs: list[Leg] = []
        t = start_s
        for i, wp in enumerate(waypoints):
            here = (wp.x, wp.y)
            if wp.pause_s > 0:
                legs.append(Leg(t, t + wp.pause_s, here, here))
                t += wp.pause_s
            if i + 1 < len(waypoints):
                nxt = waypoints[i + 1]
                there = (nxt.x, nxt.y)
                length = math.hypot(there[0] - here[0], there[1] - here[1])
                if length > 0:
                    legs.append(Leg(t, t + length / wp.speed, here, there))
                    t += length / wp.speed
        if not legs:
            raise SimulationError("trajectory has zero duration (all waypoints equal, no pause)")
        self._legs = tuple(legs)
        self._starts = [leg.t0_s for leg in legs]
        # Moving time accumulated before each leg (drives the walking cycle).
        moving_before: list[float] = []
        acc = 0.0
        for leg in legs:
            moving_before.append(acc)
            if leg.moving:
                acc += leg.t1_s - leg.t0_s
        self._moving_before = moving_before

    @property
    def legs(self) -> tuple[Leg, ...]:
        return self._legs

    @property
    def start_s(self) -> float:
        return self._legs[0].t0_s

    @property
    def end_s(self) -> float:
        return self._legs[-1].t1_s

    def active(self, time_s: float) -> bool:
        """Whether the actor exists at ``time_s`` (inside [start_s, end_s])."""
        return self.start_s <= time_s <= self.end_s

    def _leg_index(self, time_s: float) -> int:
        return max(bisect.bisect_right(self._starts, time_s) - 1, 0)

    def position(self, time_s: float) -> tuple[float, float] | None:
        """Exact (x, y) at ``time_s``; ``None`` outside the active interval."""
        if not self.active(time_s):
            return None
        return self._legs[self._leg_index(time_s)].at(time_s)

    def moving_time(self, time_s: float) -> float:
        """Seconds spent moving up to ``time_s`` (pauses excluded)."""
        i = self._leg_index(time_s)
        leg = self._legs[i]
        inside = min(max(time_s - leg.t0_s, 0.0), leg.t1_s - leg.t0_s) if leg.moving else 0.0
        return self._moving_before[i] + inside

    def is_moving(self, time_s: float) -> bool:
        return self.active(time_s) and self._legs[self._leg_index(time_s)].moving

    def heading(self, time_s: float) -> tuple[float, float]:
        """Unit direction of the current leg, or of the nearest moving leg while paused."""
        i = self._leg_index(time_s)
        order = [i, *range(i - 1, -1, -1), *range(i + 1, len(self._legs))]
        for j in order:
            leg = self._legs[j]
            if leg.moving:
                dx = leg.end_xy[0] - leg.start_xy[0]
                dy = leg.end_xy[1] - leg.start_xy[1]
                norm = math.hypot(dx, dy)
                return (dx / norm, dy / norm)
        return (0.0, 1.0)
