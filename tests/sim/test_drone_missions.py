"""The simulated drone takes mission uploads: holds (loiters), the route an uploaded mission
is flown on from where the vehicle is, and the demo service answering the MAVLink mission
protocol on its own telemetry link (real UDP loopback, pymavlink on both sides)."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime

import pytest
from pymavlink.dialects.v20 import ardupilotmega as mav  # type: ignore[import-untyped]

from kordon.geo.border import Border
from kordon.geo.frame import LocalFrame
from kordon.interop.missions.model import Command, Frame, Mission, MissionItem
from kordon.sensors.mavlink.endpoint import EndpointSpec, UdpEndpoint
from kordon.sensors.mavlink.mission_upload import MissionUploader
from kordon.sim.drone import SimulatedDrone
from kordon.sim.drone_service import SimulatedDroneService
from kordon.sim.flight_plan import FlightPlan, Waypoint, flown_route, mission_speed_mps
from kordon.video.source.clock import SystemClock

HOME = Waypoint(51.5, 24.0, 0.0)
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _north(metres: float, alt_m: float, hold_s: float = 0.0) -> Waypoint:
    frame = LocalFrame(HOME.lat, HOME.lon)
    lon, lat = frame.xy_to_lonlat([(0.0, metres)])[0]
    return Waypoint(float(lat), float(lon), alt_m, hold_s)


def _item(command: Command, frame: Frame, params: tuple[float, ...]) -> MissionItem:
    p = (*params, *([0.0] * (7 - len(params))))
    return MissionItem(int(command), int(frame), (p[0], p[1], p[2], p[3], p[4], p[5], p[6]))


def _cue_like() -> Mission:
    """Take off, speed 12 m/s, look at a point, loiter 30 s 500 m north, return to launch."""
    rel = Frame.GLOBAL_RELATIVE_ALT
    loiter = _north(500.0, 60.0)
    return Mission(
        (HOME.lat, HOME.lon, 0.0),
        (
            _item(Command.NAV_TAKEOFF, rel, (0, 0, 0, math.nan, HOME.lat, HOME.lon, 60.0)),
            _item(Command.DO_CHANGE_SPEED, Frame.MISSION, (1, 12.0, -1, 0)),
            _item(Command.DO_SET_ROI_LOCATION, rel, (0, 0, 0, 0, loiter.lat + 0.001, loiter.lon)),
            _item(
                Command.NAV_LOITER_TIME,
                rel,
                (30.0, 0, 30.0, math.nan, loiter.lat, loiter.lon, 60.0),
            ),
            _item(Command.DO_SET_ROI_NONE, Frame.MISSION, ()),
            _item(Command.NAV_RETURN_TO_LAUNCH, Frame.MISSION, ()),
        ),
    )


def test_a_hold_keeps_the_vehicle_at_its_waypoint() -> None:
    plan = FlightPlan([HOME, _north(100.0, 0.0, hold_s=10.0), _north(200.0, 0.0)], 10.0)
    assert plan.duration_s == pytest.approx(20.0 + 10.0)
    for t in (10.0, 15.0, 19.99):
        at = plan.at(t)
        assert not at.moving
        assert (at.lat, at.lon) == pytest.approx((_north(100.0, 0.0).lat, HOME.lon), abs=1e-9)
    moving = plan.at(25.0)
    assert moving.moving
    assert moving.lat == pytest.approx(_north(150.0, 0.0).lat, abs=1e-8)
    assert moving.heading_deg == pytest.approx(0.0, abs=1e-6)
    assert not plan.at(31.0).moving


def test_an_uploaded_mission_is_flown_from_where_the_vehicle_is() -> None:
    start = _north(-300.0, 40.0)
    route = flown_route(_cue_like(), start=start, home=HOME)
    assert route[0] == Waypoint(start.lat, start.lon, 40.0)
    assert [w.hold_s for w in route] == [0.0, 0.0, 30.0, 0.0]  # takeoff, loiter, home
    assert route[1] == Waypoint(HOME.lat, HOME.lon, 60.0)  # the takeoff point, at altitude
    assert (route[2].lat, route[2].alt_m) == pytest.approx((_north(500.0, 0.0).lat, 60.0))
    assert route[-1] == Waypoint(HOME.lat, HOME.lon, 60.0)  # return to launch, not landed
    assert mission_speed_mps(_cue_like(), 5.0) == 12.0


def test_the_drone_switches_to_the_upload_and_its_clock_and_battery_run_on() -> None:
    drone = SimulatedDrone(
        [HOME, _north(2000.0, 50.0)], home_alt_m=180.0, speed_mps=10.0, battery_drain_pct_per_s=0.1
    )
    before = drone.pose_at(20.0)
    plan = drone.fly(_cue_like(), from_s=20.0)
    assert drone.flying is plan
    assert drone.pose_at(10.0) == SimulatedDrone(
        [HOME, _north(2000.0, 50.0)], home_alt_m=180.0, speed_mps=10.0, battery_drain_pct_per_s=0.1
    ).pose_at(10.0)  # the past is the old route's
    now = drone.pose_at(20.0)
    assert (now.lat, now.lon, now.relative_alt_m) == pytest.approx(
        (before.lat, before.lon, before.relative_alt_m), abs=1e-9
    )
    assert now.battery_pct == before.battery_pct
    # at 12 m/s (the mission's speed) towards the takeoff point south of it
    later = drone.pose_at(22.0)
    assert later.speed_mps == 12.0
    assert later.heading_deg == pytest.approx(180.0, abs=1e-6)
    assert later.battery_pct == pytest.approx(before.battery_pct - 0.2)
    end = drone.pose_at(20.0 + plan.duration_s + 5.0)
    assert (end.lat, end.lon) == pytest.approx((HOME.lat, HOME.lon), abs=1e-9)
    assert end.speed_mps == 0.0


def test_the_drone_reports_its_home() -> None:
    drone = SimulatedDrone([HOME, _north(100.0, 50.0)], home_alt_m=180.0, speed_mps=10.0)
    parser = mav.MAVLink(None)
    homes = [
        m
        for frame in drone.frames_at(0.0)
        for m in parser.parse_buffer(frame) or []
        if m.get_type() == "HOME_POSITION"
    ]
    assert len(homes) == 1
    assert (homes[0].latitude, homes[0].longitude) == (round(HOME.lat * 1e7), round(HOME.lon * 1e7))
    assert homes[0].altitude == 180_000


def test_the_demo_drone_takes_an_upload_on_its_telemetry_link() -> None:
    """A ground station listening on ``udpin`` (as the node's telemetry endpoint does)
    uploads a mission back to the address the telemetry comes from."""
    station = UdpEndpoint(EndpointSpec("udpin", "127.0.0.1", 0))
    port = station.address[1]
    drone = SimulatedDrone([HOME, _north(3000.0, 50.0)], home_alt_m=180.0, speed_mps=10.0)
    service = SimulatedDroneService(
        drone, host="127.0.0.1", port=port, clock=SystemClock(), rate_hz=20.0
    )
    line = [(23.9, 51.6), (24.1, 51.6)]  # 11 km north, running east: the home side is south
    frame = LocalFrame(HOME.lat, HOME.lon)
    borders = [Border("b", line, frame, left_side="BY", right_side="UA", home_side="UA")]
    uploader = MissionUploader(
        station, borders, buffer_m=100.0, clock=SystemClock(), target_system=1
    )

    async def run() -> None:
        await service.start()
        try:
            first = await asyncio.to_thread(station.receive, 5.0)  # learn the drone's address
            assert first
            plan = uploader.prepare(_cue_like())
            result = await asyncio.to_thread(uploader.confirm, plan.token)
            assert result.items == len(_cue_like().items) + 1
        finally:
            await service.stop()
            station.close()

    asyncio.run(run())
    assert service.receiver.uploads == 1
    [(at_s, mission)] = service.flown
    assert at_s >= 0.0
    assert [i.command for i in mission.items] == [i.command for i in _cue_like().items]
    assert drone.flying.route[-1] == Waypoint(HOME.lat, HOME.lon, 60.0)
    assert [w.hold_s for w in drone.flying.route][-2] == 30.0
