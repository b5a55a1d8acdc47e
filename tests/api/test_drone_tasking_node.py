"""The node's drone wiring end to end: the Volyn demo's MAVLink sensor (its telemetry
service on a ``udpin`` port) and its simulated patrol drone, the tasking service over the
shared link, and the operator API: a cue planned from the live drone state, confirmed,
uploaded on the telemetry link and flown by the simulated vehicle — real UDP loopback,
pymavlink on both sides."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np

from kordon.api.app import create_api
from kordon.api.routes import drones as drone_routes
from kordon.bus.inprocess import InProcessBus
from kordon.config.loader import load_site
from kordon.domain.status import DeviceStatus
from kordon.geo.site_geometry import SiteGeometry
from kordon.lifecycle import Service
from kordon.sim.drone_service import SimulatedDroneService
from kordon.sim.flight_plan import Waypoint
from kordon.video.source.clock import SystemClock
from kordon.wiring.drones import drones
from tests.api.conftest import TestClient, login
from tests.api.fakes import IN_SECTOR, build_site
from tests.api.test_drone_tasking import add_incident, offset_point
from tests.support.demo_site import volyn_copy

WAIT_S = 20.0


def test_a_cue_reaches_the_demo_drone_over_its_telemetry_link(tmp_path: Path) -> None:
    config = load_site(volyn_copy(tmp_path))
    geometry = SiteGeometry.from_config(config)
    statuses: list[DeviceStatus] = []
    services: list[Service] = []
    tasking = drones(
        config,
        geometry,
        InProcessBus(),
        clock=SystemClock(),
        record_status=statuses.append,
        services=services,
    )
    [vehicle] = [s for s in services if isinstance(s, SimulatedDroneService)]
    site = build_site(tmp_path / "api")
    border = geometry.borders["ua-by"]
    add_incident(site, "cue-me", offset_point(border, 2.0, 800.0), IN_SECTOR)
    app = create_api(site.context, extra_routers=[drone_routes.session_router(tasking)])

    async def scenario() -> None:
        for service in services:
            await service.start()
        try:
            deadline = time.monotonic() + WAIT_S
            while not tasking.states() and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            [state] = tasking.states()
            assert state.drone_id == "uav-1:1"
            assert state.home is not None  # the vehicle reports where it returns to
            client = TestClient(app, base_url="http://testserver")
            csrf = {"X-CSRF-Token": await asyncio.to_thread(login, client, "operator")}
            answer = await asyncio.to_thread(
                client.post,
                "/api/incidents/cue-me/drone-cue",
                json={"drone_id": "uav-1:1"},
                headers=csrf,
            )
            assert answer.status_code == 200, answer.text
            plan = answer.json()
            assert vehicle.receiver.uploads == 0
            done = await asyncio.to_thread(
                client.post,
                "/api/drones/uav-1:1/missions/confirm",
                json={"token": plan["token"]},
                headers=csrf,
            )
            assert done.status_code == 200, done.text
            assert done.json()["items"] == len(plan["items"]) + 1
            # telemetry still flows on the link after the upload
            seen = tasking.states()[0].time
            deadline = time.monotonic() + WAIT_S
            while tasking.states()[0].time <= seen and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert tasking.states()[0].time > seen
        finally:
            for service in reversed(services):
                await service.stop()
            site.store.close()
        # the vehicle flies the uploaded cue: through the loiter point, then home
        [(_, mission)] = vehicle.flown
        flown = [(i.lon, i.lat) for i in mission.items if i.has_position]
        planned = [(i["lon"], i["lat"]) for i in plan["items"] if i["alt_m"] is not None]
        assert np.allclose(flown, planned, atol=2e-7)
        route = vehicle.drone.flying.route
        loiter = plan["loiter"]
        assert any(
            abs(w.lat - loiter["lat"]) < 1e-6 and w.hold_s == loiter["seconds"] for w in route
        )
        home = vehicle.drone.home
        assert route[-1] == Waypoint(home.lat, home.lon, route[-2].alt_m)

    asyncio.run(scenario())
