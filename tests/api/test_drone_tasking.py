"""Drone tasking through the API: plan a cue or a patrol, confirm, upload over real UDP
loopback to the simulated vehicle's mission server (pymavlink on both sides), and every
refusal — with nothing uploaded and everything audited.

The drones' states are what the telemetry service would hold (set by the tests); the
site's border is the Volyn demo's.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely
from pymavlink import mavwp  # type: ignore[import-untyped]

from kordon.api.app import create_api
from kordon.api.app_type import KordonApi
from kordon.api.audit_log import MemoryAuditLog
from kordon.api.providers import AuditRecord
from kordon.api.routes import drones as drone_routes
from kordon.config.loader import load_site
from kordon.config.models import SiteConfig
from kordon.domain.drone import DroneState, GeoPoint, LinkState
from kordon.domain.event import Event, EventKind
from kordon.domain.incident import Incident
from kordon.drones.tasking import DroneLink, DroneTaskingService
from kordon.geo.border import Border
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.missions.files import read_mission
from kordon.interop.missions.model import Command
from kordon.interop.missions.patrol import patrol_sector
from kordon.interop.missions.patrol import plan_patrol as patrol_mission
from kordon.sensors.mavlink.endpoint import EndpointSpec, UdpEndpoint
from kordon.sim.mission_receiver import MissionReceiver, MissionServer
from kordon.video.source.clock import Clock, FakeClock, SystemClock
from tests.api.conftest import TestClient, login
from tests.api.fakes import IN_SECTOR, OUT_SECTOR, T0, Site, build_site

BUFFER_M = 100.0
KM = 8.0
"""Where on the Volyn border the tests fly (km post of ``ua-by``; straight there)."""


# -- builders ----------------------------------------------------------------------------------


def offset_point(border: Border, km: float, metres: float) -> tuple[float, float]:
    """(lat, lon) ``metres`` from the border's km post ``km`` along its normal: on the
    home side when positive, across when negative."""
    a, b = border.point_at_km([km - 0.05, km + 0.05])
    direction = (b - a) / np.linalg.norm(b - a)
    left = np.array([-direction[1], direction[0]])
    home = 1.0 if border.home_side == border.left_side else -1.0
    xy = border.point_at_km([km])[0] + home * metres * left
    lon, lat = border.frame.xy_to_lonlat(xy[None])[0]
    return float(lat), float(lon)


def clearance_m(border: Border, lat: float, lon: float) -> float:
    """Distance from the border, negative across it."""
    signed = float(border.signed_distance_m(border.frame.lonlat_to_xy([(lon, lat)])).distance_m[0])
    return signed if border.home_side == border.left_side else -signed


@dataclass
class DroneStates:
    """The latest drone states, as a telemetry service holds them (the tests set them)."""

    states: dict[str, DroneState] = field(default_factory=dict)

    def put(
        self,
        sensor_id: str,
        latlon: tuple[float, float],
        *,
        home: tuple[float, float] | None = None,
        link: LinkState = LinkState.CONNECTED,
    ) -> None:
        state = DroneState(
            sensor_id=sensor_id,
            system_id=1,
            time=T0,
            position=GeoPoint(latlon[0], latlon[1], 260.0),
            relative_alt_m=80.0,
            heading_deg=90.0,
            battery_pct=87.0,
            mode="AUTO",
            armed=True,
            home=GeoPoint(home[0], home[1], 180.0) if home is not None else None,
            link=link,
        )
        self.states[state.drone_id] = state

    def of(self, sensor_id: str) -> list[DroneState]:
        return [s for s in self.states.values() if s.sensor_id == sensor_id]


def add_incident(site: Site, incident_id: str, latlon: tuple[float, float], sector: str) -> None:
    """An incident whose only event lies at ``latlon``."""
    event_id = f"ev-{incident_id}"
    site.store.events.add(
        Event(
            kind=EventKind.BORDER_CROSSING,
            time=T0,
            source_id="cam1",
            id=event_id,
            sector_id=sector,
            lat=latlon[0],
            lon=latlon[1],
            class_name="person",
        )
    )
    site.store.incidents.create(
        Incident(
            id=incident_id,
            title=f"crossing {incident_id}",
            opened_at=T0,
            priority=2,
            sector_id=sector,
            event_ids=(event_id,),
        ),
        time=T0,
    )


def _silent_port() -> Iterator[int]:
    """A bound UDP port that never answers (a vehicle that is off)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@dataclass
class World:
    site: Site
    volyn: SiteConfig
    geometry: SiteGeometry
    border: Border
    states: DroneStates
    vehicles: dict[str, MissionServer]
    app: KordonApi
    tasking: DroneTaskingService

    @property
    def audit(self) -> MemoryAuditLog:
        return self.site.audit

    def records(self, action: str) -> list[AuditRecord]:
        """The audit records of ``action``, oldest first."""
        return [r for r in reversed(self.audit.recent(1000)) if r.action == action]


@pytest.fixture(scope="module")
def volyn(repo_root: Path) -> tuple[SiteConfig, SiteGeometry]:
    site = load_site(repo_root / "examples" / "volyn" / "site.yaml")
    return site, SiteGeometry.from_config(site)


def _world(
    tmp_path: Path,
    volyn: tuple[SiteConfig, SiteGeometry],
    *,
    clock: Clock,
    capacity: int = 700,
    silent_port: int | None = None,
) -> Iterator[World]:
    config, geometry = volyn
    border = geometry.borders["ua-by"]
    site = build_site(tmp_path)
    states = DroneStates()
    vehicles = {
        name: MissionServer(MissionReceiver(system_id=1, capacity=capacity))
        for name in ("uav-1", "uav-2")
    }
    endpoints: list[UdpEndpoint] = []
    links = []
    for name, server in vehicles.items():
        server.start()
        port = server.address[1] if silent_port is None else silent_port
        endpoint = UdpEndpoint(EndpointSpec("udpout", "127.0.0.1", port))
        endpoints.append(endpoint)
        links.append(
            DroneLink(name, (1,), endpoint, lambda name=name: states.of(name))  # type: ignore[misc]
        )
    tasking = DroneTaskingService(
        links,
        site=config,
        geometry=geometry,
        clock=clock,
        buffer_m=BUFFER_M,
        item_timeout_s=0.2,
        retries=1,
    )
    app = create_api(site.context, extra_routers=[drone_routes.session_router(tasking)])
    states.put("uav-1", offset_point(border, KM, 1500.0))
    states.put("uav-2", offset_point(border, KM + 0.5, 1500.0))
    add_incident(site, "near", offset_point(border, KM + 0.3, 1000.0), IN_SECTOR)
    add_incident(site, "across", offset_point(border, KM, -300.0), IN_SECTOR)
    add_incident(site, "far", offset_point(border, 30.0, -5000.0), IN_SECTOR)
    add_incident(site, "elsewhere", offset_point(border, KM, 1000.0), OUT_SECTOR)
    try:
        yield World(site, config, geometry, border, states, vehicles, app, tasking)
    finally:
        for endpoint in endpoints:
            endpoint.close()
        for server in vehicles.values():
            server.stop()
        site.store.close()


@pytest.fixture
def world(tmp_path: Path, volyn: tuple[SiteConfig, SiteGeometry]) -> Iterator[World]:
    yield from _world(tmp_path, volyn, clock=SystemClock())


def _client(world: World, username: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(world.app, base_url="http://testserver")
    csrf = login(client, username)
    return client, {"X-CSRF-Token": csrf}


def _uploads(world: World) -> int:
    return sum(v.receiver.uploads for v in world.vehicles.values())


# -- the drones --------------------------------------------------------------------------------


def test_the_drones_are_listed_for_readers_and_not_for_strangers(world: World) -> None:
    assert TestClient(world.app).get("/api/drones").status_code == 401
    client, _ = _client(world, "auditor")
    answer = client.get("/api/drones")
    assert answer.status_code == 200, answer.text
    drones = answer.json()
    assert [d["drone_id"] for d in drones] == ["uav-1:1", "uav-2:1"]
    assert drones[0]["battery_pct"] == 87.0
    assert drones[0]["link"] == "connected"


# -- send drone: plan, confirm -------------------------------------------------------------------


def test_a_cue_is_planned_clear_of_the_border_and_nothing_is_uploaded(world: World) -> None:
    client, csrf = _client(world, "operator")
    answer = client.post(
        "/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
    )
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    assert plan["kind"] == "cue"
    assert plan["incident_id"] == "near"
    assert plan["drone_id"] == "uav-1:1"
    assert len(plan["token"]) >= 16
    assert plan["expires_in_s"] == pytest.approx(300.0, abs=1.0)
    expires = datetime.fromisoformat(plan["expires_at"])
    assert expires - world.site.clock() == pytest.approx(
        timedelta(seconds=300), abs=timedelta(seconds=1)
    )
    # the flight starts where the drone is, and the loiter is the incident (clear enough)
    drone = world.states.states["uav-1:1"].position
    assert plan["route"][0] == pytest.approx([drone.lon, drone.lat])
    loiter = plan["loiter"]
    assert loiter["standoff_m"] == 0.0
    assert loiter["incident_across"] is False
    assert loiter["seconds"] == 120.0
    commands = [i["command"] for i in plan["items"]]
    assert "NAV_LOITER_TIME" in commands
    roi = next(i for i in plan["items"] if i["command"] == "DO_SET_ROI_LOCATION")
    assert [roi["lon"], roi["lat"]] == pytest.approx(plan["target"])
    # every point of the route stays on the home side, clear of the buffer
    assert plan["border_clearance_m"] >= BUFFER_M
    assert min(clearance_m(world.border, lat, lon) for lon, lat in plan["route"]) >= BUFFER_M
    assert plan["buffer_m"] == BUFFER_M
    assert plan["altitude_m"] == 80.0
    assert plan["duration_s"] > 120.0
    assert _uploads(world) == 0
    [record] = world.records("drone.plan")
    assert record.outcome == "ok"
    assert record.actor == "operator"
    assert record.details["incident_id"] == "near"
    assert record.details["plan"] == drone_routes.fingerprint(plan["token"])
    assert plan["token"] not in str(world.audit.recent(1000))


def test_confirming_uploads_the_planned_mission_once(world: World) -> None:
    client, csrf = _client(world, "operator")
    plan = client.post(
        "/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
    ).json()
    answer = client.post(
        "/api/drones/uav-1:1/missions/confirm", json={"token": plan["token"]}, headers=csrf
    )
    assert answer.status_code == 200, answer.text
    done = answer.json()
    assert done["kind"] == "cue"
    assert done["incident_id"] == "near"
    assert done["items"] == len(plan["items"]) + 1  # and the home position
    vehicle = world.vehicles["uav-1"].receiver
    assert vehicle.uploads == 1
    assert world.vehicles["uav-2"].receiver.uploads == 0
    received = vehicle.received
    assert received is not None
    assert [i.command for i in received.items] == [
        int(Command[i["command"]]) for i in plan["items"]
    ]
    flown = [(i.lon, i.lat) for i in received.items if i.has_position]
    planned = [(i["lon"], i["lat"]) for i in plan["items"] if i["alt_m"] is not None]
    assert np.allclose(flown, planned, atol=2e-7)  # MAVLink's 1e-7 degrees
    # the token is used up
    again = client.post(
        "/api/drones/uav-1:1/missions/confirm", json={"token": plan["token"]}, headers=csrf
    )
    assert again.status_code == 409
    assert "token" in again.json()["detail"]
    assert vehicle.uploads == 1
    outcomes = [r.outcome for r in world.records("drone.upload")]
    assert sorted(outcomes) == ["ok", "refused 409"]


def test_a_token_for_another_drone_is_refused_and_stays_pending(world: World) -> None:
    client, csrf = _client(world, "operator")
    plan = client.post(
        "/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
    ).json()
    wrong = client.post(
        "/api/drones/uav-2:1/missions/confirm", json={"token": plan["token"]}, headers=csrf
    )
    assert wrong.status_code == 409
    assert "another drone" in wrong.json()["detail"]
    assert _uploads(world) == 0
    right = client.post(
        "/api/drones/uav-1:1/missions/confirm", json={"token": plan["token"]}, headers=csrf
    )
    assert right.status_code == 200, right.text
    assert world.vehicles["uav-1"].receiver.uploads == 1


def test_a_cancelled_plan_cannot_be_confirmed(world: World) -> None:
    client, csrf = _client(world, "operator")
    plan = client.post(
        "/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
    ).json()
    token = {"token": plan["token"]}
    assert (
        client.post("/api/drones/uav-2:1/missions/cancel", json=token, headers=csrf).status_code
        == 404
    )
    assert (
        client.post("/api/drones/uav-1:1/missions/cancel", json=token, headers=csrf).status_code
        == 204
    )
    answer = client.post("/api/drones/uav-1:1/missions/confirm", json=token, headers=csrf)
    assert answer.status_code == 409
    assert _uploads(world) == 0


def test_an_incident_across_the_border_is_watched_from_the_home_side(world: World) -> None:
    client, csrf = _client(world, "operator")
    answer = client.post(
        "/api/incidents/across/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
    )
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    loiter = plan["loiter"]
    assert loiter["incident_across"] is True
    assert clearance_m(world.border, plan["target"][1], plan["target"][0]) < 0
    assert clearance_m(world.border, loiter["lat"], loiter["lon"]) >= BUFFER_M + 50 + 30 - 1
    assert min(clearance_m(world.border, lat, lon) for lon, lat in plan["route"]) >= BUFFER_M
    assert plan["border_clearance_m"] >= BUFFER_M


# -- refusals: nothing uploaded, all audited -------------------------------------------------


@pytest.mark.parametrize(
    ("incident", "drone", "status", "words"),
    [
        ("far", "uav-1:1", 422, "out of reach"),
        ("near", "uav-9:1", 404, "unknown drone"),
        ("nothing", "uav-1:1", 404, "no incident"),
        ("elsewhere", "uav-1:1", 404, "no incident"),  # outside the operator's sectors
    ],
)
def test_a_cue_that_cannot_be_planned_is_refused(
    world: World, incident: str, drone: str, status: int, words: str
) -> None:
    client, csrf = _client(world, "operator")
    answer = client.post(
        f"/api/incidents/{incident}/drone-cue", json={"drone_id": drone}, headers=csrf
    )
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]
    assert _uploads(world) == 0
    refused = [r for r in world.audit.recent(1000) if r.outcome in (f"refused {status}", "refused")]
    assert refused, world.audit.recent(1000)


def test_a_drone_inside_the_buffer_or_without_a_link_is_not_tasked(world: World) -> None:
    client, csrf = _client(world, "operator")
    world.states.put("uav-1", offset_point(world.border, KM, 50.0))
    inside = client.post(
        "/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
    )
    assert inside.status_code == 422
    assert "launch point" in inside.json()["detail"]
    world.states.put("uav-1", offset_point(world.border, KM, 1500.0), link=LinkState.LOST)
    lost = client.post("/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf)
    assert lost.status_code == 409
    assert "lost" in lost.json()["detail"]
    world.states.states.clear()
    silent = client.post(
        "/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
    )
    assert silent.status_code == 409
    assert "position" in silent.json()["detail"]
    assert [r.outcome for r in world.records("drone.plan")] == [
        "refused 422",
        "refused 409",
        "refused 409",
    ]
    assert _uploads(world) == 0


def test_the_way_home_is_checked_too(world: World) -> None:
    """The vehicle returns to the home it reported, not the mission's: a home across the
    border makes the return leg cross it, so the cue is refused."""
    world.states.put(
        "uav-1", offset_point(world.border, KM, 1500.0), home=offset_point(world.border, KM, -400.0)
    )
    client, csrf = _client(world, "operator")
    answer = client.post(
        "/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
    )
    assert answer.status_code == 422
    assert "crosses the border" in answer.json()["detail"]
    [record] = world.records("drone.plan")
    assert record.outcome == "refused 422"
    assert record.details["violations"]
    assert _uploads(world) == 0


@pytest.mark.parametrize("username", ["auditor", "commander", "logistics"])
def test_only_roles_that_act_on_incidents_may_task_drones(world: World, username: str) -> None:
    client, csrf = _client(world, username)
    answer = client.post(
        "/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
    )
    assert answer.status_code == 403
    patrol = client.post(
        "/api/drones/uav-1:1/patrol", json={"sector_id": "s1-tripoint"}, headers=csrf
    )
    assert patrol.status_code == 403
    assert world.records("drone.plan") == []


def test_planning_needs_the_csrf_token(world: World) -> None:
    client, _ = _client(world, "operator")
    answer = client.post("/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"})
    assert answer.status_code == 403
    assert world.records("drone.plan") == []


def test_a_silent_vehicle_times_out_and_nothing_flies(
    tmp_path: Path, volyn: tuple[SiteConfig, SiteGeometry]
) -> None:
    for port in _silent_port():
        for world in _world(tmp_path, volyn, clock=SystemClock(), silent_port=port):
            client, csrf = _client(world, "operator")
            plan = client.post(
                "/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
            ).json()
            answer = client.post(
                "/api/drones/uav-1:1/missions/confirm", json={"token": plan["token"]}, headers=csrf
            )
            assert answer.status_code == 504, answer.text
            assert "no answer" in answer.json()["detail"]
            assert [r.outcome for r in world.records("drone.upload")] == ["refused 504"]
            assert _uploads(world) == 0


def test_a_vehicle_that_refuses_the_mission_is_reported(
    tmp_path: Path, volyn: tuple[SiteConfig, SiteGeometry]
) -> None:
    for world in _world(tmp_path, volyn, clock=SystemClock(), capacity=3):
        client, csrf = _client(world, "operator")
        plan = client.post(
            "/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
        ).json()
        answer = client.post(
            "/api/drones/uav-1:1/missions/confirm", json={"token": plan["token"]}, headers=csrf
        )
        assert answer.status_code == 502, answer.text
        assert "MAV_MISSION_NO_SPACE" in answer.json()["detail"]
        assert _uploads(world) == 0


def test_an_expired_token_uploads_nothing(
    tmp_path: Path, volyn: tuple[SiteConfig, SiteGeometry]
) -> None:
    clock = FakeClock(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
    for world in _world(tmp_path, volyn, clock=clock):
        client, csrf = _client(world, "operator")
        plan = client.post(
            "/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
        ).json()
        clock.advance(301.0)
        answer = client.post(
            "/api/drones/uav-1:1/missions/confirm", json={"token": plan["token"]}, headers=csrf
        )
        assert answer.status_code == 409
        assert "expired" in answer.json()["detail"]
        assert _uploads(world) == 0
        # a plan nobody confirms is forgotten once a newer plan comes a TTL after it expired
        stale = client.post(
            "/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf
        ).json()
        assert world.tasking.binding(stale["token"]) is not None
        clock.advance(2 * 300.0 + 1.0)
        client.post("/api/incidents/near/drone-cue", json={"drone_id": "uav-1:1"}, headers=csrf)
        assert world.tasking.binding(stale["token"]) is None


# -- patrol -------------------------------------------------------------------------------------


def _route_clearance_m(world: World, route: list[list[float]]) -> float:
    """The closest approach of a planned route ([lon, lat] points) to the border line,
    measured here with shapely (negative when a point lies across)."""
    xy = world.border.frame.lonlat_to_xy(np.asarray(route, dtype=np.float64))
    line = shapely.LineString(world.border.vertices_xy)
    distance = float(shapely.distance(shapely.LineString(xy), line))
    across = min(clearance_m(world.border, lat, lon) for lon, lat in route) < 0
    return -distance if across or shapely.LineString(xy).intersects(line) else distance


@pytest.mark.parametrize("sector", ["s1-tripoint", "s2-centre"])
@pytest.mark.parametrize("with_home", [False, True], ids=["no-home", "home"])
def test_a_patrol_from_a_drone_far_along_the_border_goes_round_the_bends(
    world: World, sector: str, with_home: bool
) -> None:
    """The patrol of s1 starts at the tripoint, s2's at km 20; the straight ways there from
    km 8 (and back home, km 9.7 at 150 m like the demo drone's) cross the winding border
    or its buffer: the plan flies a transit and a return on the home side instead."""
    home = offset_point(world.border, 9.7, 150.0) if with_home else None
    world.states.put("uav-1", offset_point(world.border, KM, 1500.0), home=home)
    start = world.tasking.patrol_mission(sector).home
    drone = world.states.states["uav-1:1"].position
    back = home if home is not None else (drone.lat, drone.lon)
    straight = [[drone.lon, drone.lat], [start[1], start[0]], [back[1], back[0]]]
    assert _route_clearance_m(world, straight) < BUFFER_M  # the case this is about
    client, csrf = _client(world, "operator-all")
    answer = client.post("/api/drones/uav-1:1/patrol", json={"sector_id": sector}, headers=csrf)
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    route = plan["route"]
    assert route[0] == pytest.approx([drone.lon, drone.lat], abs=1e-9)
    assert route[-1] == pytest.approx([back[1], back[0]], abs=1e-9)
    assert _route_clearance_m(world, route) >= BUFFER_M
    assert plan["border_clearance_m"] >= BUFFER_M
    commands = [i["command"] for i in plan["items"]]
    first, release = commands.index("DO_SET_ROI_LOCATION"), commands.index("DO_SET_ROI_NONE")
    assert commands[0] == "NAV_TAKEOFF"
    assert commands[1:first].count("NAV_WAYPOINT") >= 1  # the transit
    assert commands[-2:] == ["NAV_WAYPOINT", "NAV_LAND"]  # over home, and down there
    assert commands[release:-2].count("NAV_WAYPOINT") >= 1  # the return
    done = client.post(
        "/api/drones/uav-1:1/missions/confirm", json={"token": plan["token"]}, headers=csrf
    )
    assert done.status_code == 200, done.text
    received = world.vehicles["uav-1"].receiver.received
    assert received is not None
    assert len(received.items) == len(plan["items"])


@pytest.mark.parametrize(
    ("metres", "home_metres", "message"),
    [
        (-500.0, None, "the drone is on the far side of the border"),
        (60.0, None, "the drone is 60 m from the border"),
        (1500.0, -300.0, "the drone's home is on the far side of the border"),
    ],
)
def test_a_patrol_from_across_the_border_or_inside_its_buffer_is_refused(
    world: World, metres: float, home_metres: float | None, message: str
) -> None:
    home = offset_point(world.border, KM, home_metres) if home_metres is not None else None
    world.states.put("uav-1", offset_point(world.border, KM, metres), home=home)
    client, csrf = _client(world, "operator-all")
    answer = client.post(
        "/api/drones/uav-1:1/patrol", json={"sector_id": "s1-tripoint"}, headers=csrf
    )
    assert answer.status_code == 422
    assert message in answer.json()["detail"]
    assert [r.outcome for r in world.records("drone.plan")] == ["refused 422"]
    assert _uploads(world) == 0


def test_a_patrol_is_planned_and_uploaded_for_a_sector_in_scope(world: World) -> None:
    start = patrol_mission(
        patrol_sector(world.volyn, world.geometry, "s1-tripoint"),
        [world.border],
        world.tasking.patrol_spec,
    ).home
    world.states.put("uav-1", (start[0], start[1]))
    client, csrf = _client(world, "operator-all")
    answer = client.post(
        "/api/drones/uav-1:1/patrol", json={"sector_id": "s1-tripoint"}, headers=csrf
    )
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    assert plan["kind"] == "patrol"
    assert plan["sector_id"] == "s1-tripoint"
    assert plan["loiter"] is None
    assert plan["border_clearance_m"] >= BUFFER_M
    assert min(clearance_m(world.border, lat, lon) for lon, lat in plan["route"]) >= BUFFER_M
    assert plan["waypoints"] >= 4
    assert _uploads(world) == 0
    done = client.post(
        "/api/drones/uav-1:1/missions/confirm", json={"token": plan["token"]}, headers=csrf
    )
    assert done.status_code == 200, done.text
    assert done.json()["sector_id"] == "s1-tripoint"
    received = world.vehicles["uav-1"].receiver.received
    assert received is not None
    assert len(received.items) == len(plan["items"])


@pytest.mark.parametrize(
    ("username", "sector", "status"),
    [
        ("operator", "s1-tripoint", 404),  # scoped to another sector
        ("operator-all", "no-such-sector", 404),
    ],
)
def test_a_patrol_outside_the_scope_or_of_an_unknown_sector_is_refused(
    world: World, username: str, sector: str, status: int
) -> None:
    client, csrf = _client(world, username)
    answer = client.post("/api/drones/uav-1:1/patrol", json={"sector_id": sector}, headers=csrf)
    assert answer.status_code == status
    assert _uploads(world) == 0


@pytest.mark.parametrize("file_format", ["plan", "waypoints"])
def test_a_patrol_mission_file_is_the_mission_a_patrol_uploads(
    world: World, tmp_path: Path, file_format: str
) -> None:
    client, _ = _client(world, "operator-all")
    answer = client.get(f"/api/drones/patrols/s1-tripoint/mission.{file_format}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="patrol-s1-tripoint.{file_format}"'
    )
    path = tmp_path / f"patrol.{file_format}"
    path.write_bytes(answer.content)
    expected = world.tasking.patrol_mission("s1-tripoint")
    got = read_mission(path)  # WPL keeps 8 decimals
    assert [i.command for i in got.items] == [i.command for i in expected.items]
    np.testing.assert_allclose(
        [(i.lat, i.lon, i.alt_m) for i in got.items],
        [(i.lat, i.lon, i.alt_m) for i in expected.items],
        atol=1e-8,
    )
    if file_format == "waypoints":
        loader = mavwp.MAVWPLoader()
        assert loader.load(str(path)) == len(expected.items) + 1
    [record] = world.records("drone.export")
    assert (record.subject, record.outcome) == ("sector:s1-tripoint", "ok")
    assert _uploads(world) == 0


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        ("operator", "/api/drones/patrols/s1-tripoint/mission.plan", 404),  # out of scope
        ("operator-all", "/api/drones/patrols/no-such-sector/mission.plan", 404),
        ("operator-all", "/api/drones/patrols/s1-tripoint/mission.kml", 422),
        ("commander-all", "/api/drones/patrols/s1-tripoint/mission.plan", 403),
    ],
)
def test_a_patrol_mission_file_outside_the_scope_or_format_is_refused(
    world: World, username: str, path: str, status: int
) -> None:
    client, _ = _client(world, username)
    assert client.get(path).status_code == status
    assert world.records("drone.export") == []


def test_a_patrol_plan_names_its_offset_and_a_cue_none(world: World) -> None:
    start = world.tasking.patrol_mission("s1-tripoint").home
    world.states.put("uav-1", (start[0], start[1]))
    client, csrf = _client(world, "operator-all")
    patrol = client.post(
        "/api/drones/uav-1:1/patrol", json={"sector_id": "s1-tripoint"}, headers=csrf
    )
    assert patrol.status_code == 200, patrol.text
    assert patrol.json()["offset_m"] == world.tasking.patrol_spec.offset_m
    world.states.put("uav-2", offset_point(world.border, KM + 0.5, 1500.0))
    cue = client.post("/api/incidents/near/drone-cue", json={"drone_id": "uav-2:1"}, headers=csrf)
    assert cue.status_code == 200, cue.text
    assert cue.json()["offset_m"] is None
