"""``SectorMap``: which operational sector a point belongs to, vectorised.

A sector is either a km range of a border (the band within ``band_m`` of that stretch,
split at the km boundaries by nearest point on the line, i.e. Voronoi-like) or an explicit
polygon in lon/lat. Sectors are tested in the order given; the first match wins.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from kordon.domain.errors import KordonError
from kordon.geo.border import Border
from kordon.geo.frame import LocalFrame

FloatArray = npt.NDArray[np.float64]


class SectorError(KordonError, ValueError):
    """A sector definition is invalid."""


@dataclass(frozen=True)
class BorderStretchSector:
    """The band within ``band_m`` of a border between two km posts."""

    sector_id: str
    border: Border
    from_km: float
    to_km: float
    band_m: float = 10_000.0


@dataclass(frozen=True)
class PolygonSector:
    """An explicit polygon, (N, 2) lon/lat ring (closing point optional)."""

    sector_id: str
    polygon_lonlat: FloatArray


SectorSpec = BorderStretchSector | PolygonSector


class SectorMap:
    """Vectorised sector lookup over local east/north metres."""

    def __init__(self, frame: LocalFrame, sectors: list[SectorSpec]) -> None:
        self.frame = frame
        self._sectors = list(sectors)
        ids = [s.sector_id for s in self._sectors]
        for spec in self._sectors:
            if not spec.sector_id:
                raise SectorError("sector id must not be empty")
            if ids.count(spec.sector_id) > 1:
                raise SectorError(f"sector {spec.sector_id!r} is defined more than once")
            self._check(spec)
        self._polygons: dict[str, shapely.Polygon] = {}
        self._areas: dict[tuple[str, int, float, float], shapely.Geometry] = {}
        for spec in self._sectors:
            if isinstance(spec, PolygonSector):
                self._polygons[spec.sector_id] = shapely.Polygon(
                    frame.lonlat_to_xy(spec.polygon_lonlat)
                )

    @staticmethod
    def _check(spec: SectorSpec) -> None:
        sid = spec.sector_id
        if isinstance(spec, BorderStretchSector):
            if not spec.band_m > 0.0:
                raise SectorError(f"sector {sid!r}: band_m must be > 0, got {spec.band_m}")
            lo, hi = sorted((spec.from_km, spec.to_km))
            if lo < 0.0 or hi > spec.border.length_km + 1e-6 or hi - lo <= 0.0:
                raise SectorError(
                    f"sector {sid!r}: km range {spec.from_km}..{spec.to_km} is empty or outside "
                    f"border {spec.border.border_id!r} (0..{spec.border.length_km:.3f} km)"
                )
            return
        ring = np.asarray(spec.polygon_lonlat, dtype=np.float64)
        if ring.ndim != 2 or ring.shape[1] != 2 or ring.shape[0] < 3:
            raise SectorError(f"sector {sid!r}: polygon must be (N>=3, 2) lon/lat")
        if np.any(np.abs(ring[:, 0]) > 180.0) or np.any(np.abs(ring[:, 1]) > 90.0):
            raise SectorError(f"sector {sid!r}: polygon has lon/lat out of range")
        poly = shapely.Polygon(ring)
        if not poly.is_valid or poly.area <= 0.0:
            raise SectorError(f"sector {sid!r}: polygon is self-intersecting or has no area")

    @property
    def sector_ids(self) -> list[str]:
        return [s.sector_id for s in self._sectors]

    def sector_of(self, xy: npt.ArrayLike) -> npt.NDArray[np.str_]:
        """Sector id of each (N, 2) point, ``""`` where no sector contains it."""
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        width = max([len(s) for s in self.sector_ids] + [1])
        out = np.full(pts.shape[0], "", dtype=f"<U{width}")
        free = np.ones(pts.shape[0], dtype=bool)
        distances: dict[int, tuple[FloatArray, FloatArray]] = {}
        for spec in self._sectors:
            idx = np.flatnonzero(free)
            if idx.size == 0:
                break
            if isinstance(spec, PolygonSector):
                inside = shapely.contains_xy(
                    self._polygons[spec.sector_id], pts[idx, 0], pts[idx, 1]
                )
            else:
                key = id(spec.border)
                if key not in distances:
                    res = spec.border.signed_distance_m(pts)
                    distances[key] = (np.abs(res.distance_m), spec.border.km_post(res.along_m))
                dist, km = distances[key]
                lo, hi = sorted((spec.from_km, spec.to_km))
                inside = (dist[idx] <= spec.band_m) & (km[idx] >= lo) & (km[idx] < hi)
                if hi >= spec.border.length_km - 1e-9:
                    inside |= (dist[idx] <= spec.band_m) & (km[idx] >= hi)
            hit = idx[inside]
            out[hit] = spec.sector_id
            free[hit] = False
        return out

    def area_xy(self, sector_id: str, resolution_m: float = 200.0) -> shapely.Geometry:
        """The sector's area in local metres (a Polygon or MultiPolygon).

        A border stretch is what :meth:`sector_of` assigns to it: the points within
        ``band_m`` of the border whose nearest border point lies in the stretch's km range.
        The border is sampled every ``resolution_m`` (samples centred in each km interval,
        so interval ends fall on cell edges); each sample's Voronoi cell holds the points
        nearest to it, so the cells of one stretch, cut to the band, are its area, and
        adjacent stretches tile the band without overlap.
        """
        spec = self._spec(sector_id)
        if isinstance(spec, PolygonSector):
            return self._polygons[sector_id]
        key = (id(spec.border), spec.band_m, resolution_m)
        cached = self._areas.get((sector_id, *key))
        if cached is not None:
            return cached
        border = spec.border
        peers = [
            s
            for s in self._sectors
            if isinstance(s, BorderStretchSector) and s.border is border and s.band_m == spec.band_m
        ]
        cuts = {0.0, border.length_m}
        for peer in peers:
            cuts.update(float(a) for a in border.along_at_km([peer.from_km, peer.to_km]))
        edges = sorted(cuts)
        samples: list[FloatArray] = []
        for lo, hi in itertools.pairwise(edges):
            n = max(1, int(np.ceil((hi - lo) / resolution_m)))
            samples.append(lo + (np.arange(n) + 0.5) * (hi - lo) / n)
        along = np.concatenate(samples)
        points = border.point_at_along(along)
        kms = border.km_post(along)
        band = shapely.LineString(border.vertices_xy).buffer(
            spec.band_m, quad_segs=max(4, int(np.pi * spec.band_m / (2 * resolution_m)))
        )
        cells = shapely.voronoi_polygons(
            shapely.MultiPoint(points), extend_to=band.envelope, ordered=True
        )
        parts = list(shapely.get_parts(cells))
        for peer in peers:
            lo_km, hi_km = sorted((peer.from_km, peer.to_km))
            own = (kms >= lo_km) & (kms < hi_km)
            if hi_km >= border.length_km - 1e-9:
                own |= kms >= hi_km
            mine = shapely.union_all([parts[i] for i in np.flatnonzero(own)], grid_size=0.01)
            area = shapely.intersection(mine, band, grid_size=0.01)
            self._areas[(peer.sector_id, *key)] = area
        return self._areas[(sector_id, *key)]

    def areas_lonlat(self, sector_id: str, resolution_m: float = 200.0) -> list[list[FloatArray]]:
        """The sector's area as lon/lat polygons, each a list of closed rings (exterior
        first, then holes): a GeoJSON (Multi)Polygon's coordinates."""
        area = self.area_xy(sector_id, resolution_m)
        out: list[list[FloatArray]] = []
        for part in shapely.get_parts(area):
            if not isinstance(part, shapely.Polygon) or part.is_empty:
                continue
            rings = [part.exterior, *part.interiors]
            out.append([self.frame.xy_to_lonlat(shapely.get_coordinates(r)) for r in rings])
        return out

    def polygon_lonlat(self, sector_id: str, resolution_m: float = 200.0) -> FloatArray:
        """The outline of the sector's largest part as a closed (N, 2) lon/lat ring."""
        area = self.area_xy(sector_id, resolution_m)
        parts = [p for p in shapely.get_parts(area) if isinstance(p, shapely.Polygon)]
        largest = max(parts, key=lambda g: g.area)
        return self.frame.xy_to_lonlat(shapely.get_coordinates(largest.exterior))

    def _spec(self, sector_id: str) -> SectorSpec:
        for spec in self._sectors:
            if spec.sector_id == sector_id:
                return spec
        raise SectorError(f"unknown sector {sector_id!r}; known: {', '.join(self.sector_ids)}")
