"""Builders shared by the geo-stage tests."""

from __future__ import annotations

import numpy as np

from kordon.config.site import SiteConfig
from kordon.geo.camera_pose import PinholeCamera
from kordon.geo.frame import LocalFrame
from kordon.geo.homography import GroundControlPoint


def pose_gcps(camera: PinholeCamera, frame: LocalFrame) -> list[GroundControlPoint]:
    """Exact control points: ground points spread over the view, projected by the pose."""
    _w, _h = camera.image_size_wh
    uv = np.array([[200, 500], [1080, 500], [150, 700], [1130, 700], [640, 600], [400, 650]])
    ground = camera.pixel_to_ground(uv.astype(float))
    assert bool(ground.valid.all())
    lonlat = frame.xy_to_lonlat(ground.xy_m)
    return [
        GroundControlPoint(float(u), float(v), float(lon), float(lat))
        for (u, v), (lon, lat) in zip(uv, lonlat, strict=True)
    ]


def with_georeference(
    site: SiteConfig, camera_id: str, georeference: dict[str, object]
) -> SiteConfig:
    """A copy of ``site`` whose camera has another georeference block (validated)."""
    data = site.model_dump(mode="json")
    for cam in data["cameras"]:
        if cam["id"] == camera_id:
            cam["georeference"] = georeference
    return SiteConfig.model_validate(data).with_base_dir(site.base_dir)
