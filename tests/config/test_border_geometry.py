"""Reading border GeoJSON and clipping a stretch of the real UA–BY line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import LineString

from kordon.config.border_geometry import border_lonlat, polygon_problem, read_line_geojson
from kordon.config.errors import BorderGeometryError
from kordon.config.geo import BBoxClip, BorderConfig, KmClip, Sides
from kordon.geo.frame import LocalFrame

PACKAGED = Path(__file__).resolve().parents[2] / "src/kordon/data/border_UKR_BLR_osm10m.geojson"
FRAME = LocalFrame(51.6522, 23.6824)


def _border(**kwargs: object) -> BorderConfig:
    return BorderConfig.model_validate(
        {
            "id": "ua-by",
            "name": "UA–BY",
            "geometry_file": PACKAGED,
            "sides": Sides(left="UA", right="BY"),
            "home_side": "UA",
            **kwargs,
        }
    )


def test_packaged_line_reads() -> None:
    lonlat = read_line_geojson(PACKAGED)
    assert lonlat.shape == (2955, 2)
    assert lonlat[-1] == pytest.approx([23.6178, 51.5080], abs=1e-3)


def test_km_clip_from_the_end_gives_volyn_stretch() -> None:
    full = LineString(FRAME.lonlat_to_xy(read_line_geojson(PACKAGED)))
    total_km = full.length / 1000
    border = _border(
        clip={"kind": "km", "from_km": total_km - 60.2, "to_km": total_km}, km_origin="end"
    )
    lonlat = border_lonlat(border, Path("."), FRAME)
    assert lonlat[0] == pytest.approx([23.6178, 51.5080], abs=1e-4)
    assert LineString(FRAME.lonlat_to_xy(lonlat)).length == pytest.approx(60_200, abs=1.0)


def test_km_clip_beyond_end_is_rejected() -> None:
    border = _border(clip=KmClip(kind="km", from_km=0, to_km=5000))
    with pytest.raises(BorderGeometryError, match="beyond the line's end at 11"):
        border_lonlat(border, Path("."), FRAME)


def test_bbox_clip_takes_one_stretch() -> None:
    border = _border(
        clip=BBoxClip(kind="bbox", min_lon=23.5, min_lat=51.4, max_lon=23.7, max_lat=51.6)
    )
    lonlat = border_lonlat(border, Path("."), FRAME)
    assert np.all((lonlat[:, 0] >= 23.5 - 1e-9) & (lonlat[:, 0] <= 23.7 + 1e-9))
    assert np.all((lonlat[:, 1] >= 51.4 - 1e-9) & (lonlat[:, 1] <= 51.6 + 1e-9))
    assert lonlat[-1] == pytest.approx([23.6178, 51.5080], abs=1e-3)  # ends at the tripoint
    assert len(lonlat) > 10


def test_bbox_clip_cutting_two_stretches_is_rejected() -> None:
    border = _border(
        clip=BBoxClip(kind="bbox", min_lon=23.55, min_lat=51.45, max_lon=23.66, max_lat=51.62)
    )
    with pytest.raises(BorderGeometryError, match="cuts the line into 4 pieces"):
        border_lonlat(border, Path("."), FRAME)


def test_bbox_clip_outside_line_is_rejected() -> None:
    border = _border(clip=BBoxClip(kind="bbox", min_lon=0, min_lat=0, max_lon=1, max_lat=1))
    with pytest.raises(BorderGeometryError, match="does not contain any part"):
        border_lonlat(border, Path("."), FRAME)


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([[0, 0], [10, 0], [10, 10], [0, 10]], None),
        ([[0, 0], [5, 5], [10, 10]], "zero area"),
        ([[0, 0], [10, 10], [10, 0], [0, 10]], "edges cross each other near pixel (5.0, 5.0)"),
    ],
)
def test_polygon_problem(points: list[list[float]], expected: str | None) -> None:
    problem = polygon_problem(points)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None
        assert expected in problem
