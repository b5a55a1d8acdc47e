"""``SiteGeometry`` from the Volyn example: frame, border sides, sectors, zones, cameras."""

from __future__ import annotations

import numpy as np
import pytest

from kordon.config.site import SiteConfig
from kordon.geo.camera_pose import PinholeCamera
from kordon.geo.homography import HomographyCamera
from kordon.geo.site_geometry import SiteGeometry, SiteGeometryError
from tests.geostage.helpers import pose_gcps, with_georeference


def test_border_sectors_and_zones_in_metres(volyn_geometry: SiteGeometry) -> None:
    border = volyn_geometry.borders["ua-by"]
    assert border.home_side == "UA"
    assert 59.0 < border.length_km < 61.0
    km10 = border.point_at_km(10.0)
    assert volyn_geometry.sectors.sector_of(km10).tolist() == ["s1-tripoint"]
    assert volyn_geometry.sectors.sector_of(border.point_at_km(30.0)).tolist() == ["s2-centre"]
    strip = volyn_geometry.zones["border-strip"]
    assert strip.dwell_s == 120
    # Points 100 m into Ukraine are inside the 500 m strip; into Belarus, or 800 m in, not.
    import shapely

    polygon = shapely.Polygon(strip.polygon_xy)
    a, b = border.point_at_km([10.0, 10.01])
    t = (b - a) / np.linalg.norm(b - a)
    right = np.array([t[1], -t[0]])  # UA lies right of the line
    assert polygon.contains(shapely.Point(a + 100 * right))
    assert not polygon.contains(shapely.Point(a - 100 * right))
    assert not polygon.contains(shapely.Point(a + 800 * right))


def test_pose_camera_model_sees_the_border_200_m_away(
    volyn: SiteConfig, volyn_geometry: SiteGeometry
) -> None:
    camera = volyn_geometry.camera_model(volyn.camera("cam-1"))
    assert isinstance(camera, PinholeCamera)
    border = volyn_geometry.borders["ua-by"]
    cam_xy = camera.position_m[:2].reshape(1, 2)
    res = border.signed_distance_m(cam_xy)
    assert res.distance_m[0] == pytest.approx(-200.0, abs=1.0)  # 200 m into Ukraine
    assert float(border.km_post(res.along_m)[0]) == pytest.approx(10.0, abs=0.01)
    uv, ok = camera.ground_to_pixel(border.point_at_km(10.0))
    assert bool(ok[0])
    assert uv[0, 0] == pytest.approx(640.0, abs=5.0)
    assert 400.0 < uv[0, 1] < 500.0  # lower middle of the 720 px image


def test_control_points_give_a_homography_camera(
    volyn: SiteConfig, volyn_geometry: SiteGeometry
) -> None:
    pose = volyn_geometry.camera_model(volyn.camera("cam-1"))
    assert isinstance(pose, PinholeCamera)
    gcps = pose_gcps(pose, volyn_geometry.frame)
    site = with_georeference(
        volyn,
        "cam-1",
        {
            "kind": "control_points",
            "points": [{"pixel": [g.u_px, g.v_px], "lat": g.lat, "lon": g.lon} for g in gcps],
        },
    )
    camera = volyn_geometry.camera_model(site.camera("cam-1"))
    assert isinstance(camera, HomographyCamera)
    probe = np.array([[640.0, 446.0], [300.0, 600.0]])
    np.testing.assert_allclose(
        camera.pixel_to_ground(probe).xy_m, pose.pixel_to_ground(probe).xy_m, atol=0.05
    )


def test_bad_georeferences_name_the_camera(volyn: SiteConfig, volyn_geometry: SiteGeometry) -> None:
    line = [{"pixel": [100 * i, 100 * i], "lat": 51.54 + 0.001 * i, "lon": 23.64} for i in range(5)]
    site = with_georeference(volyn, "cam-1", {"kind": "control_points", "points": line})
    with pytest.raises(SiteGeometryError, match=r"camera 'cam-1'.*collinear"):
        volyn_geometry.camera_model(site.camera("cam-1"))
    sky = volyn.camera("cam-1").georeference.model_dump()  # type: ignore[union-attr]
    sky["pitch_deg"] = 45.0
    sky["hfov_deg"] = 20.0
    site = with_georeference(volyn, "cam-1", sky)
    with pytest.raises(SiteGeometryError, match=r"camera 'cam-1'.*sky"):
        volyn_geometry.camera_model(site.camera("cam-1"))
    no_georef = volyn.camera("cam-1").model_copy(update={"georeference": None})
    assert volyn_geometry.camera_model(no_georef) is None


def test_unknown_border_of_a_sector_is_named(volyn: SiteConfig) -> None:
    data = volyn.model_dump(mode="json")
    data["borders"][0]["coordinates"] = [[23.6, 51.5], [23.6, 51.5]]
    data["borders"][0]["geometry_file"] = None
    site = SiteConfig.model_validate(data).with_base_dir(volyn.base_dir)
    with pytest.raises(SiteGeometryError, match="border 'ua-by'"):
        SiteGeometry.from_config(site)
