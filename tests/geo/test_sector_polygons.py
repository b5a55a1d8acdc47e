"""Sector areas: the band of a km range, split by nearest border point, tiling without overlap."""

from __future__ import annotations

import numpy as np
import shapely

from kordon.geo.border import Border
from kordon.geo.sectors import BorderStretchSector, SectorMap, SectorSpec

from .helpers import FRAME, border_from_xy

BAND_M = 3000.0


def _winding() -> tuple[SectorMap, Border]:
    # A zig-zag 3 km tall and 2 km per leg: a flat buffer of one stretch reaches far into
    # the next stretch's side, which is what drew the old overlapping blobs.
    xs = np.arange(0, 24_001, 2000.0)
    ys = np.where(np.arange(xs.size) % 2 == 0, 0.0, 3000.0)
    border = border_from_xy(np.column_stack([xs, ys]))
    km = border.length_km
    specs: list[SectorSpec] = [
        BorderStretchSector("a", border, 0.0, 10.0, band_m=BAND_M),
        BorderStretchSector("b", border, 10.0, 25.0, band_m=BAND_M),
        BorderStretchSector("c", border, 25.0, km, band_m=BAND_M),
    ]
    return SectorMap(FRAME, specs), border


def test_adjacent_sectors_do_not_overlap_and_cover_the_band() -> None:
    sectors, border = _winding()
    areas = {sid: sectors.area_xy(sid) for sid in ("a", "b", "c")}
    for sid, area in areas.items():
        assert area.is_valid, sid
        assert area.area > 0.0, sid
    for one, other in (("a", "b"), ("b", "c"), ("a", "c")):
        overlap = shapely.intersection(areas[one], areas[other]).area
        assert overlap < 1.0, (one, other, overlap)  # m²: shared edges only
    strip = shapely.LineString(border.vertices_xy).buffer(BAND_M, quad_segs=64)
    union = shapely.union_all(list(areas.values()))
    assert abs(union.area - strip.area) / strip.area < 0.002
    assert shapely.symmetric_difference(union, strip).area / strip.area < 0.002


def test_each_area_holds_the_points_sector_of_assigns_to_it() -> None:
    sectors, _ = _winding()
    rng = np.random.default_rng(7)
    pts = np.column_stack([rng.uniform(-4000, 28_000, 4000), rng.uniform(-4000, 7000, 4000)])
    assigned = sectors.sector_of(pts)
    areas = {sid: sectors.area_xy(sid) for sid in ("a", "b", "c")}
    boundaries = shapely.union_all([a.boundary for a in areas.values()])
    clear = shapely.distance(boundaries, shapely.points(pts)) > 150.0  # sampling tolerance
    checked = 0
    for sid, area in areas.items():
        inside = shapely.contains_xy(area, pts[:, 0], pts[:, 1])
        assert np.array_equal(inside[clear], (assigned == sid)[clear]), sid
        checked += int((inside & clear).sum())
    assert checked > 1000
    outside = clear & (assigned == "")
    assert outside.sum() > 100  # beyond the band: no sector, and no area holds them


def test_the_map_outline_of_a_winding_stretch_contains_its_own_km_posts() -> None:
    sectors, border = _winding()
    posts = border.point_at_km([11.0, 17.5, 24.0])
    parts = sectors.areas_lonlat("b")
    polygons = [shapely.Polygon(rings[0], rings[1:]) for rings in parts]
    area = shapely.union_all(polygons)
    lonlat = FRAME.xy_to_lonlat(posts)
    assert all(area.contains(shapely.Point(p)) for p in lonlat)
    far = FRAME.xy_to_lonlat(border.point_at_km([2.0, 30.0]))
    assert not any(area.contains(shapely.Point(p)) for p in far)
