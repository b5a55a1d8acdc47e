"""Cut the offline basemap for the region out of npm ``mapeo-offline-map`` 2.0.0.

Usage (from the repository root, after ``npm pack mapeo-offline-map@2.0.0`` and unpacking it):

    .venv/bin/python web/scripts/extract_basemap.py PATH/TO/package src/kordon/data/basemap

Writes ``land``, ``lakes``, ``rivers`` and ``boundaries`` GeoJSON files clipped to the box
around Ukraine and its neighbours, simplified, with coordinates rounded to 4 decimals
(about 10 m), which is finer than the 1:10m-1:50m source data.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

BOUNDS_WSEN = (12.0, 43.0, 42.0, 57.0)
SIMPLIFY_DEG = 0.003
LAYERS = ("land", "lakes", "rivers", "boundaries")
KEEP_PROPERTIES = {"name", "strokeweig", "min_zoom", "scalerank"}


def _round(coords: Any) -> Any:
    if isinstance(coords, (int, float)):
        return round(float(coords), 4)
    return [_round(c) for c in coords]


def _same_dimension(geom: BaseGeometry, source_type: str) -> BaseGeometry | None:
    """Drop the points/lines a polygon clip can leave behind in a GeometryCollection."""
    if geom.is_empty:
        return None
    if geom.geom_type != "GeometryCollection":
        return geom
    if "Polygon" in source_type:
        polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        return unary_union(polys) if polys else None
    lines = [g for g in geom.geoms if g.geom_type in ("LineString", "MultiLineString")]
    return unary_union(lines) if lines else None


def _extract(source: Path) -> dict[str, Any]:
    region = box(*BOUNDS_WSEN)
    data = json.loads(source.read_text(encoding="utf-8"))
    features = []
    for feature in data["features"]:
        original = shape(feature["geometry"])
        geom = _same_dimension(original.intersection(region), original.geom_type)
        if geom is None:
            continue
        geom = geom.simplify(SIMPLIFY_DEG, preserve_topology=True)
        if geom.is_empty:
            continue
        geo = mapping(geom)
        props = {k: v for k, v in (feature.get("properties") or {}).items() if k in KEEP_PROPERTIES}
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": geo["type"], "coordinates": _round(geo["coordinates"])},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main(package_dir: Path, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for layer in LAYERS:
        collection = _extract(package_dir / "dist" / f"{layer}.json")
        text = json.dumps(collection, separators=(",", ":"), ensure_ascii=False)
        (out_dir / f"{layer}.geojson").write_text(text + "\n", encoding="utf-8")
        sys.stdout.write(f"{layer}: {len(collection['features'])} features, {len(text)} bytes\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
