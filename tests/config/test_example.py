"""The shipped Volyn example loads and describes the real border correctly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point

from kordon.config.border_geometry import border_lonlat
from kordon.config.camera import PoseGeoref, SimulatorSource
from kordon.config.image_rules import LineRuleConfig
from kordon.config.loader import load_site
from kordon.config.site import SiteConfig
from kordon.geo.frame import LocalFrame


@pytest.fixture(scope="module")
def volyn(repo_root: Path) -> SiteConfig:
    return load_site(repo_root / "examples" / "volyn" / "site.yaml")


def test_example_loads_with_expected_content(volyn: SiteConfig, repo_root: Path) -> None:
    assert volyn.site.id == "volyn"
    assert volyn.site.timezone == "Europe/Kyiv"
    assert [s.id for s in volyn.sectors] == ["s1-tripoint", "s2-centre", "s3-east"]
    assert [(s.from_km, s.to_km) for s in volyn.sectors] == [(0, 20), (20, 40), (40, 60)]
    zone = volyn.zones[0]
    assert zone.kind == "border_strip"
    assert zone.buffer is not None
    assert (zone.buffer.width_m, zone.buffer.side) == (500, "home")
    camera = volyn.camera("cam-1")
    assert isinstance(camera.source, SimulatorSource)
    assert isinstance(camera.georeference, PoseGeoref)
    assert camera.georeference.pitch_deg == -4.35
    assert camera.analytics.fps == 5
    assert camera.recording.enabled
    assert isinstance(camera.rules[0], LineRuleConfig)
    example_dir = (repo_root / "examples" / "volyn").resolve()
    assert volyn.base_dir == example_dir
    assert volyn.database_url() == f"sqlite:///{example_dir.as_posix()}/var/volyn/kordon.db"


def test_example_border_stretch_and_sides(volyn: SiteConfig) -> None:
    frame = LocalFrame(volyn.site.origin.lat, volyn.site.origin.lon)
    border = volyn.borders[0]
    lonlat = border_lonlat(border, volyn.base_dir, frame)
    assert lonlat[0] == pytest.approx([23.6178, 51.5080], abs=1e-3)  # UA–BY–PL tripoint
    line = LineString(frame.lonlat_to_xy(lonlat))
    assert line.length == pytest.approx(60_200, abs=50)
    assert line.distance(Point(0.0, 0.0)) < 1.0  # origin lies on the border

    def side(lon: float, lat: float) -> str:
        p = Point(frame.lonlat_to_xy([[lon, lat]])[0])
        s = line.project(p)
        a, b = line.interpolate(max(s - 5, 0)), line.interpolate(s + 5)
        cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
        return border.sides.left if cross > 0 else border.sides.right

    assert side(23.93, 51.49) == "UA"  # Shatsk, Ukraine
    assert side(23.60, 51.745) == "BY"  # Domachevo, Belarus
    assert border.home_side == "UA"


def test_example_geojson_carries_attribution(repo_root: Path) -> None:
    doc = json.loads((repo_root / "examples/volyn/border_ua_by_volyn.geojson").read_text())
    assert doc["type"] == "Feature"
    assert "OpenStreetMap contributors" in doc["properties"]["source"]
    assert doc["properties"]["licence"].startswith("ODbL-1.0")
    assert (repo_root / "examples/volyn/DATA_LICENSE.md").read_text().count("ODbL") >= 1


def test_packaged_border_matches_shared_copy(repo_root: Path, shared_data: Path) -> None:
    packaged = repo_root / "src/kordon/data/border_UKR_BLR_osm10m.geojson"
    assert packaged.read_bytes() == (shared_data / "border_UKR_BLR_osm10m.geojson").read_bytes()
