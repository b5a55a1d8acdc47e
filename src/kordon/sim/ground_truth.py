"""Exact ground truth: line crossings solved from the trajectories, and MOTChallenge export.

Crossings are computed in the scenario's path plane (world metres for world scenes, image
pixels for image-space scenes), where every trajectory leg is a straight segment travelled at
constant speed, so the signed distance to a line is linear in time on each leg and crossing
times are found in closed form. The anchor is the actor's ground point, which in image-space
scenes is the bottom centre of its drawn box (within a pixel).

Sides: for a line segment C→D, a point P is on side +1 when cross(D − C, P − C) > 0. With
image coordinates (y down) and a line drawn left to right, +1 is *below* the line; with
world coordinates (north up) and a line drawn west to east, +1 is *north* of it.
``Direction.IN`` means arriving on side +1, ``Direction.OUT`` leaving it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kordon.domain.event import Direction
from kordon.sim.errors import SimulationError
from kordon.sim.render import FrameTruth
from kordon.sim.scenario import Actor
from kordon.sim.trajectory import Trajectory

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Crossing:
    """One actor crossing one segment of a line at an exact time and point."""

    actor_id: int
    class_name: str
    time_s: float
    point_xy: Point
    segment_index: int
    from_side: int
    direction: Direction


def _check_line(line: Sequence[Point]) -> list[Point]:
    pts = [(float(x), float(y)) for x, y in line]
    if len(pts) < 2:
        raise SimulationError(f"a crossing line needs at least 2 points, got {len(pts)}")
    for i, (x, y) in enumerate(pts):
        if not (math.isfinite(x) and math.isfinite(y)):
            raise SimulationError(f"crossing line point {i} is not finite: ({x}, {y})")
    for i in range(len(pts) - 1):
        if pts[i] == pts[i + 1]:
            raise SimulationError(f"crossing line segment {i} has zero length at {pts[i]}")
    return pts


def _sign(d: float) -> int:
    return (d > 0) - (d < 0)


@dataclass(frozen=True, slots=True)
class _Exact:
    time_s: float
    from_side: int
    leg_index: int


def _signed(c: Point, dvec: Point, p: Point) -> float:
    """Signed distance (length units) of ``p`` from the infinite line through ``c``."""
    norm = math.hypot(*dvec)
    return (dvec[0] * (p[1] - c[1]) - dvec[1] * (p[0] - c[0])) / norm


def _exact_crossings(traj: Trajectory, c: Point, dvec: Point) -> list[_Exact]:
    """Every sign change of the signed distance along the path (touches excluded)."""
    found: list[_Exact] = []
    last_sign = _sign(_signed(c, dvec, traj.legs[0].start_xy))
    zero_since: float | None = traj.start_s if last_sign == 0 else None
    for i, leg in enumerate(traj.legs):
        if not leg.moving:
            continue
        da, db = _signed(c, dvec, leg.start_xy), _signed(c, dvec, leg.end_xy)
        sa, sb = _sign(da), _sign(db)
        if sa * sb < 0:
            t = leg.t0_s + da / (da - db) * (leg.t1_s - leg.t0_s)
            found.append(_Exact(t, sa, i))
        elif sa != 0 and sb == 0:
            zero_since = leg.t1_s
        elif sa == 0 and sb != 0 and last_sign not in (0, sb):
            found.append(_Exact(zero_since if zero_since is not None else leg.t0_s, last_sign, i))
        if sb != 0:
            last_sign = sb
    return found


def _max_on_side(
    traj: Trajectory, c: Point, dvec: Point, side: int, *, t0: float, t1: float
) -> float:
    """Largest ``side``-signed distance reached in [t0, t1] (distance is linear per leg, so
    the extremes lie at leg ends or at the interval ends)."""
    times = [t0, t1, *(leg.t1_s for leg in traj.legs if t0 < leg.t1_s < t1)]
    best = -math.inf
    for t in times:
        p = traj.position(min(max(t, traj.start_s), traj.end_s))
        if p is not None:
            best = max(best, side * _signed(c, dvec, p))
    return best


def actor_crossings(
    actor: Actor, line: Sequence[Point], *, clearance: float = 0.0
) -> list[Crossing]:
    """Crossings of ``line`` (a polyline in the path plane) by one actor, in time order.

    With ``clearance`` > 0 a crossing counts only as a hysteresis rule would count it: the
    actor was clear of the line by ``clearance`` on the side it came from (since the last
    counted crossing) and gets ``clearance`` clear on the new side before crossing back; the
    reported time and point are those of the exact crossing. Clearance is measured from
    the crossed segment's infinite line.
    """
    pts = _check_line(line)
    if not (math.isfinite(clearance) and clearance >= 0):
        raise SimulationError(f"clearance must be >= 0, got {clearance}")
    traj = actor.trajectory
    out: list[Crossing] = []
    last_seg = len(pts) - 2
    for j in range(len(pts) - 1):
        c, d = pts[j], pts[j + 1]
        dvec = (d[0] - c[0], d[1] - c[1])
        exact = _exact_crossings(traj, c, dvec)
        state = 0
        for k, e in enumerate(exact):
            prev_t = exact[k - 1].time_s if k > 0 else traj.start_s
            next_t = exact[k + 1].time_s if k + 1 < len(exact) else traj.end_s
            if clearance > 0:
                if _max_on_side(traj, c, dvec, e.from_side, t0=prev_t, t1=e.time_s) >= clearance:
                    state = e.from_side
                clear_after = _max_on_side(traj, c, dvec, -e.from_side, t0=e.time_s, t1=next_t)
                counted = state == e.from_side and clear_after >= clearance
                if clear_after >= clearance:
                    state = -e.from_side
            else:
                counted = True
            p = traj.position(e.time_s)
            if p is None:  # cannot happen: crossing times lie inside the trajectory
                continue
            length2 = dvec[0] ** 2 + dvec[1] ** 2
            s = ((p[0] - c[0]) * dvec[0] + (p[1] - c[1]) * dvec[1]) / length2
            inside = 0.0 <= s <= 1.0 if j == last_seg else 0.0 <= s < 1.0
            if counted and inside:
                out.append(
                    Crossing(
                        actor_id=actor.actor_id,
                        class_name=actor.kind.value,
                        time_s=e.time_s,
                        point_xy=p,
                        segment_index=j,
                        from_side=e.from_side,
                        direction=Direction.IN if e.from_side < 0 else Direction.OUT,
                    )
                )
    out.sort(key=lambda x: x.time_s)
    return out


def crossings(
    actors: Iterable[Actor],
    line: Sequence[Point],
    *,
    clearance: float = 0.0,
    t0_s: float = -math.inf,
    t1_s: float = math.inf,
) -> list[Crossing]:
    """Crossings of ``line`` by all ``actors`` with ``t0_s <= time_s < t1_s``, in time order."""
    found = [
        x
        for a in actors
        for x in actor_crossings(a, line, clearance=clearance)
        if t0_s <= x.time_s < t1_s
    ]
    found.sort(key=lambda x: (x.time_s, x.actor_id))
    return found


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def mot_gt_rows(truths: Iterable[FrameTruth], *, max_occluded_fraction: float = 1.0) -> list[str]:
    """MOTChallenge ground-truth rows ``frame,id,x,y,w,h,1,-1,-1,-1`` (frames from 1) for
    every visible actor whose occluded fraction is at most ``max_occluded_fraction``."""
    rows: list[str] = []
    for truth in truths:
        for a in truth.actors:
            if a.xyxy_px is None or a.occluded_fraction > max_occluded_fraction:
                continue
            x1, y1, x2, y2 = a.xyxy_px
            fields = [_num(x1), _num(y1), _num(x2 - x1), _num(y2 - y1)]
            rows.append(f"{truth.frame_index + 1},{a.actor_id},{','.join(fields)},1,-1,-1,-1")
    return rows


def write_mot_gt(path: Path, truths: Iterable[FrameTruth]) -> int:
    """Write MOTChallenge ``gt.txt`` to ``path``; returns the number of rows."""
    rows = mot_gt_rows(truths)
    path.write_text("".join(r + "\n" for r in rows), encoding="ascii")
    return len(rows)
