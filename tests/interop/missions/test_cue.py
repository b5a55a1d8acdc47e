"""'Send drone': cue missions to incidents on the Volyn demo site never cross the border."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.config.loader import load_site
from kordon.geo.border import Border
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.missions import Command, Mission, MissionClearance
from kordon.interop.missions.cue import Cue, CueError, CueSpec, plan_cue
from kordon.interop.missions.files import read_mission, write_mission

SPEC = CueSpec(buffer_m=100.0, margin_m=50.0, altitude_m=80.0, loiter_s=90.0)
ROOT = Path(__file__).resolve().parents[3]
GEOMETRY = SiteGeometry.from_config(load_site(ROOT / "examples" / "volyn" / "site.yaml"))
BORDER: Border = GEOMETRY.borders["ua-by"]
LINE = shapely.LineString(BORDER.vertices_xy)


def _home_normal(km: float) -> np.ndarray:
    """Unit vector across the border towards Ukraine at ``km``."""
    a, b = BORDER.point_at_km([max(km - 0.2, 0.0), min(km + 0.2, BORDER.length_km)])
    d = (b - a) / np.hypot(*(b - a))
    left = np.array([-d[1], d[0]])
    return left if BORDER.home_side == BORDER.left_side else -left


def _latlon(xy: np.ndarray) -> tuple[float, float]:
    lon, lat = GEOMETRY.frame.xy_to_lonlat(xy[None])[0]
    return float(lat), float(lon)


def _launch(km: float) -> tuple[float, float]:
    """A launch point 2.5 km inland at ``km`` (checked to be well clear)."""
    xy = BORDER.point_at_km(km)[0] + 2_500.0 * _home_normal(km)
    assert BORDER.side_names(xy[None])[0] == "UA"
    return _latlon(xy)


LAUNCH_KM = (8.0, 20.0, 30.0, 40.0, 52.0)
LAUNCHES = {km: _launch(km) for km in LAUNCH_KM}


def _cue(incident: tuple[float, float], launch: tuple[float, float]) -> Cue:
    return plan_cue(
        incident_lat=incident[0],
        incident_lon=incident[1],
        launch_lat=launch[0],
        launch_lon=launch[1],
        borders=[BORDER],
        spec=SPEC,
    )


def _path_xy(mission: Mission) -> np.ndarray:
    path = np.asarray(mission.flight_path())
    return GEOMETRY.frame.lonlat_to_xy(path[:, ::-1])


def _assert_never_crosses(cue: Cue) -> None:
    xy = _path_xy(cue.mission)
    path = shapely.LineString(xy)
    assert not path.intersects(LINE)
    assert float(shapely.distance(path, LINE)) >= SPEC.buffer_m - 1e-6
    assert set(BORDER.side_names(xy)) == {"UA"}
    assert MissionClearance(GEOMETRY.frame, [BORDER], SPEC.buffer_m).check(cue.mission) == []
    loiter = GEOMETRY.frame.lonlat_to_xy([cue.loiter_latlon[::-1]])
    assert (
        BORDER.signed_distance_m(loiter).distance_m[0]
        * (1 if BORDER.home_side == BORDER.left_side else -1)
        >= SPEC.keep_m - 1e-6
    )


@settings(max_examples=120, deadline=None)
@given(
    km=st.floats(1.0, 59.0),
    across_m=st.floats(-3_000.0, 3_000.0),
    along_m=st.floats(-500.0, 500.0),
    launch_km=st.sampled_from(LAUNCH_KM),
)
def test_a_cue_to_any_incident_never_crosses_the_border(
    km: float, across_m: float, along_m: float, launch_km: float
) -> None:
    normal = _home_normal(km)
    tangent = np.array([normal[1], -normal[0]])
    incident = _latlon(BORDER.point_at_km(km)[0] + across_m * normal + along_m * tangent)
    try:
        cue = _cue(incident, LAUNCHES[launch_km])
    except CueError:
        return  # refused, with its reason: acceptable; a crossing mission is not
    _assert_never_crosses(cue)
    assert cue.standoff_m <= SPEC.max_standoff_m
    roi = next(i for i in cue.mission.items if i.command == Command.DO_SET_ROI_LOCATION)
    assert (roi.lat, roi.lon) == incident


@pytest.mark.parametrize("km", [8.0, 20.0, 30.0, 40.0, 52.0])
@pytest.mark.parametrize("across_m", [-1_000.0, -300.0, -50.0, 0.0, 60.0, 400.0, 1_500.0])
def test_incidents_near_the_launch_are_served_from_the_home_side(
    km: float, across_m: float
) -> None:
    point = BORDER.point_at_km(km)[0]
    incident_xy = point + across_m * _home_normal(km)
    cue = _cue(_latlon(incident_xy), LAUNCHES[km])
    _assert_never_crosses(cue)
    if across_m != 0.0:  # exactly on the line: either side within rounding
        assert cue.incident_across == (across_m < 0)
    loiter = GEOMETRY.frame.lonlat_to_xy([cue.loiter_latlon[::-1]])[0]
    if across_m >= SPEC.keep_m + 5:
        assert cue.standoff_m == 0.0  # clear of the border: loiter right over it
    else:
        # across or near the border: as close as the margin allows, on the home side
        assert cue.standoff_m <= SPEC.keep_m - across_m + 2 * SPEC.ring_step_m
        assert np.hypot(*(loiter - incident_xy)) == pytest.approx(cue.standoff_m, abs=1e-6)
    commands = [Command(i.command) for i in cue.mission.items]
    assert commands == [
        Command.NAV_TAKEOFF,
        Command.DO_CHANGE_SPEED,
        Command.NAV_WAYPOINT,
        Command.DO_SET_ROI_LOCATION,
        Command.NAV_LOITER_TIME,
        Command.DO_SET_ROI_NONE,
        Command.NAV_WAYPOINT,
        Command.NAV_RETURN_TO_LAUNCH,
    ]
    loiter_item = cue.mission.items[4]
    assert loiter_item.params[0] == SPEC.loiter_s
    assert loiter_item.alt_m == SPEC.altitude_m


def test_a_cue_mission_round_trips_through_plan_and_wpl_files(tmp_path: Path) -> None:
    cue = _cue(_latlon(BORDER.point_at_km(30.0)[0] - 400 * _home_normal(30.0)), LAUNCHES[30.0])
    for name in ("cue.plan", "cue.waypoints"):
        write_mission(cue.mission, tmp_path / name)
        back = read_mission(tmp_path / name)
        assert [i.command for i in back.items] == [i.command for i in cue.mission.items]
        assert MissionClearance(GEOMETRY.frame, [BORDER], SPEC.buffer_m).check(back) == []


def test_an_incident_deep_across_the_border_is_out_of_reach() -> None:
    deep = _latlon(BORDER.point_at_km(30.0)[0] - 5_000.0 * _home_normal(30.0))
    with pytest.raises(CueError, match="out of reach"):
        _cue(deep, LAUNCHES[30.0])


def test_a_launch_point_across_or_near_the_border_is_refused() -> None:
    incident = _latlon(BORDER.point_at_km(30.0)[0] + 800.0 * _home_normal(30.0))
    across = _latlon(BORDER.point_at_km(30.0)[0] - 500.0 * _home_normal(30.0))
    with pytest.raises(CueError, match="far side"):
        _cue(incident, across)
    near = _latlon(BORDER.point_at_km(30.0)[0] + 40.0 * _home_normal(30.0))
    with pytest.raises(CueError, match="40 m from a border"):
        _cue(incident, near)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (CueSpec(altitude_m=0.0), "altitude"),
        (CueSpec(buffer_m=-1.0), "buffer"),
        (CueSpec(loiter_s=math.inf), "finite"),
        (CueSpec(speed_mps=500.0), "speed"),
        (CueSpec(max_standoff_m=0.0), "max_standoff_m"),
    ],
)
def test_bad_options_and_positions_are_refused(spec: CueSpec, message: str) -> None:
    incident = _latlon(BORDER.point_at_km(30.0)[0] + 800.0 * _home_normal(30.0))
    with pytest.raises(CueError, match=message):
        plan_cue(
            incident_lat=incident[0],
            incident_lon=incident[1],
            launch_lat=LAUNCHES[30.0][0],
            launch_lon=LAUNCHES[30.0][1],
            borders=[BORDER],
            spec=spec,
        )


def test_positions_that_are_not_wgs84_are_refused() -> None:
    with pytest.raises(CueError, match="not a WGS84 position"):
        _cue((math.nan, 23.7), LAUNCHES[30.0])
    with pytest.raises(CueError, match="not a WGS84 position"):
        _cue((51.6, 23.7), (95.0, 23.7))
    with pytest.raises(CueError, match="borders"):
        plan_cue(incident_lat=51.6, incident_lon=23.7, launch_lat=51.5, launch_lon=23.7, borders=[])


@pytest.mark.parametrize(
    ("launch_km", "km"), [(8.0, 22.0), (20.0, 10.0), (52.0, 34.0), (40.0, 58.0)]
)
def test_a_launch_far_along_the_border_goes_along_the_home_side(
    launch_km: float, km: float
) -> None:
    incident = _latlon(BORDER.point_at_km(km)[0] - 300.0 * _home_normal(km))
    cue = _cue(incident, LAUNCHES[launch_km])
    _assert_never_crosses(cue)
    waypoints = [i for i in cue.mission.items if i.command == Command.NAV_WAYPOINT]
    assert len(waypoints) > 2  # not the straight way: along the border's home side
    nav = [(i.lat, i.lon) for i in cue.mission.items if i.has_position]
    loiter = next(
        k
        for k, i in enumerate(i for i in cue.mission.items if i.has_position)
        if i.command == Command.NAV_LOITER_TIME
    )
    assert nav[loiter + 1 :] == nav[1:loiter][::-1]  # back the same way it went
