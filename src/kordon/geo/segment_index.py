"""``SegmentIndex``: exact nearest-segment queries for a planar polyline, vectorised.

A uniform grid over the polyline's bounding box (plus a margin). Each cell stores the
segments that can be nearest to *some* point of the cell; a query gathers the cell's
candidates into a padded array and picks the exact nearest with vectorised
point–segment distances. Points outside the grid fall back to a shapely ``STRtree``
(exact, slower).

Candidates are pruned twice, both conservatively (never dropping a segment that can be
nearest somewhere in the cell):

1. band test: a segment whose lower distance bound over the cell exceeds the smallest
   upper bound of any segment cannot be nearest;
2. dominance test: far from the line many segments are almost equidistant, so the band
   test keeps many. Distance to a segment is convex with curvature at most ``1/d``; using
   its tangent plane at the cell centre as a lower bound and tangent plus curvature as an
   upper bound proves that the centre-nearest segment beats the others over the whole cell.

The index is built lazily on the first query (construction stays cheap).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_CHUNK = 1 << 15


@dataclass(frozen=True)
class _Grid:
    origin_xy: FloatArray  # (2,) lower-left corner of the grid
    cell_m: float
    shape: tuple[int, int]  # (nx, ny)
    start: IntArray  # (nx*ny,) first candidate of each cell in ``candidates``
    count: IntArray  # (nx*ny,) number of candidates of each cell
    candidates: IntArray  # flat segment indices, grouped by cell


def _point_segment_distance(  # noqa: PLR0917 - a numeric kernel over parallel arrays
    px: FloatArray,
    py: FloatArray,
    ax: FloatArray,
    ay: FloatArray,
    dx: FloatArray,
    dy: FloatArray,
    inv_len2: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Distance of points to segments (broadcast); also the foot point (x, y)."""
    rx = px - ax
    ry = py - ay
    t = np.clip((rx * dx + ry * dy) * inv_len2, 0.0, 1.0)
    fx = ax + t * dx
    fy = ay + t * dy
    return np.hypot(px - fx, py - fy), fx, fy


class SegmentIndex:
    """Nearest segment of a polyline for many points at once.

    ``vertices_xy`` is the (N, 2) polyline in metres (N ≥ 2, consecutive points distinct).
    ``margin_m`` is how far beyond the line's bounding box the grid reaches; ``max_cells``
    bounds its memory; ``min_cell_m`` its resolution.
    """

    def __init__(
        self,
        vertices_xy: FloatArray,
        *,
        margin_m: float = 60_000.0,
        max_cells: int = 120_000,
        min_cell_m: float = 250.0,
    ) -> None:
        xy = np.asarray(vertices_xy, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[0] < 2 or xy.shape[1] != 2:
            raise ValueError(f"vertices_xy must have shape (N>=2, 2), got {xy.shape}")
        self._a = xy[:-1].copy()
        d = xy[1:] - xy[:-1]
        len2 = (d * d).sum(axis=1)
        if np.any(len2 <= 0.0):
            raise ValueError("vertices_xy has repeated consecutive points (zero-length segment)")
        self._d = d
        self._inv_len2 = 1.0 / len2
        self._margin_m = float(margin_m)
        self._max_cells = int(max_cells)
        self._min_cell_m = float(min_cell_m)
        self._grid: _Grid | None = None
        self._tree: shapely.STRtree | None = None

    @property
    def segment_count(self) -> int:
        return int(self._a.shape[0])

    def build(self) -> None:
        """Build the grid now (otherwise the first query does)."""
        if self._grid is None:
            self._grid = self._build_grid()

    def _strtree(self) -> shapely.STRtree:
        if self._tree is None:
            segs = shapely.linestrings(np.stack([self._a, self._a + self._d], axis=1))
            self._tree = shapely.STRtree(segs)
        return self._tree

    def _build_grid(self) -> _Grid:
        ends = np.vstack([self._a, self._a + self._d])
        lo = ends.min(axis=0) - self._margin_m
        hi = ends.max(axis=0) + self._margin_m
        area = float(np.prod(hi - lo))
        cell = max(self._min_cell_m, math.sqrt(area / self._max_cells))
        nx, ny = (int(v) for v in np.ceil((hi - lo) / cell).astype(np.int64))
        ii, jj = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
        cx = (ii.ravel() + 0.5) * cell + lo[0]
        cy = (jj.ravel() + 0.5) * cell + lo[1]
        half_diag = cell * math.sqrt(0.5)
        tree = self._strtree()
        centres = shapely.points(cx, cy)
        _, d_near = tree.query_nearest(centres, all_matches=False, return_distance=True)
        # Every segment that may be nearest somewhere in the cell is within this radius.
        cell_idx, seg = tree.query(centres, predicate="dwithin", distance=d_near + 2 * half_diag)
        cell_idx = cell_idx.astype(np.int64)
        seg = seg.astype(np.int64)
        pcx = cx[cell_idx]
        pcy = cy[cell_idx]
        ax, ay = self._a[seg, 0], self._a[seg, 1]
        dx, dy, il = self._d[seg, 0], self._d[seg, 1], self._inv_len2[seg]
        dc, fx, fy = _point_segment_distance(pcx, pcy, ax, ay, dx, dy, il)
        # Band test: upper bound of a segment over the cell = max over the four corners.
        upper = np.zeros_like(dc)
        for ox in (-0.5, 0.5):
            for oy in (-0.5, 0.5):
                dcorner, _, _ = _point_segment_distance(
                    pcx + ox * cell, pcy + oy * cell, ax, ay, dx, dy, il
                )
                np.maximum(upper, dcorner, out=upper)
        best_upper = np.full(cx.shape[0], np.inf)
        np.minimum.at(best_upper, cell_idx, upper)
        keep = dc - half_diag <= best_upper[cell_idx]
        # Dominance test against the centre-nearest segment of the cell.
        order = np.lexsort((dc, cell_idx))
        first = np.ones(order.shape[0], dtype=bool)
        first[1:] = cell_idx[order][1:] != cell_idx[order][:-1]
        ref_of_cell = np.full(cx.shape[0], -1, dtype=np.int64)
        ref_of_cell[cell_idx[order][first]] = order[first]
        ref = ref_of_cell[cell_idx]
        safe = np.maximum(dc, 1e-300)
        gx = (pcx - fx) / safe
        gy = (pcy - fy) / safe
        d_ref = dc[ref]
        curvature_slack = half_diag**2 / (2.0 * np.maximum(d_ref - half_diag, 1e-300))
        margin = (
            dc
            - d_ref
            - (np.abs(gx - gx[ref]) + np.abs(gy - gy[ref])) * (cell / 2.0)
            - curvature_slack
        )
        dominated = (d_ref > 2.0 * half_diag) & (dc > half_diag) & (margin > 0.0)
        dominated[ref] = False
        keep &= ~dominated
        cell_idx = cell_idx[keep]
        seg = seg[keep]
        order = np.argsort(cell_idx, kind="stable")
        candidates = seg[order]
        count = np.bincount(cell_idx, minlength=cx.shape[0]).astype(np.int64)
        start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
        logger.debug(
            "segment grid: %d x %d cells of %.0f m, %.1f candidates per cell on average",
            nx,
            ny,
            cell,
            candidates.shape[0] / max(1, count.shape[0]),
        )
        return _Grid(lo, cell, (nx, ny), start, count, candidates)

    def nearest(self, xy: FloatArray) -> IntArray:
        """Index of the nearest segment of each (M, 2) point (ties: any nearest one)."""
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if self._grid is None:
            self.build()
        grid = self._grid
        assert grid is not None
        out = np.empty(pts.shape[0], dtype=np.int64)
        for lo in range(0, pts.shape[0], _CHUNK):
            hi = min(lo + _CHUNK, pts.shape[0])
            out[lo:hi] = self._nearest_chunk(grid, pts[lo:hi])
        return out

    def _nearest_chunk(self, grid: _Grid, pts: FloatArray) -> IntArray:
        px = pts[:, 0]
        py = pts[:, 1]
        ix = np.floor((px - grid.origin_xy[0]) / grid.cell_m)
        iy = np.floor((py - grid.origin_xy[1]) / grid.cell_m)
        nx, ny = grid.shape
        inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        result = np.empty(pts.shape[0], dtype=np.int64)
        if not np.all(inside):
            outside = np.flatnonzero(~inside)
            result[outside] = self._nearest_fallback(pts[outside])
        in_idx = np.flatnonzero(inside)
        cell = ix[in_idx].astype(np.int64) * ny + iy[in_idx].astype(np.int64)
        count = grid.count[cell]
        start = grid.start[cell]
        # Group the points by padded width (powers of two) so padding costs at most 2x.
        width_class = np.ceil(np.log2(np.maximum(count, 1))).astype(np.int64)
        for wc in np.unique(width_class):
            sel = np.flatnonzero(width_class == wc)
            width = 1 << int(wc)
            offs = np.minimum(np.arange(width)[None, :], count[sel, None] - 1)
            seg = grid.candidates[start[sel, None] + offs]
            qx = px[in_idx[sel], None]
            qy = py[in_idx[sel], None]
            rx = qx - self._a[seg, 0]
            ry = qy - self._a[seg, 1]
            dx = self._d[seg, 0]
            dy = self._d[seg, 1]
            t = np.clip((rx * dx + ry * dy) * self._inv_len2[seg], 0.0, 1.0)
            ex = rx - t * dx
            ey = ry - t * dy
            best = np.argmin(ex * ex + ey * ey, axis=1)
            result[in_idx[sel]] = seg[np.arange(sel.shape[0]), best]
        return result

    def _nearest_fallback(self, pts: FloatArray) -> IntArray:
        tree = self._strtree()
        idx = tree.query_nearest(shapely.points(pts), all_matches=False)
        out = np.empty(pts.shape[0], dtype=np.int64)
        out[idx[0]] = idx[1]
        return out
