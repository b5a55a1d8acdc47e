"""What a site file gives the TAK layers: cameras as sensor points, the border and
sectors as drawings, and a sector's place for incidents located only by sector."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import shapely

from kordon.config.camera import PoseGeoref
from kordon.config.site import SiteConfig
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.cot.site import Drawing, IncidentPlace, SensorPoint

DEFAULT_CAMERA_RANGE_M = 2_000.0
"""Range shown for a camera that looks at or above the horizon."""
MAX_CAMERA_RANGE_M = 20_000.0
BORDER_ARGB = -65536  # opaque red
SECTOR_STROKE_ARGB = -256  # opaque yellow
SECTOR_FILL_ARGB = 0x20FFFF00  # yellow, 1/8 opaque


def camera_range_m(height_m: float, pitch_deg: float) -> float:
    """Where the optical axis meets flat ground, capped; the default above the horizon."""
    if pitch_deg >= -0.5:
        return DEFAULT_CAMERA_RANGE_M
    return min(height_m / math.tan(math.radians(-pitch_deg)), MAX_CAMERA_RANGE_M)


def camera_points(config: SiteConfig) -> list[SensorPoint]:
    """Each enabled camera with a pose georeference, with its field of view."""
    out: list[SensorPoint] = []
    for camera in config.cameras:
        georef = camera.georeference
        if not camera.enabled or not isinstance(georef, PoseGeoref):
            continue
        out.append(
            SensorPoint(
                sensor_id=camera.id,
                name=camera.name,
                lat=georef.lat,
                lon=georef.lon,
                azimuth_deg=georef.yaw_deg,
                fov_deg=georef.hfov_deg,
                range_m=camera_range_m(georef.height_m, georef.pitch_deg),
            )
        )
    return out


def site_drawings(config: SiteConfig, geometry: SiteGeometry) -> list[Drawing]:
    """Every border as a red line and every sector as a translucent yellow polygon."""
    out = [
        Drawing(
            f"border-{border_id}",
            f"Border {border_id}",
            np.asarray(border.line_lonlat, dtype=np.float64),
            closed=False,
            stroke_argb=BORDER_ARGB,
        )
        for border_id, border in geometry.borders.items()
    ]
    for sector in config.sectors:
        polygon = geometry.sectors.polygon_lonlat(sector.id)
        if polygon.shape[0] < 3:
            continue
        out.append(
            Drawing(
                f"sector-{sector.id}",
                f"Sector {sector.name}",
                np.asarray(polygon, dtype=np.float64),
                closed=True,
                stroke_argb=SECTOR_STROKE_ARGB,
                fill_argb=SECTOR_FILL_ARGB,
                stroke_weight=2.0,
            )
        )
    return out


def sector_locator(geometry: SiteGeometry) -> Callable[[str], IncidentPlace | None]:
    """A sector's centre (a point inside its area) and its radius as the uncertainty."""
    cache: dict[str, IncidentPlace | None] = {}

    def locate(sector_id: str) -> IncidentPlace | None:
        if sector_id in cache:
            return cache[sector_id]
        place: IncidentPlace | None = None
        if sector_id in geometry.sectors.sector_ids:
            area = geometry.sectors.area_xy(sector_id)
            if not area.is_empty:
                inside = shapely.point_on_surface(area)
                xy = np.array([[inside.x, inside.y]])
                lon, lat = (float(v) for v in geometry.frame.xy_to_lonlat(xy)[0])
                radius = math.sqrt(float(area.area) / math.pi)
                place = IncidentPlace(lat, lon, radius)
        cache[sector_id] = place
        return place

    return locate
