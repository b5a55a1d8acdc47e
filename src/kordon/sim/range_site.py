"""Move a site's pose camera nearer to or farther from its border (the range of a test).

The camera keeps its height, heading and lens; it slides along its line of sight to the
border so the border lies ``range_m`` away, and tilts so the border stays on the same image
row. So one site file gives the same scene at 100 m (people ~60 px tall with the demo's
20° lens) or at 600 m (~11 px).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from kordon.config.camera import CameraConfig, PoseGeoref
from kordon.config.site import SiteConfig
from kordon.geo.camera_pose import PinholeCamera
from kordon.geo.site_geometry import SiteGeometry
from kordon.sim.errors import SimulationError
from kordon.sim.geo_scene import view_of_border


def camera_at_range(
    site: SiteConfig,
    camera_id: str,
    range_m: float,
    *,
    kind: Literal["visible", "thermal"] | None = None,
    geometry: SiteGeometry | None = None,
) -> SiteConfig:
    """A copy of ``site`` whose camera ``camera_id`` watches its border from ``range_m``.

    The camera's image rules are dropped (their pixel lines belong to the old view);
    ``kind`` replaces the sensor kind when given. Raises ``SimulationError`` when the camera
    has no pose georeference or does not see its border.
    """
    if not (math.isfinite(range_m) and 20.0 <= range_m <= 5000.0):
        raise SimulationError(f"range_m must be in [20, 5000], got {range_m}")
    try:
        camera_cfg = site.camera(camera_id)
    except KeyError as exc:
        raise SimulationError(str(exc.args[0])) from None
    pose = camera_cfg.georeference
    if not isinstance(pose, PoseGeoref):
        raise SimulationError(f"camera {camera_id!r}: needs a 'pose' georeference")
    geometry = geometry or SiteGeometry.from_config(site)
    camera = geometry.camera_model(camera_cfg)
    border = geometry.border_for_camera(camera_cfg, site)
    if not isinstance(camera, PinholeCamera) or border is None:
        raise SimulationError(f"camera {camera_id!r}: no pose camera or no border for its sector")
    view = view_of_border(camera, border)
    foot = border.point_at_along(view.along_m)[0]
    here = camera.position_m[:2]
    to_foot = foot - here
    now_m = float(np.hypot(*to_foot))
    unit = to_foot / now_m
    new_xy = foot - unit * range_m
    lon, lat = (float(v) for v in geometry.frame.xy_to_lonlat(new_xy.reshape(1, 2))[0])
    row_offset_deg = pose.pitch_deg + math.degrees(math.atan2(pose.height_m, now_m))
    pitch = row_offset_deg - math.degrees(math.atan2(pose.height_m, range_m))
    moved = pose.model_copy(update={"lat": lat, "lon": lon, "pitch_deg": pitch})
    update: dict[str, object] = {"georeference": moved, "rules": []}
    if kind is not None:
        update["kind"] = kind
    new_camera: CameraConfig = camera_cfg.model_copy(update=update)
    cameras = [new_camera if c.id == camera_id else c for c in site.cameras]
    return site.model_copy(update={"cameras": cameras})
