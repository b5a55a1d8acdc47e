"""``kordon camera calibrate``: table, overlay, field of view, write-back, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from kordon.cli.main import app
from kordon.config.camera import ControlPointsGeoref
from kordon.config.loader import load_site
from kordon.config.site import SiteConfig
from kordon.geo.camera_pose import PinholeCamera
from kordon.geo.site_geometry import SiteGeometry
from tests.geostage.helpers import pose_gcps

runner = CliRunner()


@pytest.fixture
def site_copy(tmp_path: Path, volyn_path: Path) -> Path:
    for name in ("site.yaml", "border_ua_by_volyn.geojson"):
        shutil.copy(volyn_path.parent / name, tmp_path / name)
    return tmp_path / "site.yaml"


@pytest.fixture(scope="module")
def point_args(volyn: SiteConfig, volyn_geometry: SiteGeometry) -> list[str]:
    camera = volyn_geometry.camera_model(volyn.camera("cam-1"))
    assert isinstance(camera, PinholeCamera)
    args: list[str] = []
    for g in pose_gcps(camera, volyn_geometry.frame):
        args += ["--point", f"{g.u_px},{g.v_px},{g.lat:.8f},{g.lon:.8f}"]
    return args


def test_calibrate_writes_overlay_fov_and_points(
    site_copy: Path, point_args: list[str], tmp_path: Path
) -> None:
    overlay = tmp_path / "overlay.png"
    fov = tmp_path / "fov.geojson"
    before = site_copy.read_text(encoding="utf-8")
    result = runner.invoke(
        app,
        ["camera", "calibrate", str(site_copy), "cam-1", *point_args,
         "--overlay", str(overlay), "--fov", str(fov), "--write"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "RMS error" in result.output
    rms_m = float(result.output.split("RMS error (inliers):")[1].split("m,")[0])
    assert rms_m < 0.05
    image = cv2.imread(str(overlay))
    assert image is not None
    assert image.shape == (720, 1280, 3)
    border_px = np.all(image == (0, 215, 255), axis=2)  # the border drawn across the view
    rows = np.flatnonzero(border_px.any(axis=1))
    assert rows.size
    assert 400 < rows.mean() < 500
    feature = json.loads(fov.read_text(encoding="utf-8"))
    ring = np.asarray(feature["geometry"]["coordinates"][0])
    assert ring.shape[0] >= 4
    assert np.allclose(ring[0], ring[-1])
    site = load_site(site_copy)
    georef = site.camera("cam-1").georeference
    assert isinstance(georef, ControlPointsGeoref)
    assert len(georef.points) == 6
    after = site_copy.read_text(encoding="utf-8")
    assert "# Check it with:  kordon config check" in after  # comments survive
    assert after.split("georeference:")[0] == before.split("georeference:")[0]
    assert after.split("    recording:")[1] == before.split("    recording:")[1]


def test_pose_camera_overlay_without_points(site_copy: Path, tmp_path: Path) -> None:
    overlay = tmp_path / "pose.png"
    result = runner.invoke(
        app, ["camera", "calibrate", str(site_copy), "cam-1", "--overlay", str(overlay)]
    )
    assert result.exit_code == 0, result.output
    assert overlay.is_file()
    assert '"Polygon"' in result.output


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (["100,500,51.542,23.645", "900,500,51.542,23.646", "500,650,51.543,23.646"],
         "at least 4"),
        ([f"{100 * i},{400 + 50 * i},{51.542 + 0.0001 * i},23.645" for i in range(5)],
         "collinear"),
        (["100,500,51.542,23.645", "100,500,51.542,23.645", "900,500,51.542,23.646",
          "500,650,51.543,23.646"], "same"),
        (["100,500,51.542"], "4 numbers"),
        (["100,500,91.0,23.6"], "out of range"),
    ],
)  # fmt: skip
def test_bad_point_sets_exit_2(site_copy: Path, points: list[str], message: str) -> None:
    args = [a for p in points for a in ("--point", p)]
    result = runner.invoke(app, ["camera", "calibrate", str(site_copy), "cam-1", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "cam-1" in result.output or "--point" in result.output


def test_pose_looking_at_the_sky_exit_2(site_copy: Path) -> None:
    text = site_copy.read_text(encoding="utf-8").replace("pitch_deg: -4.35", "pitch_deg: 40")
    site_copy.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["camera", "calibrate", str(site_copy), "cam-1"])
    assert result.exit_code == 2
    assert "cam-1" in result.output
    assert "sky" in result.output


def test_points_csv_with_a_bad_row_names_the_line(site_copy: Path, tmp_path: Path) -> None:
    csv = tmp_path / "points.csv"
    csv.write_text("u,v,lat,lon\n100,500,51.5,23.6\n# comment\n1,2,x,4\n", encoding="utf-8")
    result = runner.invoke(
        app, ["camera", "calibrate", str(site_copy), "cam-1", "--points", str(csv)]
    )
    assert result.exit_code == 2
    assert "points.csv:4" in result.output
