"""``SiteView`` on the real Volyn example files: every map layer checked against the data
it comes from (the GeoJSON line, the sector km ranges, the buffer zone, the camera pose)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon, shape

from kordon.api.providers import GeoJson
from kordon.config.integrations import GroundSensor
from kordon.config.loader import load_site
from kordon.config.models import SiteConfig
from kordon.geo.frame import LocalFrame
from kordon.geo.site_geometry import SiteGeometry
from kordon.services.site_view import FOV_RANGE_M, SiteView, load_basemap_style
from tests.support.demo_site import volyn_copy

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteConfig:
    """The Volyn example plus a disabled camera and one without a georeference."""
    site_file = volyn_copy(tmp_path_factory.mktemp("volyn"))
    doc = yaml.safe_load(site_file.read_text(encoding="utf-8"))
    stream = {"kind": "stream", "url": "rtsp://10.0.0.9/s"}
    doc["cameras"] += [
        {"id": "cam-off", "name": "Off", "sector": "s1-tripoint", "enabled": False,
         "source": stream},
        {"id": "cam-plain", "name": "Plain", "sector": "s3-east", "source": stream},
    ]  # fmt: skip
    site_file.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return load_site(site_file)


@pytest.fixture(scope="module")
def view(site: SiteConfig) -> SiteView:
    return SiteView(site, SiteGeometry.from_config(site))


def _features(collection: GeoJson) -> list[dict[str, Any]]:
    """The features of a collection, as plain dicts to index into."""
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert isinstance(features, list)
    assert all(isinstance(f, dict) for f in features)
    return [dict(f) for f in features if isinstance(f, dict)]


def _file_line(site: SiteConfig) -> list[list[float]]:
    path = site.resolve_path(Path("border_ua_by_volyn.geojson"))
    doc = json.loads(path.read_text(encoding="utf-8"))
    geometry = doc["features"][0]["geometry"] if doc["type"] == "FeatureCollection" else doc
    geometry = geometry.get("geometry", geometry)
    coords: list[list[float]] = geometry["coordinates"]
    return coords


def _geodesic_km(coords: list[list[float]]) -> float:
    lons, lats = zip(*coords, strict=True)
    return float(GEOD.line_length(lons, lats)) / 1000.0


def test_the_border_layer_is_the_geojson_line_with_its_sides_and_length(
    view: SiteView, site: SiteConfig
) -> None:
    (feature,) = _features(view.borders())
    coords = feature["geometry"]["coordinates"]
    assert np.allclose(coords, _file_line(site), atol=1e-7)  # round trip via the site frame
    assert feature["properties"] == {
        "id": "ua-by",
        "name": "Ukraine–Belarus state border (Volyn stretch)",
        "left_side": "BY",
        "right_side": "UA",
        "home_side": "UA",
        "length_km": pytest.approx(_geodesic_km(_file_line(site)), rel=2e-3),
    }


def test_site_bounds_are_the_border_extent(view: SiteView, site: SiteConfig) -> None:
    info = view.site()
    line = np.asarray(_file_line(site))
    west, south = line.min(axis=0)
    east, north = line.max(axis=0)
    assert info.bounds_wsen == pytest.approx((west, south, east, north), abs=1e-7)
    assert (info.id, info.home_side, info.timezone) == ("volyn", "UA", "Europe/Kyiv")
    assert (info.origin_lat, info.origin_lon) == (51.6522, 23.6824)


def test_km_posts_lie_on_the_border_at_their_distance(view: SiteView, site: SiteConfig) -> None:
    posts = _features(view.km_posts(10.0))
    coords = _file_line(site)
    length_km = _geodesic_km(coords)
    kms = [p["properties"]["km"] for p in posts]
    assert kms == [10.0 * i for i in range(int(length_km // 10) + 1)]
    points = [p["geometry"]["coordinates"] for p in posts]
    assert points[0] == pytest.approx(coords[0], abs=1e-7)  # km 0 is the first vertex
    frame = LocalFrame(site.site.origin.lat, site.site.origin.lon)
    line_m = LineString(frame.lonlat_to_xy(coords))
    for point_m, km in zip(frame.lonlat_to_xy(points), kms, strict=True):
        assert line_m.distance(Point(point_m)) < 0.01  # on the line
        assert line_m.project(Point(point_m)) / 1000.0 == pytest.approx(km, abs=1e-3)
    assert len(_features(view.km_posts(0.0))) > len(posts)  # a zero step is clamped, not 0


def _sectors(view: SiteView) -> dict[str, dict[str, Any]]:
    return {f["properties"]["id"]: f for f in _features(view.sectors())}


def test_sectors_are_closed_outlines_with_their_names(view: SiteView) -> None:
    sectors = _sectors(view)
    assert set(sectors) == {"s1-tripoint", "s2-centre", "s3-east"}
    assert sectors["s2-centre"]["properties"] == {
        "id": "s2-centre",
        "name": "Central sector",
        "unit": "Border detachment 1",
    }
    for sector_id, feature in sectors.items():
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1], sector_id
        assert Polygon(ring).is_valid, sector_id


def test_each_sector_outline_covers_its_own_stretch_of_border(view: SiteView) -> None:
    sectors = _sectors(view)
    posts = {
        p["properties"]["km"]: Point(p["geometry"]["coordinates"])
        for p in _features(view.km_posts(5.0))
    }
    own = {"s1-tripoint": (5.0, 10.0, 15.0), "s2-centre": (25.0, 30.0, 35.0),
           "s3-east": (45.0, 50.0, 55.0)}  # fmt: skip
    far = {"s1-tripoint": 50.0, "s2-centre": 0.0, "s3-east": 10.0}
    for sector_id, kms in own.items():
        area = Polygon(sectors[sector_id]["geometry"]["coordinates"][0])
        assert all(area.contains(posts[km]) for km in kms), sector_id
        assert not area.contains(posts[far[sector_id]]), sector_id


def test_the_border_strip_zone_lies_on_the_home_side(view: SiteView, site: SiteConfig) -> None:
    (zone,) = _features(view.zones())
    assert zone["properties"] == {
        "id": "border-strip",
        "name": "500 m border strip (UA side)",
        "kind": "border_strip",
    }
    strip = Polygon(zone["geometry"]["coordinates"][0])
    geometry = SiteGeometry.from_config(site)
    border = geometry.borders["ua-by"]
    grid = np.mgrid[-2000:2001:100, -2000:2001:100].reshape(2, -1).T.astype(np.float64)
    signed = border.signed_distance_m(grid).distance_m  # > 0 left (BY), < 0 right (UA)
    clear = (np.abs(signed) > 20.0) & (np.abs(np.abs(signed) - 500.0) > 20.0)
    expected = (signed < 0) & (signed > -500.0)
    lonlat = geometry.frame.xy_to_lonlat(grid)
    got = np.array([strip.contains(Point(lon, lat)) for lon, lat in lonlat])
    assert expected[clear].sum() > 50  # the sample has points in the strip...
    assert (~expected[clear]).sum() > 50  # ...and outside it, on both sides
    assert np.array_equal(got[clear], expected[clear])


def test_cameras_are_the_enabled_ones_with_their_pose_and_field_of_view(
    view: SiteView, site: SiteConfig
) -> None:
    cameras = {c.id: c for c in view.cameras()}
    assert set(cameras) == {"cam-1", "cam-2", "cam-plain"}  # cam-off is disabled
    plain = cameras["cam-plain"]
    assert (plain.position_lat, plain.position_lon, plain.fov) == (None, None, None)
    assert not plain.georeferenced
    cam = cameras["cam-1"]
    assert (cam.position_lat, cam.position_lon) == (51.543484, 23.647975)
    assert (cam.sector_id, cam.kind) == (site.cameras[0].sector, "visible")
    assert cam.fov is not None
    fov = shape(cam.fov)
    assert isinstance(fov, Polygon)
    # the camera looks along yaw 228°: ground 300 m ahead is in view, behind it is not
    for bearing, distance_m, inside in ((228.0, 300.0, True), (48.0, 300.0, False)):
        lon, lat, _ = GEOD.fwd(cam.position_lon, cam.position_lat, bearing, distance_m)
        assert fov.contains(Point(lon, lat)) is inside, bearing
    far_lons, far_lats = zip(*fov.exterior.coords, strict=True)
    reach = GEOD.inv(
        [cam.position_lon] * len(far_lons), [cam.position_lat] * len(far_lats), far_lons, far_lats
    )[2]
    assert max(reach) == pytest.approx(FOV_RANGE_M, rel=0.05)


def test_ground_sensors_are_points_with_their_detection_disc(
    view: SiteView, site: SiteConfig
) -> None:
    features = _features(view.sensors())
    assert [(f["properties"]["id"], f["properties"]["role"]) for f in features] == [
        ("ugs-1", "area"),
        ("ugs-1", "device"),
        ("radar-1", "device"),
    ]
    sensor = site.sensors[0]
    assert isinstance(sensor, GroundSensor)
    assert features[1]["geometry"]["coordinates"] == [sensor.lon, sensor.lat]
    assert features[1]["properties"]["sensor_type"] == "seismic"
    ring = features[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]
    distances = [GEOD.inv(sensor.lon, sensor.lat, lon, lat)[2] for lon, lat in ring]
    assert min(distances) == pytest.approx(40.0, abs=0.2)
    assert max(distances) == pytest.approx(40.0, abs=0.2)


def test_the_basemap_style_ships_with_its_sources_inlined() -> None:
    style = load_basemap_style()
    assert style["version"] == 8
    sources = style["sources"]
    assert isinstance(sources, dict)
    assert sources
    for name, source in sources.items():
        assert isinstance(source, dict)
        if source.get("type") == "geojson":
            data = source["data"]
            assert isinstance(data, dict), name  # a file name was replaced by its content
            assert data["type"] in ("FeatureCollection", "Feature"), name
    layers = style["layers"]
    assert isinstance(layers, list)
    used = {layer["source"] for layer in layers if isinstance(layer, dict) and "source" in layer}
    assert used <= set(sources)


def test_a_given_basemap_is_served_without_reading_the_package(site: SiteConfig) -> None:
    custom: GeoJson = {"version": 8, "sources": {}, "layers": []}
    view = SiteView(site, SiteGeometry.from_config(site), basemap=custom)
    assert view.basemap_style() is custom
