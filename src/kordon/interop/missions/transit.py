"""``home_side_route``: a way between two points that keeps clear of every border's buffer.

A drone tasked to a patrol flies from where it is to the patrol's first waypoint, and
from the patrol's end back home. On a winding border the straight line between the two
often cuts across a bend, so the way is planned on the home side:

1. the straight leg, when it keeps ``keep_m`` from every border line;
2. otherwise the border's home-side offset curve at ``offset_m`` (the whole border, not
   only the sector), from the point of the curve nearest the start to the point nearest
   the end, joined to both, densified every ``step_m``, then pulled tight: from each
   waypoint the next is the farthest point along the way that a straight leg reaches
   while keeping ``keep_m`` from every border (where none does, the next point of the
   curve), so the route is short and has few waypoints. Where the start or the end is
   itself nearer than ``keep_m`` to a border, the way keeps a little less than that.

The route is not checked here: the caller checks the whole mission as flown
(:class:`~kordon.interop.missions.clearance.MissionClearance`) and refuses it when a leg
still comes within the buffer (another border across the curve, a neck of the home side
narrower than the buffer).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely
from shapely.ops import substring

from kordon.geo.border import Border

F64 = npt.NDArray[np.float64]


def home_clearance_m(borders: list[Border], xy: F64) -> F64:
    """For (N, 2) points in the site frame: the distance to the nearest border, negative
    when a point lies on a border's far side."""
    out = np.full(xy.shape[0], np.inf)
    for border in borders:
        home = 1.0 if border.home_side == border.left_side else -1.0
        out = np.minimum(out, home * border.signed_distance_m(xy).distance_m)
    return out


def home_side_curve(border: Border, offset_m: float) -> shapely.LineString | None:
    """The whole border offset ``offset_m`` towards its home side (the longest piece when
    the offset splits it; ``None`` when nothing is left)."""
    line = shapely.LineString(border.vertices_xy)
    distance = offset_m if border.home_side == border.left_side else -offset_m
    curve = shapely.offset_curve(line, distance, join_style="round")
    if isinstance(curve, shapely.MultiLineString):
        curve = max(curve.geoms, key=lambda g: g.length)
    if not isinstance(curve, shapely.LineString) or curve.is_empty:
        return None
    return curve


class _Zone:
    """Every border line buffered by ``keep_m``, prepared for many leg tests."""

    def __init__(self, borders: list[Border], keep_m: float) -> None:
        lines = [shapely.LineString(b.vertices_xy) for b in borders]
        self._zone = shapely.unary_union([line.buffer(keep_m) for line in lines])
        shapely.prepare(self._zone)

    def clear(self, start: F64, ends: F64) -> npt.NDArray[np.bool_]:
        """For each of ``ends`` (M, 2): does the straight leg from ``start`` keep clear?"""
        coords = np.stack([np.broadcast_to(start, ends.shape), ends], axis=1)
        legs = shapely.linestrings(coords)
        hits: npt.NDArray[np.bool_] = shapely.intersects(legs, self._zone)
        return ~hits


def _pull_tight(points: F64, zone: _Zone) -> F64:
    """Greedy string pulling: from each kept point, the farthest later point a clear leg
    reaches (the next one when none does). Keeps the first and last points."""
    kept = [0]
    i = 0
    last = len(points) - 1
    while i < last:
        reach = zone.clear(points[i], points[i + 1 :])
        ahead = np.flatnonzero(reach)
        i = i + 1 + int(ahead[-1]) if ahead.size else i + 1
        kept.append(i)
    out: F64 = points[kept]
    return out


def home_side_route(
    start_xy: F64,
    end_xy: F64,
    borders: list[Border],
    *,
    along: Border,
    offset_m: float,
    keep_m: float,
    step_m: float = 100.0,
) -> F64:
    """Waypoints (K, 2) strictly between ``start_xy`` and ``end_xy`` (site frame, metres)
    for a way on the home side of ``along`` (see the module docstring); empty when the
    straight leg already keeps ``keep_m`` from every border in ``borders``."""
    start = np.asarray(start_xy, dtype=np.float64).reshape(2)
    end = np.asarray(end_xy, dtype=np.float64).reshape(2)
    ends = np.stack([start, end])
    # a start or end nearer the border than keep_m (a drone patrolling closer in) would
    # block every leg from it: keep a hair less than the nearer of the two there instead
    keep_m = min(keep_m, 0.99 * float(home_clearance_m(borders, ends).min()))
    zone = _Zone(borders, max(keep_m, 0.0))
    if bool(zone.clear(start, end[None])[0]):
        return np.zeros((0, 2))
    curve = home_side_curve(along, offset_m)
    if curve is None:
        return np.zeros((0, 2))
    a = float(shapely.line_locate_point(curve, shapely.Point(start)))
    b = float(shapely.line_locate_point(curve, shapely.Point(end)))
    part = substring(curve, a, b)
    if isinstance(part, shapely.Point):
        way = np.asarray(shapely.get_coordinates(part), dtype=np.float64)
    elif isinstance(part, shapely.LineString):
        dense = shapely.segmentize(part, step_m)
        way = np.asarray(shapely.get_coordinates(dense), dtype=np.float64)
    else:
        return np.zeros((0, 2))
    points = np.concatenate([start[None], way, end[None]])
    keep = np.ones(len(points), dtype=bool)  # drop repeats (a start already on the curve)
    keep[1:] = np.any(np.diff(points, axis=0) != 0, axis=1)
    tight = _pull_tight(points[keep], zone)
    inner: F64 = tight[1:-1]
    return inner
