"""``BorderLine``: a :class:`~kordon.geo.border.Border` seen through the rules' ``LineGeometry``.

Rules (:mod:`kordon.rules`) only need a signed distance, the crossings of one path step and
the nearest point on the line. ``Border`` already answers distances fast through its spatial
index; this adapter adds step crossings through an R-tree of the border's segments, so a
1,000 km border costs the same per update as a 2-point line.

Sign convention: both ``Border.signed_distance_m`` and ``LineGeometry`` are positive on the
left of the line's direction (counter-clockwise side, north-up local frame), so distances
pass through unchanged.
"""

from __future__ import annotations

import numpy as np
import shapely

from kordon.geo.border import Border
from kordon.rules.geometry import FloatArray, IntArray, intersect_step
from kordon.rules.line_geometry import LineHit, LineLocation


def _runs(indices: IntArray) -> list[tuple[int, int]]:
    """Contiguous runs ``[first, last]`` of sorted segment indices."""
    runs: list[tuple[int, int]] = []
    for i in indices.tolist():
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


class BorderLine:
    """``LineGeometry`` over a ``Border`` (local metres); see the module docstring.

    Cheap to construct; :meth:`build` builds the border's index and the segment R-tree
    (otherwise done at the first query).
    """

    def __init__(self, border: Border) -> None:
        self.border = border
        self._tree: shapely.STRtree | None = None
        v = border.vertices_xy
        self._cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(v, axis=0).T))])

    def build(self) -> None:
        """Build both spatial indexes now (the border's can take a second on long lines)."""
        self.border.build_index()
        self._segments()

    def _segments(self) -> shapely.STRtree:
        if self._tree is None:
            v = self.border.vertices_xy
            lines = shapely.linestrings(np.stack([v[:-1], v[1:]], axis=1))
            self._tree = shapely.STRtree(lines)
        return self._tree

    def signed_distance(self, xy: FloatArray) -> FloatArray:
        if xy.shape[0] == 0:
            return np.zeros((0,), np.float64)
        return self.border.signed_distance_m(xy).distance_m

    def crossings(self, start_xy: FloatArray, end_xy: FloatArray) -> list[LineHit]:
        step = shapely.LineString([start_xy, end_xy])
        if step.length == 0.0:
            return []
        candidates = np.sort(np.asarray(self._segments().query(step), np.int64))
        vertices = self.border.vertices_xy
        cum = self._cum
        hits: list[LineHit] = []
        for first, last in _runs(candidates):
            found = intersect_step(start_xy, end_xy, vertices[first : last + 2])
            for k in range(len(found)):
                t = float(found.path_t[k])
                i = first + int(found.segment_index[k])
                u = float(found.segment_t[k])
                hits.append(
                    LineHit(
                        path_t=t,
                        x=float(start_xy[0] + t * (end_xy[0] - start_xy[0])),
                        y=float(start_xy[1] + t * (end_xy[1] - start_xy[1])),
                        segment_index=i,
                        distance_along=float(cum[i] + u * (cum[i + 1] - cum[i])),
                        ccw_to_cw=bool(found.left_to_right[k]),
                    )
                )
        hits.sort(key=lambda h: h.path_t)
        return hits

    def locate(self, xy: FloatArray) -> LineLocation:
        if xy.shape[0] == 0:
            return LineLocation(np.zeros((0,), np.int64), np.zeros((0,), np.float64))
        res = self.border.signed_distance_m(xy)
        return LineLocation(res.segment_index.astype(np.int64), res.along_m)
