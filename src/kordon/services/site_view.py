"""``SiteView``: the site, its map layers and its cameras as the API shows them.

Built once from the configuration and the site geometry; every layer is computed at
construction (they never change while the node runs) so requests only serialise.
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import numpy.typing as npt
from pydantic import JsonValue

from kordon.api.providers import CameraInfo, GeoJson, SiteInfo
from kordon.config.integrations import AsterixRadar, GroundSensor
from kordon.config.models import PoseGeoref, SiteConfig
from kordon.geo.camera_pose import PinholeCamera
from kordon.geo.frame import LocalFrame
from kordon.geo.site_geometry import SiteGeometry

FOV_RANGE_M = 600.0
"""How far a camera's field-of-view cone is drawn on the map."""


def _ring(coords: npt.NDArray[np.float64]) -> list[JsonValue]:
    ring: list[JsonValue] = [[round(float(x), 7), round(float(y), 7)] for x, y in coords]
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def _collection(features: list[JsonValue]) -> GeoJson:
    return {"type": "FeatureCollection", "features": features}


def _sensor_features(config: SiteConfig, frame: LocalFrame) -> list[JsonValue]:
    """Each ground sensor as a point (``role: device``) and its detection area (``role:
    area``: the polygon, or a 48-gon for a radius); each radar as a point."""
    features: list[JsonValue] = []
    for sensor in config.sensors:
        if isinstance(sensor, AsterixRadar):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [sensor.lon, sensor.lat]},
                    "properties": {
                        "id": sensor.id,
                        "name": sensor.name or sensor.id,
                        "kind": sensor.kind,
                        "sensor_type": "radar",
                        "role": "device",
                    },
                }
            )
            continue
        if not isinstance(sensor, GroundSensor):
            continue
        props: dict[str, JsonValue] = {
            "id": sensor.id,
            "name": sensor.name or sensor.id,
            "kind": sensor.kind,
            "sensor_type": str(sensor.sensor_type) if sensor.sensor_type else None,
        }
        if sensor.polygon is not None:
            ring = np.asarray(sensor.polygon, np.float64)
        else:
            centre = frame.lonlat_to_xy([[sensor.lon, sensor.lat]])[0]
            angles = np.linspace(0.0, 2.0 * np.pi, 49)
            radius = float(sensor.radius_m or 0.0)
            xy = centre + radius * np.stack([np.sin(angles), np.cos(angles)], axis=1)
            ring = frame.xy_to_lonlat(xy)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [_ring(ring)]},
                "properties": {**props, "role": "area"},
            }
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [sensor.lon, sensor.lat]},
                "properties": {**props, "role": "device"},
            }
        )
    return features


def load_basemap_style(name: str = "style.json") -> GeoJson:
    """A shipped offline basemap style (``style.json``: dark, ``style-light.json``: light)
    with its GeoJSON sources inlined."""
    folder = resources.files("kordon.data").joinpath("basemap")
    style: dict[str, JsonValue] = json.loads(folder.joinpath(name).read_text("utf-8"))
    sources = style.get("sources")
    if isinstance(sources, dict):
        for source in sources.values():
            if isinstance(source, dict) and isinstance(source.get("data"), str):
                name = str(source["data"])
                source["data"] = json.loads(folder.joinpath(name).read_text("utf-8"))
    return style


class SiteView:
    """Implements the API's ``MapLayers`` and ``CameraDirectory``."""

    def __init__(
        self, config: SiteConfig, geometry: SiteGeometry, *, basemap: GeoJson | None = None
    ) -> None:
        self._config = config
        self._geometry = geometry
        self._basemap = basemap
        frame = geometry.frame
        border_features: list[JsonValue] = []
        all_points: list[npt.NDArray[np.float64]] = []
        for cfg in config.borders:
            border = geometry.borders[cfg.id]
            lonlat = frame.xy_to_lonlat(border.vertices_xy)
            all_points.append(lonlat)
            border_features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[float(x), float(y)] for x, y in lonlat],
                    },
                    "properties": {
                        "id": cfg.id,
                        "name": cfg.name,
                        "left_side": cfg.sides.left,
                        "right_side": cfg.sides.right,
                        "home_side": cfg.home_side,
                        "length_km": round(border.length_km, 3),
                    },
                }
            )
        self._borders = _collection(border_features)
        sectors: list[JsonValue] = []
        for s in config.sectors:
            parts: list[JsonValue] = [
                [_ring(ring) for ring in rings] for rings in geometry.sectors.areas_lonlat(s.id)
            ]
            shape: JsonValue = (
                {"type": "Polygon", "coordinates": parts[0]}
                if len(parts) == 1
                else {"type": "MultiPolygon", "coordinates": parts}
            )
            sectors.append(
                {
                    "type": "Feature",
                    "geometry": shape,
                    "properties": {"id": s.id, "name": s.name, "unit": s.unit},
                }
            )
        self._sectors = _collection(sectors)
        zones: list[JsonValue] = []
        for zone in geometry.zones.values():
            ring = frame.xy_to_lonlat(zone.polygon_xy)
            zones.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [_ring(ring)]},
                    "properties": {"id": zone.zone_id, "name": zone.name, "kind": str(zone.kind)},
                }
            )
        self._zones = _collection(zones)
        self._sensors = _collection(_sensor_features(config, frame))
        self._cameras = [self._camera_info(c.id) for c in config.cameras if c.enabled]
        if all_points:
            pts = np.concatenate(all_points)
            west, south = pts.min(axis=0)
            east, north = pts.max(axis=0)
        else:
            o = config.site.origin
            west, south, east, north = o.lon - 0.1, o.lat - 0.1, o.lon + 0.1, o.lat + 0.1
        home = config.borders[0].home_side if config.borders else ""
        self._site = SiteInfo(
            id=config.site.id,
            name=config.site.name,
            origin_lat=config.site.origin.lat,
            origin_lon=config.site.origin.lon,
            timezone=config.site.timezone,
            home_side=home,
            bounds_wsen=(float(west), float(south), float(east), float(north)),
        )

    def _camera_info(self, camera_id: str) -> CameraInfo:
        camera = self._config.camera(camera_id)
        model = self._geometry.camera_model(camera)
        lat = lon = None
        fov: GeoJson | None = None
        if isinstance(model, PinholeCamera):
            georef = camera.georeference
            if isinstance(georef, PoseGeoref):
                lat, lon = float(georef.lat), float(georef.lon)
            ring = model.ground_footprint_polygon(FOV_RANGE_M)
            fov = {"type": "Polygon", "coordinates": [_ring(ring)]}
        return CameraInfo(
            id=camera.id,
            name=camera.name,
            sector_id=camera.sector or "",
            kind=str(camera.kind),
            position_lat=lat,
            position_lon=lon,
            fov=fov,
        )

    # -- MapLayers ---------------------------------------------------------------------------
    def site(self) -> SiteInfo:
        return self._site

    def borders(self) -> GeoJson:
        return self._borders

    def km_posts(self, every_km: float) -> GeoJson:
        features: list[JsonValue] = []
        step = max(float(every_km), 0.1)
        frame = self._geometry.frame
        for border_id, border in self._geometry.borders.items():
            kms = np.arange(0.0, border.length_km + 1e-9, step)
            lonlat = frame.xy_to_lonlat(border.point_at_km(kms))
            for km, (lon, lat) in zip(kms.tolist(), lonlat, strict=True):
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
                        "properties": {"border_id": border_id, "km": round(km, 3)},
                    }
                )
        return _collection(features)

    def sectors(self) -> GeoJson:
        return self._sectors

    def zones(self) -> GeoJson:
        return self._zones

    def sensors(self) -> GeoJson:
        return self._sensors

    def basemap_style(self) -> GeoJson:
        if self._basemap is None:
            self._basemap = load_basemap_style()
        return self._basemap

    # -- CameraDirectory -----------------------------------------------------------------------
    def cameras(self) -> list[CameraInfo]:
        return list(self._cameras)
