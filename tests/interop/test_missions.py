"""Patrol planning, .plan / WPL files (checked with pymavlink's loader), border clearance."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from pymavlink import mavwp  # type: ignore[import-untyped]

from kordon.config.loader import load_site
from kordon.config.site import SiteConfig
from kordon.geo.border import Border
from kordon.geo.frame import LocalFrame
from kordon.geo.sectors import BorderStretchSector
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.missions import (
    Command,
    Mission,
    MissionClearance,
    MissionError,
    MissionItem,
    PatrolError,
    PatrolSpec,
    patrol_sector,
    plan_patrol,
    read_mission,
    write_mission,
)

SPEC = PatrolSpec(offset_m=300.0, buffer_m=100.0, altitude_m=90.0, speed_mps=12.0)


@pytest.fixture(scope="module")
def volyn(repo_root: Path) -> tuple[SiteConfig, SiteGeometry]:
    site = load_site(repo_root / "examples" / "volyn" / "site.yaml")
    return site, SiteGeometry.from_config(site)


@pytest.fixture(scope="module")
def patrol(volyn: tuple[SiteConfig, SiteGeometry]) -> Mission:
    site, geometry = volyn
    return plan_patrol(
        patrol_sector(site, geometry, "s2-centre"), list(geometry.borders.values()), SPEC
    )


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-7)


def test_patrol_stays_on_the_home_side_clear_of_the_buffer(
    volyn: tuple[SiteConfig, SiteGeometry], patrol: Mission
) -> None:
    _, geometry = volyn
    border = geometry.borders["ua-by"]
    path = np.asarray(patrol.flight_path())
    xy = geometry.frame.lonlat_to_xy(path[:, ::-1])
    line = shapely.LineString(border.vertices_xy)
    legs = [shapely.LineString(xy[i : i + 2]) for i in range(1, len(xy) - 1)]
    distances = [float(shapely.distance(leg, line)) for leg in legs]
    assert min(distances) >= SPEC.buffer_m
    assert set(border.side_names(xy)) == {"UA"}
    # Out along the sector and back: the route ends where it started.
    assert tuple(path[1]) == tuple(path[-2])
    km = border.km_post(border.signed_distance_m(xy).along_m)
    assert km.min() == pytest.approx(20.0, abs=0.5)
    assert km.max() == pytest.approx(40.0, abs=0.5)


def test_patrol_points_the_camera_at_the_border(
    volyn: tuple[SiteConfig, SiteGeometry], patrol: Mission
) -> None:
    _, geometry = volyn
    border = geometry.borders["ua-by"]
    items = patrol.items
    waypoints = [i for i, it in enumerate(items) if it.command == Command.NAV_WAYPOINT]
    assert waypoints
    for i in waypoints:
        roi = items[i - 1]
        assert roi.command == Command.DO_SET_ROI_LOCATION
        roi_xy = geometry.frame.lonlat_to_xy(np.array([[roi.lon, roi.lat]]))
        assert abs(border.signed_distance_m(roi_xy).distance_m[0]) < 1.0
        assert items[i].alt_m == SPEC.altitude_m
    speed = next(it for it in items if it.command == Command.DO_CHANGE_SPEED)
    assert speed.params[1] == SPEC.speed_mps
    assert items[-1].command == Command.NAV_RETURN_TO_LAUNCH


def test_wpl_export_loads_back_with_pymavlink(patrol: Mission, tmp_path: Path) -> None:
    path = tmp_path / "patrol.waypoints"
    write_mission(patrol, path)
    loader = mavwp.MAVWPLoader()
    assert loader.load(str(path)) == len(patrol.items) + 1
    home = loader.wp(0)
    assert (home.x, home.y) == pytest.approx(patrol.home[:2])
    for seq, item in enumerate(patrol.items, start=1):
        wp = loader.wp(seq)
        assert (wp.seq, wp.command, wp.frame) == (seq, item.command, item.frame)
        got = (wp.param1, wp.param2, wp.param3, wp.param4, wp.x, wp.y, wp.z)
        assert all(_same(g, e) for g, e in zip(got, item.params, strict=True)), seq
    _assert_same(read_mission(path), patrol, abs_tol=1e-8)


def test_plan_export_is_a_qgc_plan_and_loads_back(patrol: Mission, tmp_path: Path) -> None:
    path = tmp_path / "patrol.plan"
    write_mission(patrol, path)
    doc = json.loads(path.read_text())
    assert (doc["fileType"], doc["version"]) == ("Plan", 1)
    raw = doc["mission"]["items"]
    assert len(raw) == len(patrol.items)
    assert {r["type"] for r in raw} == {"SimpleItem"}
    assert doc["mission"]["plannedHomePosition"] == list(patrol.home)
    for r, item in zip(raw, patrol.items, strict=True):
        assert (r["command"], r["frame"]) == (item.command, item.frame)
        params = [math.nan if p is None else p for p in r["params"]]
        assert all(_same(g, e) for g, e in zip(params, item.params, strict=True))
    back = read_mission(path)
    _assert_same(back, patrol, abs_tol=0.0)
    assert back.cruise_speed_mps == patrol.cruise_speed_mps


def _assert_same(got: Mission, expected: Mission, *, abs_tol: float) -> None:
    """Items and home equal up to ``abs_tol`` (a WPL file keeps 8 decimals); NaN == NaN."""
    assert got.home == pytest.approx(expected.home, abs=abs_tol)
    assert len(got.items) == len(expected.items)
    for a, b in zip(got.items, expected.items, strict=True):
        assert (a.command, a.frame, a.autocontinue) == (b.command, b.frame, b.autocontinue)
        assert [math.isnan(p) for p in a.params] == [math.isnan(p) for p in b.params]
        assert np.nan_to_num(a.params) == pytest.approx(np.nan_to_num(b.params), abs=abs_tol)


def test_shared_files_load(shared_data: Path, tmp_path: Path) -> None:
    plan = read_mission(shared_data / "mavlink" / "ArduPilotSITL-ArduCopter.plan")
    assert plan.home == (-35.363261, 149.16523, 584.0)
    assert [it.command for it in plan.items][:3] == [22, 16, 178]
    assert len(plan.items) == 11
    wpl_path = shared_data / "mavlink" / "Dalby-OBC2016.waypoints.txt"
    wpl = read_mission(wpl_path)
    loader = mavwp.MAVWPLoader()
    assert loader.load(str(wpl_path)) == len(wpl.items) + 1
    assert [loader.wp(i + 1).command for i in range(len(wpl.items))] == [
        it.command for it in wpl.items
    ]
    assert wpl.home[:2] == pytest.approx((-27.274439, 151.290070))
    out = tmp_path / "dalby.waypoints"
    write_mission(wpl, out)
    _assert_same(read_mission(out), wpl, abs_tol=1e-8)


def _hairpin() -> tuple[Border, BorderStretchSector]:
    """A border going 5 km east, 400 m north and back west: UA (home) inside the bend."""
    frame = LocalFrame(51.5, 24.0)
    xy = np.array([[0.0, 0.0], [5000.0, 0.0], [5000.0, 400.0], [0.0, 400.0]])
    border = Border(
        "hp", frame.xy_to_lonlat(xy), frame, left_side="UA", right_side="BY", home_side="UA"
    )
    return border, BorderStretchSector("arm", border, 0.5, 4.5)


@pytest.mark.parametrize(
    ("offset_m", "reason"),
    [
        (350.0, "comes within 50 m of the border"),  # inside the bend, near the other arm
        (500.0, "lies on the BY side"),  # past the other arm: abroad
    ],
)
def test_patrol_in_a_hairpin_bend_is_refused(offset_m: float, reason: str) -> None:
    border, sector = _hairpin()
    spec = PatrolSpec(offset_m=offset_m, buffer_m=100.0)
    with pytest.raises(PatrolError, match=f"sector 'arm': refused.*leg .*{reason}"):
        plan_patrol(sector, [border], spec)


def test_patrol_in_a_hairpin_bend_with_room_is_planned() -> None:
    border, sector = _hairpin()
    mission = plan_patrol(sector, [border], PatrolSpec(offset_m=200.0, buffer_m=100.0))
    clearance = MissionClearance(border.frame, [border], 100.0)
    assert clearance.check(mission) == []


def test_check_finds_a_leg_across_the_border(
    patrol: Mission, volyn: tuple[SiteConfig, SiteGeometry]
) -> None:
    _, geometry = volyn
    border = geometry.borders["ua-by"]
    # 2 km off the line at km 30, on the BY side (BY is left of the line as digitised).
    d = border.signed_distance_m(border.point_at_km(30.0) + np.array([[0.0, 2000.0]]))
    north = 2000.0 if d.distance_m[0] > 0 else -2000.0
    abroad = geometry.frame.xy_to_lonlat(border.point_at_km(30.0) + np.array([[0.0, north]]))
    lon, lat = float(abroad[0, 0]), float(abroad[0, 1])
    wp = MissionItem(16, 3, (0.0, 0.0, 0.0, 0.0, lat, lon, 90.0))
    bad = Mission(patrol.home, (*patrol.items[:10], wp, *patrol.items[10:]))
    clearance = MissionClearance(geometry.frame, [border], 100.0)
    violations = clearance.check(bad)
    assert [v.reason for v in violations] == ["crosses the border", "crosses the border"]
    assert clearance.check(patrol) == []


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("m.kml", "", "unknown mission file extension '.kml'"),
        ("m.plan", "{", "not JSON"),
        (
            "m.plan",
            '{"fileType": "Plan", "version": 1, "mission": {"items": [{"type": "ComplexItem"}], '
            '"plannedHomePosition": [0, 0, 0]}}',
            "ComplexItem",
        ),
        ("m.plan", '{"fileType": "Mission"}', "fileType must be 'Plan'"),
        ("m.waypoints", "QGC WPL 120\n", "not a WPL 110 file"),
        ("m.waypoints", "QGC WPL 110\n0\t1\t0\t16\n", "expected 12 columns"),
        ("m.waypoints", "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\tx\t0\t0\t1\n", "not a number"),
        ("m.waypoints", "QGC WPL 110\n1\t1\t0\t16\t0\t0\t0\t0\t1\t1\t0\t1\n", "out of order"),
    ],
)
def test_bad_mission_files_are_refused(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(MissionError, match=message):
        read_mission(path)


def test_patrol_options_are_checked(volyn: tuple[SiteConfig, SiteGeometry]) -> None:
    site, geometry = volyn
    with pytest.raises(
        PatrolError, match=r"unknown sector 'x' \(valid: s1-tripoint, s2-centre, s3-east\)"
    ):
        patrol_sector(site, geometry, "x")
    stretch = patrol_sector(site, geometry, "s1-tripoint")
    with pytest.raises(PatrolError, match="must be larger than the buffer"):
        plan_patrol(
            stretch, list(geometry.borders.values()), PatrolSpec(offset_m=50.0, buffer_m=100.0)
        )
