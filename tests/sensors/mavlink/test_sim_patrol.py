"""The simulated drone flying a generated Volyn patrol, and as a node service on loopback."""

from __future__ import annotations

import asyncio
import math
import socket
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from kordon.config.integrations import MavlinkSensor
from kordon.config.loader import load_site
from kordon.domain.drone import DroneState
from kordon.geo.frame import LocalFrame
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.missions import PatrolSpec, patrol_sector, plan_patrol
from kordon.interop.missions.model import Mission
from kordon.sensors.mavlink.ingest import IngestLimits
from kordon.sensors.mavlink.service import MavlinkService
from kordon.sim.drone import SimulatedDrone, waypoints_of
from kordon.sim.drone_service import SimulatedDroneService
from kordon.sim.flight_plan import Waypoint
from kordon.video.source.clock import FakeClock

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def patrol(repo_root: Path) -> Mission:
    site = load_site(repo_root / "examples" / "volyn" / "site.yaml")
    geometry = SiteGeometry.from_config(site)
    return plan_patrol(
        patrol_sector(site, geometry, "s2-centre"),
        list(geometry.borders.values()),
        PatrolSpec(altitude_m=80.0, speed_mps=10.0),
    )


def test_the_drone_passes_every_waypoint_of_the_patrol_at_the_right_time(
    patrol: Mission,
) -> None:
    route = waypoints_of(patrol)
    assert route[0] == Waypoint(patrol.home[0], patrol.home[1], 0.0)
    assert len(route) >= 4
    assert all(w.alt_m == pytest.approx(80.0) for w in route[2:-1])
    drone = SimulatedDrone(route, home_alt_m=180.0, speed_mps=10.0)
    frame = LocalFrame(route[0].lat, route[0].lon)
    xyz = np.column_stack(
        [frame.lonlat_to_xy([(w.lon, w.lat) for w in route]), [w.alt_m for w in route]]
    )
    arrival = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(xyz, axis=0), axis=1))])
    assert drone.duration_s == pytest.approx(arrival[-1] / 10.0)
    for w, dist in zip(route, arrival, strict=True):
        pose = drone.pose_at(float(dist) / 10.0)
        e, n = frame.lonlat_to_xy([(pose.lon, pose.lat)])[0]
        we, wn = frame.lonlat_to_xy([(w.lon, w.lat)])[0]
        assert math.hypot(e - we, n - wn) < 0.01
        assert pose.relative_alt_m == pytest.approx(w.alt_m, abs=1e-6)
    # after the route it hovers where it ended
    end = drone.pose_at(drone.duration_s + 60.0)
    assert end.speed_mps == 0.0
    assert (end.lat, end.lon) == pytest.approx((route[-1].lat, route[-1].lon), abs=1e-9)


def test_a_repeating_flight_starts_again_but_its_battery_runs_on() -> None:
    route = [Waypoint(51.5, 24.0, 50.0), Waypoint(51.501, 24.0, 50.0)]
    drone = SimulatedDrone(route, home_alt_m=0.0, speed_mps=10.0, repeat_after_s=20.0)
    again = drone.pose_at(25.0)
    assert again.lat == pytest.approx(drone.pose_at(5.0).lat)
    assert again.battery_pct < drone.pose_at(5.0).battery_pct


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_simulated_drone_service_feeds_the_mavlink_service() -> None:
    route = [Waypoint(51.5, 24.0, 60.0), Waypoint(51.51, 24.0, 60.0)]
    drone = SimulatedDrone(route, home_alt_m=150.0, speed_mps=10.0)

    async def run() -> tuple[DroneState, DroneState]:
        clock = FakeClock(T0)
        port = _free_udp_port()
        latest: list[DroneState] = []
        moved = asyncio.Event()
        heard = asyncio.Event()

        def on_state(state: DroneState) -> None:
            latest.append(state)
            heard.set()
            if state.position.lat > 51.5 + 0.0026:  # past 30 s at 10 m/s (~290 m)
                moved.set()

        receiver = MavlinkService(
            MavlinkSensor(kind="mavlink", id="uav-1", url=f"udpin:127.0.0.1:{port}"),
            clock=clock,
            on_state=on_state,
            on_status=lambda _s: None,
            limits=IngestLimits(heartbeat_timeout_s=60.0, min_publish_interval_s=0.0),
            poll_s=0.02,
        )
        sender = SimulatedDroneService(drone, host="127.0.0.1", port=port, clock=clock, rate_hz=50)
        await receiver.start()
        await sender.start()
        try:
            await asyncio.wait_for(heard.wait(), timeout=10.0)
            first = latest[0]
            clock.advance(30.0)
            await asyncio.wait_for(moved.wait(), timeout=10.0)
        finally:
            await sender.stop()
            await receiver.stop()
        return first, latest[-1]

    first, later = asyncio.run(run())
    assert first.position.lat == pytest.approx(51.5, abs=1e-7)
    truth = drone.pose_at(30.0)
    assert later.position.lat == pytest.approx(truth.lat, abs=1e-7)
    assert later.position.alt_m == pytest.approx(210.0, abs=0.01)
