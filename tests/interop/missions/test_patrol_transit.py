"""A patrol flown from where the drone is: the transit to it and the return home keep to
the home side, clear of every border's buffer, on the real Volyn border; refused with a
clear message when no such way exists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from kordon.config.loader import load_site
from kordon.geo.border import Border
from kordon.geo.frame import LocalFrame
from kordon.geo.sectors import BorderStretchSector
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.missions import (
    Command,
    Mission,
    MissionClearance,
    PatrolError,
    PatrolSpec,
    patrol_sector,
    plan_patrol,
)
from kordon.interop.missions.transit import home_side_route

SPEC = PatrolSpec(offset_m=300.0, buffer_m=100.0, altitude_m=80.0, speed_mps=10.0)
ROOT = Path(__file__).resolve().parents[3]
SITE = load_site(ROOT / "examples" / "volyn" / "site.yaml")
GEOMETRY = SiteGeometry.from_config(SITE)
BORDER: Border = GEOMETRY.borders["ua-by"]
LINE = shapely.LineString(BORDER.vertices_xy)


def _at(km: float, metres: float) -> tuple[float, float]:
    """(lat, lon) ``metres`` from the border at ``km`` along its normal: home side when
    positive, across when negative."""
    a, b = BORDER.point_at_km([km - 0.05, km + 0.05])
    d = (b - a) / np.linalg.norm(b - a)
    left = np.array([-d[1], d[0]])
    home = 1.0 if BORDER.home_side == BORDER.left_side else -1.0
    xy = BORDER.point_at_km([km])[0] + home * metres * left
    lon, lat = BORDER.frame.xy_to_lonlat(xy[None])[0]
    return float(lat), float(lon)


def _xy(latlon: tuple[float, float]) -> np.ndarray:
    out: np.ndarray = BORDER.frame.lonlat_to_xy([latlon[::-1]])[0]
    return out


# where the demo drone patrols (km 9.7-10.3 of s1, 150 m in) and its home; a drone far inland
DEMO = (_at(10.0, 150.0), _at(9.7, 150.0))
INLAND = (_at(8.0, 1500.0), None)


def _flown_xy(
    mission: Mission, launch: tuple[float, float], home: tuple[float, float]
) -> np.ndarray:
    """The path flown, built here from the items: launch, every navigation position, home
    at a return to launch."""
    points = [launch]
    for item in mission.items:
        if item.command == Command.NAV_RETURN_TO_LAUNCH:
            points.append(home)
        elif item.has_position:
            points.append((item.lat, item.lon))
    assert points[-1] == pytest.approx(home, abs=1e-12)  # it ends at home
    return np.stack([_xy(p) for p in points])


def _transit_and_return(mission: Mission) -> tuple[int, int]:
    """Waypoints flown before the patrol's first camera point (after the take-off) and
    after its camera release (before the waypoint over home and the landing there)."""
    commands = [i.command for i in mission.items]
    first = commands.index(Command.DO_SET_ROI_LOCATION)
    release = commands.index(Command.DO_SET_ROI_NONE)
    transit = [c for c in commands[1:first] if c == Command.NAV_WAYPOINT]
    assert commands[-2:] == [Command.NAV_WAYPOINT, Command.NAV_LAND]
    back = [c for c in commands[release:-2] if c == Command.NAV_WAYPOINT]
    return len(transit), len(back)


@pytest.mark.parametrize("sector_id", ["s1-tripoint", "s2-centre"])
@pytest.mark.parametrize(("launch", "home"), [DEMO, INLAND], ids=["demo-drone", "inland"])
def test_a_patrol_from_the_drone_goes_round_the_winding_border(
    sector_id: str, launch: tuple[float, float], home: tuple[float, float] | None
) -> None:
    sector = patrol_sector(SITE, GEOMETRY, sector_id)
    alone = plan_patrol(sector, [BORDER], SPEC)
    start = _xy((alone.home[0], alone.home[1]))
    end = home if home is not None else launch
    # the straight ways there and back come within the buffer (the case this is about) ...
    straight = shapely.LineString([_xy(launch), start, _xy(end)])
    assert float(shapely.distance(straight, LINE)) < SPEC.buffer_m

    mission = plan_patrol(sector, [BORDER], SPEC, launch_latlon=launch, home_latlon=home)

    # ... the flown path keeps the buffer everywhere, on the UA side (shapely, here)
    xy = _flown_xy(mission, launch, end)
    path = shapely.LineString(xy)
    assert not path.intersects(LINE)
    assert float(shapely.distance(path, LINE)) >= SPEC.buffer_m
    assert set(BORDER.side_names(xy)) == {"UA"}
    assert mission.home[:2] == launch
    # transit and return legs exist, and the patrol between them is the sector's mission
    transit, back = _transit_and_return(mission)
    assert transit >= 1
    assert back >= 1
    patrol = alone.items[2:-1]  # from the first camera point to the camera release
    first = 2 + transit
    assert mission.items[first : first + len(patrol)] == patrol
    assert mission.items[0].command == Command.NAV_TAKEOFF
    assert (mission.items[0].lat, mission.items[0].lon) == (0.0, 0.0)  # where it is
    land = mission.items[-1]
    assert (land.command, land.lat, land.lon) == (Command.NAV_LAND, *end)
    # and the mission's own check, as the uploader makes it from the mission's home
    assert MissionClearance(BORDER.frame, [BORDER], SPEC.buffer_m).check(mission) == []


def test_without_a_drone_the_sector_mission_is_unchanged() -> None:
    """The exported mission: take off at the patrol's start, patrol, return; no transit."""
    mission = plan_patrol(patrol_sector(SITE, GEOMETRY, "s1-tripoint"), [BORDER], SPEC)
    commands = [i.command for i in mission.items]
    assert commands[:3] == [
        Command.NAV_TAKEOFF,
        Command.DO_CHANGE_SPEED,
        Command.DO_SET_ROI_LOCATION,
    ]
    assert commands[-2:] == [Command.DO_SET_ROI_NONE, Command.NAV_RETURN_TO_LAUNCH]
    assert (mission.items[0].lat, mission.items[0].lon) == mission.home[:2]


def test_a_straight_way_that_is_clear_gets_no_transit() -> None:
    """Far inland opposite the patrol's start, the straight leg keeps the buffer."""
    sector = patrol_sector(SITE, GEOMETRY, "s3-east")
    alone = plan_patrol(sector, [BORDER], SPEC)
    start = _xy((alone.home[0], alone.home[1]))
    way = home_side_route(
        start + np.array([0.0, -2000.0]), start, [BORDER], along=BORDER, offset_m=300, keep_m=150
    )
    assert way.shape == (0, 2)


@pytest.mark.parametrize(
    ("launch", "home", "message"),
    [
        (_at(8.0, -500.0), None, "the drone is on the far side of the border"),
        (_at(8.0, 50.0), None, "the drone is 50 m from the border"),
        (_at(8.0, 1500.0), _at(12.0, -300.0), "the drone's home is on the far side"),
        ((91.0, 23.6), None, "the drone 91.0, 23.6 is not a WGS84 position"),
    ],
)
def test_a_drone_across_the_border_or_in_its_buffer_is_refused(
    launch: tuple[float, float], home: tuple[float, float] | None, message: str
) -> None:
    sector = patrol_sector(SITE, GEOMETRY, "s1-tripoint")
    with pytest.raises(PatrolError, match=message):
        plan_patrol(sector, [BORDER], SPEC, launch_latlon=launch, home_latlon=home)


def _neck() -> tuple[list[Border], BorderStretchSector, tuple[float, float]]:
    """Border A runs east along y = 0 (home north); border B along y = 1000 (home south)
    dips to y = 500 at x = -2500: the home side is a strip with a 500 m neck. The patrol
    is on A east of the neck; the drone west of it, mid-strip."""
    frame = LocalFrame(51.5, 24.0)
    a_xy = np.array([[-10_000.0, 0.0], [10_000.0, 0.0]])
    b_xy = np.array(
        [
            [-10_000.0, 1000.0],
            [-2600.0, 1000.0],
            [-2500.0, 500.0],
            [-2400.0, 1000.0],
            [10_000.0, 1000.0],
        ]
    )
    a = Border(
        "a", frame.xy_to_lonlat(a_xy), frame, left_side="UA", right_side="BY", home_side="UA"
    )
    b = Border(
        "b", frame.xy_to_lonlat(b_xy), frame, left_side="BY", right_side="UA", home_side="UA"
    )
    lon, lat = frame.xy_to_lonlat(np.array([[-6000.0, 500.0]]))[0]
    return [a, b], BorderStretchSector("east", a, 10.5, 14.5), (float(lat), float(lon))


def test_a_way_through_a_neck_wide_enough_is_planned() -> None:
    borders, sector, drone = _neck()
    spec = PatrolSpec(offset_m=300.0, buffer_m=150.0)
    mission = plan_patrol(sector, borders, spec, launch_latlon=drone)
    xy = np.asarray(MissionClearance(sector.border.frame, borders, 150.0).path_xy(mission))
    path = shapely.LineString(xy)
    for border in borders:
        assert float(shapely.distance(path, shapely.LineString(border.vertices_xy))) >= 150.0


def test_no_way_through_a_neck_narrower_than_the_buffer_is_refused() -> None:
    borders, sector, drone = _neck()
    spec = PatrolSpec(offset_m=300.0, buffer_m=260.0)
    plan_patrol(sector, borders, spec)  # the patrol alone is clear ...
    with pytest.raises(
        PatrolError,
        match=r"sector 'east': refused, no way from the drone to the patrol and back home "
        r"keeps 260 m from the border: leg \d+→\d+: comes within \d+ m of the border",
    ):
        plan_patrol(sector, borders, spec, launch_latlon=drone)  # ... the way to it is not
