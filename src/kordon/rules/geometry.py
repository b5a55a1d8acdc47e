"""Vectorised planar geometry for rules: sides, distances, intersections, containment.

Everything here is unit-agnostic (pixels or metres) and uses the mathematical sign
convention: for a directed segment ``a → b`` the cross product
``(b - a) × (p - a)`` is positive when ``p`` lies counter-clockwise of it, i.e. on
its left in a y-up plane. Rules translate that into "left as displayed" per frame
(see :mod:`kordon.rules.line_geometry`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from kordon.rules.errors import GeometryError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# Point-segment pairs evaluated per chunk when measuring distance to a long polyline.
_PAIRS_PER_CHUNK = 1 << 18
# Tolerance (on segment and path parameters) for a step passing through a vertex.
_VERTEX_EPS = 1e-9


def as_points(xy: npt.ArrayLike, *, name: str = "points") -> FloatArray:
    """``xy`` as a finite (N, 2) float64 array; raises :class:`GeometryError` otherwise."""
    try:
        arr = np.asarray(xy, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise GeometryError(f"{name}: not numeric coordinates ({exc})") from exc
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise GeometryError(f"{name}: expected shape (N, 2), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise GeometryError(f"{name}: coordinates must be finite")
    return arr


def validate_polyline(points: npt.ArrayLike, *, name: str = "line") -> FloatArray:
    """A polyline as (M, 2) float64: at least 2 points, finite, no zero-length segment."""
    arr = as_points(points, name=name)
    if arr.shape[0] < 2:
        raise GeometryError(f"{name}: a line needs at least 2 points, got {arr.shape[0]}")
    seg_len = np.hypot(*np.diff(arr, axis=0).T)
    zero = np.flatnonzero(seg_len <= 0.0)
    if zero.size:
        raise GeometryError(
            f"{name}: segment {int(zero[0])} has zero length "
            f"(points {int(zero[0])} and {int(zero[0]) + 1} are equal)"
        )
    return arr


def cross(ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray) -> FloatArray:
    """Element-wise 2-D cross product ``a × b``."""
    return np.asarray(ax * by - ay * bx, dtype=np.float64)


def signed_distance_to_line(xy: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """Signed distance of each point to the infinite line through ``a → b`` (+ = ccw side)."""
    ex, ey = float(b[0] - a[0]), float(b[1] - a[1])
    length = float(np.hypot(ex, ey))
    if length <= 0.0:
        raise GeometryError("line: the two points are equal")
    return np.asarray((ex * (xy[:, 1] - a[1]) - ey * (xy[:, 0] - a[0])) / length, np.float64)


@dataclass(frozen=True, slots=True)
class PolylineProjection:
    """Nearest point of a polyline for each query point, one array per field."""

    signed_distance: FloatArray  # (N,) + = ccw (left in y-up) side
    segment_index: IntArray  # (N,) index of the nearest segment
    segment_t: FloatArray  # (N,) parameter in [0, 1] along that segment


def project_to_polyline(xy: FloatArray, vertices: FloatArray) -> PolylineProjection:
    """Distance, side and nearest segment of each point relative to a polyline.

    Brute force over all segments, in chunks (O(N·M) time, bounded memory). The side
    is the cross-product sign of the nearest segment; where the nearest point is an
    interior vertex, the sum of both adjacent segments' unit cross products (the
    vertex pseudo-normal) decides, which is correct for a non-self-intersecting
    polyline. Beyond the end vertices the end segments act as if extended.
    """
    n = xy.shape[0]
    starts = vertices[:-1]
    edges = np.diff(vertices, axis=0)
    m = edges.shape[0]
    edge_len2 = np.einsum("ij,ij->i", edges, edges)
    units = edges / np.sqrt(edge_len2)[:, None]
    dist = np.empty(n, np.float64)
    idx = np.empty(n, np.int64)
    tpar = np.empty(n, np.float64)
    step = max(1, _PAIRS_PER_CHUNK // max(m, 1))
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        dx = xy[lo:hi, None, 0] - starts[None, :, 0]
        dy = xy[lo:hi, None, 1] - starts[None, :, 1]
        t = np.clip((dx * edges[:, 0] + dy * edges[:, 1]) / edge_len2, 0.0, 1.0)
        rx = dx - t * edges[:, 0]
        ry = dy - t * edges[:, 1]
        d2 = rx * rx + ry * ry
        best = np.argmin(d2, axis=1)
        rows = np.arange(hi - lo)
        idx[lo:hi] = best
        tpar[lo:hi] = t[rows, best]
        dist[lo:hi] = np.sqrt(d2[rows, best])
    # Side from the nearest segment ...
    wx = xy[:, 0] - starts[idx, 0]
    wy = xy[:, 1] - starts[idx, 1]
    side = cross(units[idx, 0], units[idx, 1], wx, wy)
    # ... or from the vertex pseudo-normal where the nearest point is an interior vertex.
    at_end = (tpar >= 1.0) & (idx < m - 1)
    at_start = (tpar <= 0.0) & (idx > 0)
    for mask, first in ((at_end, idx), (at_start, idx - 1)):
        if not np.any(mask):
            continue
        i0 = first[mask]
        vx = vertices[i0 + 1, 0]
        vy = vertices[i0 + 1, 1]
        px = xy[mask, 0] - vx
        py = xy[mask, 1] - vy
        side[mask] = cross(units[i0, 0], units[i0, 1], px, py) + cross(
            units[i0 + 1, 0], units[i0 + 1, 1], px, py
        )
    signed = np.where(side >= 0.0, dist, -dist)
    return PolylineProjection(signed_distance=signed, segment_index=idx, segment_t=tpar)


@dataclass(frozen=True, slots=True)
class SegmentIntersections:
    """Where one path step ``p0 → p1`` crosses segments of a polyline, ordered along the step.

    ``path_t`` is the parameter along the step (0 at ``p0``, 1 at ``p1``), ``segment_t``
    the parameter along the crossed segment, ``left_to_right`` True when the step goes
    from the segment's ccw (+) side to its cw (-) side.
    """

    path_t: FloatArray
    segment_index: IntArray
    segment_t: FloatArray
    left_to_right: BoolArray

    def __len__(self) -> int:
        return int(self.path_t.shape[0])


def intersect_step(
    p0: FloatArray, p1: FloatArray, vertices: FloatArray, *, infinite: bool = False
) -> SegmentIntersections:
    """All proper crossings of the step ``p0 → p1`` with a polyline, vectorised over segments.

    A path point exactly on the line counts as being on the cw (-) side (half-open), so
    a path touching the line and turning back gives no net crossing. A step through a
    polyline vertex counts once (see :func:`_drop_vertex_duplicates`); through an end
    vertex it counts. A step collinear with a segment does not cross it. With
    ``infinite`` the (2-point) line extends without end.
    """
    a = vertices[:-1]
    e = np.diff(vertices, axis=0)
    c0 = cross(e[:, 0], e[:, 1], p0[0] - a[:, 0], p0[1] - a[:, 1])
    c1 = cross(e[:, 0], e[:, 1], p1[0] - a[:, 0], p1[1] - a[:, 1])
    left0 = c0 > 0.0
    left1 = c1 > 0.0
    changes = left0 != left1
    denom = c0 - c1
    safe = np.where(changes, denom, 1.0)
    s = np.where(changes, c0 / safe, -1.0)
    rx, ry = float(p1[0] - p0[0]), float(p1[1] - p0[1])
    # Parameter along the segment of the hit point.
    hx = p0[0] + s * rx
    hy = p0[1] + s * ry
    len2 = np.einsum("ij,ij->i", e, e)
    u = ((hx - a[:, 0]) * e[:, 0] + (hy - a[:, 1]) * e[:, 1]) / len2
    if infinite:
        inside = np.ones(u.shape, dtype=np.bool_)
    else:
        inside = (u >= -_VERTEX_EPS) & (u <= 1.0 + _VERTEX_EPS)
    hit = changes & inside & (s >= 0.0) & (s <= 1.0)
    where = np.flatnonzero(hit)
    order = np.argsort(s[where], kind="stable")
    where = _drop_vertex_duplicates(where[order], s, left0)
    return SegmentIntersections(
        path_t=np.clip(s[where], 0.0, 1.0),
        segment_index=where.astype(np.int64),
        segment_t=u[where],
        left_to_right=left0[where],
    )


def _drop_vertex_duplicates(where: IntArray, s: FloatArray, left0: BoolArray) -> IntArray:
    """Keep one of two same-direction hits on adjacent segments at their shared vertex.

    A step through a polyline vertex hits both segments there (the tolerance on ``u``
    makes sure of it despite rounding): crossing through the vertex counts once,
    touching the vertex and turning back (opposite directions) counts as +1 - 1 = 0.
    """
    if where.size < 2:
        return where
    keep = [int(where[0])]
    for k in where[1:].tolist():
        j = keep[-1]
        same_place = abs(k - j) == 1 and abs(float(s[k]) - float(s[j])) <= _VERTEX_EPS
        if not (same_place and bool(left0[k]) == bool(left0[j])):
            keep.append(k)
    return np.asarray(keep, np.int64)


def validate_polygon(points: npt.ArrayLike, *, name: str = "polygon") -> shapely.Polygon:
    """A simple (non-self-intersecting) polygon with positive area from its vertices.

    The ring may be given closed or open; it needs at least 3 distinct vertices.
    """
    arr = as_points(points, name=name)
    if arr.shape[0] >= 2 and np.array_equal(arr[0], arr[-1]):
        arr = arr[:-1]
    if arr.shape[0] < 3:
        raise GeometryError(f"{name}: a polygon needs at least 3 vertices, got {arr.shape[0]}")
    polygon = shapely.Polygon(arr)
    if not polygon.is_valid:
        reason = shapely.is_valid_reason(polygon)
        raise GeometryError(f"{name}: invalid polygon ({reason})")
    if polygon.area <= 0.0:
        raise GeometryError(f"{name}: polygon has zero area")
    return polygon


def points_in_polygon(xy: FloatArray, polygon: shapely.Polygon) -> BoolArray:
    """For each point, whether it lies inside (or on the boundary of) ``polygon``."""
    inside = shapely.intersects_xy(polygon, xy[:, 0], xy[:, 1])
    return np.asarray(inside, dtype=np.bool_)


def signed_distance_to_polygon(xy: FloatArray, polygon: shapely.Polygon) -> FloatArray:
    """Distance of each point to the polygon's boundary: positive inside, negative outside."""
    if xy.shape[0] == 0:
        return np.zeros((0,), np.float64)
    points = shapely.points(xy)
    dist = np.asarray(shapely.distance(polygon.boundary, points), dtype=np.float64)
    inside = points_in_polygon(xy, polygon)
    return np.where(inside, dist, -dist)
