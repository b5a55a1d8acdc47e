"""``SiteGeometry``: the geography of a site file turned into metric objects, built once.

From a :class:`~kordon.config.site.SiteConfig`: the :class:`LocalFrame` at the site
origin, every :class:`Border` (km 0 first, sides named), the :class:`SectorMap`, zone
polygons in metres (explicit polygons and strips along a border on one side) and, per
camera, its :class:`ImageToGround` model. Building the borders' spatial indexes is the slow
part (about a second per long line); :meth:`SiteGeometry.build_indexes` does it up front.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import shapely

from kordon.config.border_geometry import border_lonlat
from kordon.config.camera import (
    CameraConfig,
    ControlPointsGeoref,
    PoseGeoref,
    SimulatorSource,
)
from kordon.config.errors import BorderGeometryError, GeoJsonError
from kordon.config.geo import ZoneConfig, ZoneKind
from kordon.config.site import SiteConfig
from kordon.domain.errors import KordonError
from kordon.geo.border import Border
from kordon.geo.border_line import BorderLine
from kordon.geo.camera_pose import CameraPose, PinholeCamera
from kordon.geo.frame import LocalFrame
from kordon.geo.homography import (
    CalibrationResult,
    GroundControlPoint,
    HomographyCamera,
    calibrate_from_gcps,
)
from kordon.geo.projection import FloatArray, ImageToGround
from kordon.geo.sectors import BorderStretchSector, PolygonSector, SectorMap, SectorSpec

logger = logging.getLogger(__name__)


class SiteGeometryError(KordonError, ValueError):
    """The site's geography (a border, sector, zone or camera georeference) is unusable."""


@dataclass(frozen=True)
class ZoneArea:
    """A zone as a polygon ring in local metres, (N, 2) east/north."""

    zone_id: str
    name: str
    kind: ZoneKind
    polygon_xy: FloatArray
    dwell_s: float | None


def build_border(config: SiteConfig, border_id: str, frame: LocalFrame) -> Border:
    """One border of the site in ``frame``, with km 0 at its first vertex."""
    for cfg in config.borders:
        if cfg.id != border_id:
            continue
        try:
            lonlat = border_lonlat(cfg, config.base_dir, frame)
            left, right = cfg.sides.left, cfg.sides.right
            if cfg.km_origin == "end":
                # border_lonlat reversed the line so that km 0 comes first: sides swap.
                left, right = right, left
            return Border(
                cfg.id, lonlat, frame, left_side=left, right_side=right, home_side=cfg.home_side
            )
        except (BorderGeometryError, GeoJsonError, KordonError) as exc:
            raise SiteGeometryError(f"border {border_id!r}: {exc}") from exc
    known = ", ".join(b.id for b in config.borders) or "none"
    raise SiteGeometryError(f"unknown border {border_id!r} (known: {known})")


def _zone_polygon(zone: ZoneConfig, borders: dict[str, Border], frame: LocalFrame) -> FloatArray:
    if zone.polygon is not None:
        return frame.lonlat_to_xy(np.asarray(zone.polygon, dtype=np.float64))
    spec = zone.buffer
    assert spec is not None  # guaranteed by ZoneConfig validation
    border = borders.get(spec.border)
    if border is None:
        raise SiteGeometryError(f"zone {zone.id!r}: unknown border {spec.border!r}")
    side = (
        border.home_side
        if spec.side == "home"
        else (border.right_side if border.home_side == border.left_side else border.left_side)
    )
    # shapely: a positive single-sided buffer lies left of the line, a negative one right.
    width = spec.width_m if side == border.left_side else -spec.width_m
    strip = shapely.LineString(border.vertices_xy).buffer(width, single_sided=True)
    if isinstance(strip, shapely.MultiPolygon):
        strip = max(strip.geoms, key=lambda g: g.area)
    if not isinstance(strip, shapely.Polygon) or strip.is_empty:
        raise SiteGeometryError(f"zone {zone.id!r}: the strip along {spec.border!r} is empty")
    return np.asarray(shapely.get_coordinates(strip.exterior), dtype=np.float64)


def gcps_of(georef: ControlPointsGeoref) -> list[GroundControlPoint]:
    """The control points of a site file's georeference block."""
    return [GroundControlPoint(p.pixel[0], p.pixel[1], p.lon, p.lat) for p in georef.points]


def pose_of(georef: PoseGeoref) -> CameraPose:
    return CameraPose(
        lat=georef.lat,
        lon=georef.lon,
        height_m=georef.height_m,
        yaw_deg=georef.yaw_deg,
        pitch_deg=georef.pitch_deg,
        roll_deg=georef.roll_deg,
    )


class SiteGeometry:
    """Borders, sectors, zones and camera models of one site, in its local frame."""

    def __init__(
        self,
        site_id: str,
        frame: LocalFrame,
        borders: dict[str, Border],
        sectors: SectorMap,
        zones: dict[str, ZoneArea],
    ) -> None:
        self.site_id = site_id
        self.frame = frame
        self.borders = borders
        self.border_lines = {bid: BorderLine(b) for bid, b in borders.items()}
        self.sectors = sectors
        self.zones = zones

    @classmethod
    def from_config(cls, site: SiteConfig) -> SiteGeometry:
        """Build everything but the spatial indexes; errors name the border/sector/zone."""
        frame = LocalFrame(site.site.origin.lat, site.site.origin.lon)
        borders = {b.id: build_border(site, b.id, frame) for b in site.borders}
        specs: list[SectorSpec] = []
        for s in site.sectors:
            if s.polygon is not None:
                specs.append(PolygonSector(s.id, np.asarray(s.polygon, dtype=np.float64)))
                continue
            border = borders.get(s.border or "")
            if border is None or s.from_km is None or s.to_km is None:
                raise SiteGeometryError(f"sector {s.id!r}: unknown border {s.border!r}")
            specs.append(BorderStretchSector(s.id, border, s.from_km, s.to_km))
        try:
            sectors = SectorMap(frame, specs)
        except KordonError as exc:
            raise SiteGeometryError(f"site {site.site.id!r}: {exc}") from exc
        zones = {
            z.id: ZoneArea(z.id, z.name, z.kind, _zone_polygon(z, borders, frame), z.dwell_s)
            for z in site.zones
        }
        return cls(site.site.id, frame, borders, sectors, zones)

    def build_indexes(self) -> None:
        """Build every border's spatial index now (slow on long lines; do it at start)."""
        for line in self.border_lines.values():
            line.build()

    def border_for_camera(self, camera: CameraConfig, site: SiteConfig) -> Border | None:
        """The border of the camera's sector, else the only border of the site, else None."""
        for s in site.sectors:
            if s.id == camera.sector and s.border is not None:
                return self.borders.get(s.border)
        if len(self.borders) == 1:
            return next(iter(self.borders.values()))
        return None

    def camera_model(
        self, camera: CameraConfig, *, image_size_wh: tuple[int, int] | None = None
    ) -> ImageToGround | None:
        """The camera's image → ground model; ``None`` when it is not georeferenced.

        A control-point camera needs its frame size: from ``image_size_wh``, else from a
        simulator source's width/height.
        """
        georef = camera.georeference
        if georef is None:
            return None
        try:
            if isinstance(georef, PoseGeoref):
                return PinholeCamera(
                    camera.id,
                    pose_of(georef),
                    self.frame,
                    (georef.image_wh[0], georef.image_wh[1]),
                    hfov_deg=georef.hfov_deg,
                )
            size = image_size_wh
            if size is None and isinstance(camera.source, SimulatorSource):
                size = (camera.source.width, camera.source.height)
            if size is None:
                raise SiteGeometryError(
                    f"camera {camera.id!r}: control-point georeference needs the frame size; "
                    "pass image_size_wh (from the video source)"
                )
            result = self.calibrate(camera.id, gcps_of(georef))
            return HomographyCamera.from_calibration(result, size)
        except SiteGeometryError:
            raise
        except KordonError as exc:
            raise SiteGeometryError(f"camera {camera.id!r}: georeference unusable: {exc}") from exc

    def calibrate(self, camera_id: str, gcps: list[GroundControlPoint]) -> CalibrationResult:
        """Fit a control-point homography in this site's frame."""
        return calibrate_from_gcps(camera_id, gcps, self.frame)
