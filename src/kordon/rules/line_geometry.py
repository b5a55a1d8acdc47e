"""The line a rule watches: the :class:`LineGeometry` protocol and its default polyline.

Sides are named **as displayed**. A ``Frame.LOCAL`` plane is drawn north-up (y up), a
``Frame.IMAGE`` plane as the picture (y down). "Left" is the left-hand side of someone
walking along the line from its first point towards its last, as seen on that display.
In y-up coordinates that is the counter-clockwise (+ cross product) side; in y-down
image coordinates it is the clockwise side. :func:`display_left_sign` converts.

The geo package may inject its own :class:`LineGeometry` (e.g. spatially indexed for a
border with many thousands of vertices); rules only use this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from kordon.domain.event import Frame
from kordon.rules.errors import GeometryError
from kordon.rules.geometry import (
    FloatArray,
    IntArray,
    intersect_step,
    project_to_polyline,
    signed_distance_to_line,
    validate_polyline,
)


def display_left_sign(frame: Frame) -> float:
    """+1 where "left as displayed" is the + (ccw) side of the math convention, else -1."""
    return 1.0 if frame is Frame.LOCAL else -1.0


@dataclass(frozen=True, slots=True)
class LineHit:
    """One crossing of a path step with the line (math sign convention)."""

    path_t: float  # 0 at the step's start, 1 at its end
    x: float
    y: float
    segment_index: int
    distance_along: float  # from the line's first point, in the plane's units
    ccw_to_cw: bool  # True when the step goes from the + side to the - side


@dataclass(frozen=True, slots=True)
class LineLocation:
    """Nearest point on the line for each query point."""

    segment_index: IntArray
    distance_along: FloatArray


@runtime_checkable
class LineGeometry(Protocol):
    """What a rule needs from a line; sign convention: + = ccw of the line's direction.

    ``signed_distance`` must be the true Euclidean distance (rules rely on it being
    1-Lipschitz to skip steps that cannot reach the line).
    """

    def signed_distance(self, xy: FloatArray) -> FloatArray:
        """(N,) signed distance of each (N, 2) point to the line."""
        ...

    def crossings(self, start_xy: FloatArray, end_xy: FloatArray) -> list[LineHit]:
        """Every crossing of the segment ``start → end`` with the line, ordered along it."""
        ...

    def locate(self, xy: FloatArray) -> LineLocation:
        """Nearest segment and distance along the line of each (N, 2) point."""
        ...


class PolylineGeometry:
    """A polyline (≥ 2 points) or, with ``infinite=True``, the infinite line through 2 points.

    Brute-force vectorised distance (O(points × segments)), fine up to a few thousand
    vertices; see :func:`kordon.rules.geometry.project_to_polyline` for the side rule.
    """

    def __init__(self, points: npt.ArrayLike, *, infinite: bool = False) -> None:
        self.vertices = validate_polyline(points)
        self.infinite = infinite
        if infinite and self.vertices.shape[0] != 2:
            raise GeometryError(
                f"line: an infinite line is given by exactly 2 points, got {self.vertices.shape[0]}"
            )
        seg_len = np.hypot(*np.diff(self.vertices, axis=0).T)
        self._cum_len = np.concatenate([[0.0], np.cumsum(seg_len)])
        self._seg_len = seg_len

    @property
    def length(self) -> float:
        """Length of the polyline (of the defining segment for an infinite line)."""
        return float(self._cum_len[-1])

    def signed_distance(self, xy: FloatArray) -> FloatArray:
        if xy.shape[0] == 0:
            return np.zeros((0,), np.float64)
        if self.infinite:
            return signed_distance_to_line(xy, self.vertices[0], self.vertices[1])
        return project_to_polyline(xy, self.vertices).signed_distance

    def crossings(self, start_xy: FloatArray, end_xy: FloatArray) -> list[LineHit]:
        found = intersect_step(start_xy, end_xy, self.vertices, infinite=self.infinite)
        hits: list[LineHit] = []
        for k in range(len(found)):
            t = float(found.path_t[k])
            i = int(found.segment_index[k])
            u = float(found.segment_t[k])
            hits.append(
                LineHit(
                    path_t=t,
                    x=float(start_xy[0] + t * (end_xy[0] - start_xy[0])),
                    y=float(start_xy[1] + t * (end_xy[1] - start_xy[1])),
                    segment_index=i,
                    distance_along=float(self._cum_len[i] + u * self._seg_len[i]),
                    ccw_to_cw=bool(found.left_to_right[k]),
                )
            )
        return hits

    def locate(self, xy: FloatArray) -> LineLocation:
        if self.infinite:
            a = self.vertices[0]
            unit = (self.vertices[1] - a) / self._seg_len[0]
            along = (xy - a) @ unit
            return LineLocation(np.zeros(xy.shape[0], np.int64), np.asarray(along, np.float64))
        proj = project_to_polyline(xy, self.vertices)
        i = proj.segment_index
        return LineLocation(i, self._cum_len[i] + proj.segment_t * self._seg_len[i])
