"""What a georeferenced camera sees: its field of view on the ground, as GeoJSON for the map."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from kordon.geo.frame import LocalFrame
from kordon.geo.projection import CameraModelError, FloatArray, ImageToGround


def ground_footprint_xy(
    camera: ImageToGround, max_range_m: float, *, grid: tuple[int, int] = (48, 48)
) -> FloatArray:
    """The field of view on flat ground (closed (M, 2) east/north ring) within range.

    Works for any ``ImageToGround``: a grid of pixels is put on the ground and the convex
    hull of the valid ones within ``max_range_m`` of the nearest-ground reference is taken
    (a camera's ground footprint on a plane is convex). Raises when no pixel sees ground.
    """
    if not max_range_m > 0:
        raise CameraModelError(f"camera {camera.camera_id!r}: max range must be > 0 m")
    w, h = camera.image_size_wh
    uu, vv = np.meshgrid(np.linspace(0.0, w - 1.0, grid[0]), np.linspace(0.0, h - 1.0, grid[1]))
    uv = np.stack([uu.ravel(), vv.ravel()], axis=1)
    ground = camera.pixel_to_ground(uv)
    ok = ground.valid
    if not np.any(ok):
        raise CameraModelError(f"camera {camera.camera_id!r}: no pixel of the image sees ground")
    bottom = camera.pixel_to_ground([[w / 2.0, h - 1.0]])
    ref = bottom.xy_m[0] if bool(bottom.valid[0]) else ground.xy_m[ok][0]
    pts = ground.xy_m[ok]
    near = np.hypot(*(pts - ref).T) <= max_range_m
    if np.count_nonzero(near) < 3:
        raise CameraModelError(
            f"camera {camera.camera_id!r}: under 3 ground points within {max_range_m} m"
        )
    hull = shapely.MultiPoint(pts[near]).convex_hull
    if not isinstance(hull, shapely.Polygon):
        raise CameraModelError(f"camera {camera.camera_id!r}: the field of view has no area")
    return np.asarray(shapely.get_coordinates(hull.exterior), dtype=np.float64)


def footprint_geojson(
    camera: ImageToGround, frame: LocalFrame, max_range_m: float
) -> dict[str, Any]:
    """A GeoJSON Feature (Polygon, lon/lat) of the camera's field of view."""
    ring = frame.xy_to_lonlat(ground_footprint_xy(camera, max_range_m))
    return {
        "type": "Feature",
        "properties": {"camera_id": camera.camera_id, "max_range_m": max_range_m},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[round(float(lon), 7), round(float(lat), 7)] for lon, lat in ring]],
        },
    }
