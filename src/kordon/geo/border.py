"""``Border``: a state border line with named sides, km posts and fast signed distance.

The line is given in WGS84 lon/lat and converted once to the site's ``LocalFrame``.
*Left* and *right* are relative to the line's coordinate order (walking from the first
vertex to the last). Signed distances are positive on the left side, negative on the
right. Along-line positions (``along_m``) are measured from the first vertex; km posts are
measured from the end named by ``km_origin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import shapely

from kordon.domain.errors import KordonError
from kordon.geo.frame import LocalFrame
from kordon.geo.segment_index import SegmentIndex

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

KmOrigin = Literal["start", "end"]

LEFT = np.int8(1)
RIGHT = np.int8(-1)
ON_LINE = np.int8(0)


class BorderError(KordonError, ValueError):
    """A border definition or query is invalid."""


@dataclass(frozen=True)
class BorderDistance:
    """Signed distance of N points to a border (arrays of length N).

    ``distance_m`` is positive on the left side, negative on the right, zero on the line;
    ``segment_index`` is the nearest segment; ``along_m`` is the foot point's distance along
    the line from its first vertex.
    """

    distance_m: FloatArray
    segment_index: IntArray
    along_m: FloatArray


def _as_points(xy: npt.ArrayLike, border_id: str) -> FloatArray:
    arr = np.asarray(xy, dtype=np.float64)
    if arr.ndim == 1 and arr.shape[0] == 2:
        arr = arr.reshape(1, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise BorderError(f"border {border_id!r}: points must have shape (N, 2), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise BorderError(f"border {border_id!r}: points contain NaN or infinite coordinates")
    return arr


class Border:
    """A validated border line in a local metric frame. See the module docstring."""

    def __init__(
        self,
        border_id: str,
        line_lonlat: npt.ArrayLike,
        frame: LocalFrame,
        *,
        left_side: str,
        right_side: str,
        home_side: str,
        km_origin: KmOrigin = "start",
        index_margin_m: float = 60_000.0,
    ) -> None:
        self.border_id = border_id
        coords = np.asarray(line_lonlat, dtype=np.float64)
        self._validate(coords, left_side, right_side, home_side, km_origin)
        self.left_side = left_side
        self.right_side = right_side
        self.home_side = home_side
        self.km_origin: KmOrigin = km_origin
        self.frame = frame
        # Drop consecutive duplicates (they carry no geometry).
        keep = np.ones(coords.shape[0], dtype=bool)
        keep[1:] = np.any(coords[1:] != coords[:-1], axis=1)
        self.line_lonlat: FloatArray = coords[keep]
        xy = frame.lonlat_to_xy(self.line_lonlat)
        if not shapely.LineString(xy).is_simple:
            raise BorderError(f"border {border_id!r}: the line intersects itself (not simple)")
        self.vertices_xy: FloatArray = xy
        d = xy[1:] - xy[:-1]
        self._seg_len = np.hypot(d[:, 0], d[:, 1])
        self._cum = np.concatenate([[0.0], np.cumsum(self._seg_len)])
        self._dir = d
        normals = np.stack([-d[:, 1], d[:, 0]], axis=1) / self._seg_len[:, None]  # left normals
        # Vertex pseudo-normals (angle bisectors): a consistent side near vertices.
        vn = np.zeros_like(xy)
        vn[:-1] += normals
        vn[1:] += normals
        norm = np.hypot(vn[:, 0], vn[:, 1])
        # A 180° reversal cancels the normals; fall back to the incoming segment's normal.
        for i in np.flatnonzero(norm < 1e-12):
            vn[i] = normals[i - 1]
        self._vertex_normal = vn
        self._index = SegmentIndex(xy, margin_m=index_margin_m)

    def _validate(
        self,
        coords: FloatArray,
        left_side: str,
        right_side: str,
        home_side: str,
        km_origin: str,
    ) -> None:
        bid = self.border_id
        if not bid:
            raise BorderError("border id must not be empty")
        if coords.ndim != 2 or coords.shape[1] != 2:
            raise BorderError(f"border {bid!r}: line must be (N, 2) lon/lat, got {coords.shape}")
        if not np.all(np.isfinite(coords)):
            raise BorderError(f"border {bid!r}: line has NaN or infinite coordinates")
        if np.any(np.abs(coords[:, 0]) > 180.0):
            raise BorderError(f"border {bid!r}: longitude outside [-180, 180]")
        if np.any(np.abs(coords[:, 1]) > 90.0):
            raise BorderError(f"border {bid!r}: latitude outside [-90, 90]")
        if np.unique(coords, axis=0).shape[0] < 2:
            raise BorderError(f"border {bid!r}: line needs at least 2 distinct points")
        if not left_side or not right_side:
            raise BorderError(f"border {bid!r}: both sides must be named")
        if left_side == right_side:
            raise BorderError(f"border {bid!r}: left and right side are both {left_side!r}")
        if home_side not in (left_side, right_side):
            raise BorderError(
                f"border {bid!r}: home side {home_side!r} is neither {left_side!r} nor "
                f"{right_side!r}"
            )
        if km_origin not in ("start", "end"):
            raise BorderError(f"border {bid!r}: km_origin must be 'start' or 'end'")

    @property
    def length_m(self) -> float:
        return float(self._cum[-1])

    @property
    def length_km(self) -> float:
        return self.length_m / 1000.0

    def build_index(self) -> None:
        """Build the spatial index now instead of at the first query (takes ~1 s)."""
        self._index.build()

    def signed_distance_m(self, xy: npt.ArrayLike) -> BorderDistance:
        """Signed distance, nearest segment and along-line position of (N, 2) points."""
        pts = _as_points(xy, self.border_id)
        seg = self._index.nearest(pts)
        a = self.vertices_xy[seg]
        d = self._dir[seg]
        rel = pts - a
        t = np.clip((rel * d).sum(axis=1) / (self._seg_len[seg] ** 2), 0.0, 1.0)
        foot_rel = rel - t[:, None] * d
        dist = np.hypot(foot_rel[:, 0], foot_rel[:, 1])
        side = d[:, 0] * rel[:, 1] - d[:, 1] * rel[:, 0]
        # At a vertex the segment's own normal is ambiguous: use the pseudo-normal.
        at_start = t <= 0.0
        at_end = t >= 1.0
        if np.any(at_start | at_end):
            vidx = np.where(at_end, seg + 1, seg)
            vmask = at_start | at_end
            vn = self._vertex_normal[vidx[vmask]]
            side[vmask] = (foot_rel[vmask] * vn).sum(axis=1)
        signed = np.where(side > 0.0, dist, np.where(side < 0.0, -dist, 0.0))
        signed[dist == 0.0] = 0.0
        along = self._cum[seg] + t * self._seg_len[seg]
        return BorderDistance(signed, seg, along)

    def side_of(self, xy: npt.ArrayLike) -> npt.NDArray[np.int8]:
        """Side codes: +1 left, -1 right, 0 exactly on the line."""
        return np.sign(self.signed_distance_m(xy).distance_m).astype(np.int8)

    def side_names(self, xy: npt.ArrayLike) -> npt.NDArray[np.str_]:
        """Side names (``left_side`` / ``right_side``; ``""`` exactly on the line)."""
        codes = self.side_of(xy)
        names = np.array(["", self.left_side, self.right_side])
        return names[np.where(codes > 0, 1, np.where(codes < 0, 2, 0))]

    def km_post(self, along_m: npt.ArrayLike) -> FloatArray:
        """km post of along-line positions (metres from the first vertex)."""
        along = np.asarray(along_m, dtype=np.float64)
        if self.km_origin == "start":
            return along / 1000.0
        return (self.length_m - along) / 1000.0

    def along_at_km(self, km: npt.ArrayLike) -> FloatArray:
        """Along-line metres (from the first vertex) of km posts; raises when off the line."""
        k = np.asarray(km, dtype=np.float64)
        tol_km = 1e-6
        if np.any(~np.isfinite(k)) or np.any(k < -tol_km) or np.any(k > self.length_km + tol_km):
            raise BorderError(
                f"border {self.border_id!r}: km post outside [0, {self.length_km:.3f}] km"
            )
        along = k * 1000.0 if self.km_origin == "start" else self.length_m - k * 1000.0
        return np.clip(along, 0.0, self.length_m)

    def point_at_along(self, along_m: npt.ArrayLike) -> FloatArray:
        """(N, 2) east/north of along-line positions (clipped to the line)."""
        along = np.clip(np.atleast_1d(np.asarray(along_m, dtype=np.float64)), 0.0, self.length_m)
        seg = np.clip(
            np.searchsorted(self._cum, along, side="right") - 1, 0, len(self._seg_len) - 1
        )
        t = (along - self._cum[seg]) / self._seg_len[seg]
        out: FloatArray = self.vertices_xy[seg] + t[:, None] * self._dir[seg]
        return out

    def point_at_km(self, km: npt.ArrayLike) -> FloatArray:
        """(N, 2) east/north metres of km posts."""
        return self.point_at_along(self.along_at_km(np.atleast_1d(np.asarray(km, dtype=float))))

    def substring(self, from_km: float, to_km: float) -> FloatArray:
        """The stretch between two km posts as an (M, 2) east/north polyline, from → to."""
        a0, a1 = (float(v) for v in self.along_at_km([from_km, to_km]))
        lo, hi = min(a0, a1), max(a0, a1)
        if hi - lo <= 0.0:
            raise BorderError(f"border {self.border_id!r}: substring {from_km}..{to_km} is empty")
        inner = np.flatnonzero((self._cum > lo) & (self._cum < hi))
        pts = np.vstack([self.point_at_along(lo), self.vertices_xy[inner], self.point_at_along(hi)])
        return pts if a0 <= a1 else pts[::-1].copy()
