"""Border lines from the site file: read GeoJSON, apply clip and km origin.

Everything here reads files but writes nothing; geometry runs in the site's
:class:`~kordon.geo.frame.LocalFrame` (metres), never on degrees, except the bbox
clip, which is defined in degrees.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, MultiLineString, box
from shapely.ops import linemerge, substring

from kordon.config.bounded_read import BORDER_GEOJSON, FileReadError, read_bounded_text
from kordon.config.errors import BorderGeometryError, GeoJsonError
from kordon.config.geo import BBoxClip, BorderConfig, KmClip
from kordon.geo.frame import LocalFrame

LonLatArray = npt.NDArray[np.float64]


def _check_coords(raw: object, where: str, first_index: int) -> list[tuple[float, float]]:
    if not isinstance(raw, list):
        raise GeoJsonError(f"{where}: 'coordinates' must be a list of [lon, lat] positions")
    points: list[tuple[float, float]] = []
    for offset, pos in enumerate(raw):
        index = first_index + offset
        if (
            not isinstance(pos, list)
            or len(pos) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos[:2])
        ):
            raise GeoJsonError(f"{where}: coordinate {index} is not a [lon, lat] number pair")
        try:
            lon, lat = float(pos[0]), float(pos[1])
        except OverflowError:  # an integer beyond float range
            raise GeoJsonError(f"{where}: coordinate {index} is out of range") from None
        if not -180.0 <= lon <= 180.0:
            raise GeoJsonError(
                f"{where}: coordinate {index} has longitude {lon} outside [-180, 180]"
            )
        if not -90.0 <= lat <= 90.0:
            raise GeoJsonError(f"{where}: coordinate {index} has latitude {lat} outside [-90, 90]")
        points.append((lon, lat))
    return points


def _geometry_of(doc: object, name: str) -> dict[str, object]:
    if not isinstance(doc, dict):
        raise GeoJsonError(f"{name}: top level must be a GeoJSON object")
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list) or len(features) != 1:
            count = len(features) if isinstance(features, list) else "no"
            raise GeoJsonError(
                f"{name}: FeatureCollection must hold exactly one border feature, has {count}"
            )
        return _geometry_of(features[0], name)
    if kind == "Feature":
        geometry = doc.get("geometry")
        if not isinstance(geometry, dict):
            raise GeoJsonError(f"{name}: Feature has no geometry")
        return geometry
    if kind in ("LineString", "MultiLineString"):
        return doc
    raise GeoJsonError(
        f"{name}: expected a LineString or MultiLineString (Feature), got type {kind!r}"
    )


def read_line_geojson(path: Path) -> LonLatArray:
    """The border line in a GeoJSON file as an (N, 2) lon/lat array, in file order.

    Accepts a LineString, a MultiLineString whose parts join into one line, or a
    Feature / one-feature FeatureCollection holding either.
    """
    name = path.name
    try:
        text = read_bounded_text(path, BORDER_GEOJSON)
    except FileReadError as exc:
        raise GeoJsonError(str(exc)) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GeoJsonError(
            f"{name}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise GeoJsonError(f"{name}: JSON is nested too deeply to be GeoJSON") from None
    geometry = _geometry_of(doc, name)
    kind = geometry.get("type")
    raw = geometry.get("coordinates")
    if kind == "LineString":
        points = _check_coords(raw, name, 0)
        if len(points) < 2:
            raise GeoJsonError(f"{name}: LineString has {len(points)} point(s), needs at least 2")
        return np.asarray(points, dtype=np.float64)
    if kind != "MultiLineString":
        raise GeoJsonError(
            f"{name}: expected a LineString or MultiLineString geometry, got {kind!r}"
        )
    if not isinstance(raw, list) or not raw:
        raise GeoJsonError(f"{name}: MultiLineString has no lines")
    parts: list[list[tuple[float, float]]] = []
    index = 0
    for part in raw:
        points = _check_coords(part, name, index)
        index += len(points)
        if len(points) < 2:
            raise GeoJsonError(f"{name}: a MultiLineString part has fewer than 2 points")
        parts.append(points)
    merged = linemerge(MultiLineString(parts))
    if not isinstance(merged, LineString):
        raise GeoJsonError(
            f"{name}: MultiLineString parts do not join into one line; give one continuous line"
        )
    return np.asarray(merged.coords, dtype=np.float64)[:, :2]


def _raw_lonlat(border: BorderConfig, base_dir: Path) -> LonLatArray:
    if border.coordinates is not None:
        return np.asarray(border.coordinates, dtype=np.float64)
    assert border.geometry_file is not None  # guaranteed by BorderConfig validation
    path = border.geometry_file
    return read_line_geojson(path if path.is_absolute() else base_dir / path)


def _clip_km(lonlat: LonLatArray, clip: KmClip, frame: LocalFrame) -> LonLatArray:
    line = LineString(frame.lonlat_to_xy(lonlat))
    length_km = line.length / 1000.0
    if clip.to_km > length_km:
        raise BorderGeometryError(
            f"clip to_km {clip.to_km} is beyond the line's end at {length_km:.3f} km"
        )
    piece = substring(line, clip.from_km * 1000.0, clip.to_km * 1000.0)
    return frame.xy_to_lonlat(np.asarray(piece.coords))


def _clip_bbox(lonlat: LonLatArray, clip: BBoxClip) -> LonLatArray:
    piece = LineString(lonlat).intersection(
        box(clip.min_lon, clip.min_lat, clip.max_lon, clip.max_lat)
    )
    if isinstance(piece, MultiLineString):
        piece = linemerge(piece)
    if piece.is_empty:
        raise BorderGeometryError("clip bbox does not contain any part of the line")
    if not isinstance(piece, LineString):
        count = len(getattr(piece, "geoms", []))
        raise BorderGeometryError(
            f"clip bbox cuts the line into {count} pieces; choose a box that holds one stretch"
        )
    return np.asarray(piece.coords, dtype=np.float64)


def border_lonlat(border: BorderConfig, base_dir: Path, frame: LocalFrame) -> LonLatArray:
    """The border stretch as (N, 2) lon/lat, clipped, ordered so that km 0 comes first.

    Note that with ``km_origin: end`` the returned order is the reverse of the
    digitisation order, so ``sides.left`` then lies on the *right* of the returned line.
    """
    lonlat = _raw_lonlat(border, base_dir)
    if isinstance(border.clip, KmClip):
        lonlat = _clip_km(lonlat, border.clip, frame)
    elif isinstance(border.clip, BBoxClip):
        lonlat = _clip_bbox(lonlat, border.clip)
    if border.km_origin == "end":
        lonlat = lonlat[::-1].copy()
    return lonlat


def line_xy(lonlat: LonLatArray, frame: LocalFrame) -> LineString:
    """A lon/lat line in local metres."""
    return LineString(frame.lonlat_to_xy(lonlat))


def polygon_problem(points_xy: npt.ArrayLike, frame: LocalFrame | None = None) -> str | None:
    """Why a planar polygon ring is unusable, or ``None`` when it is valid.

    With ``frame`` the points are local metres and a reported location is given
    back in lon/lat; without it the points are pixels.
    """
    arr = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    polygon = shapely.Polygon(arr)
    if polygon.convex_hull.area <= 0.0:
        return "polygon has zero area (its points are collinear or repeated)"
    if polygon.is_valid:
        return None
    reason = shapely.is_valid_reason(polygon)
    match = re.match(r"^(?P<what>[^\[]+)\[(?P<x>[-\d.e+]+) (?P<y>[-\d.e+]+)\]", reason)
    if match is None:
        return f"polygon is invalid: {reason}"
    x, y = float(match["x"]), float(match["y"])
    if frame is not None:
        lon, lat = frame.xy_to_lonlat([[x, y]])[0]
        where = f"near lon {lon:.6f}, lat {lat:.6f}"
    else:
        where = f"near pixel ({x:.1f}, {y:.1f})"
    what = match["what"].strip().lower()
    if what.startswith(("self-intersection", "ring self-intersection")):
        return f"polygon edges cross each other {where}; list the points in order around the edge"
    return f"polygon is invalid ({what}) {where}"
