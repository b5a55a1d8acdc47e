"""Drones in the node: a telemetry endpoint per MAVLink sensor, the tasking service that
uploads missions over the same links, and simulated patrol drones."""

from __future__ import annotations

import math
from collections.abc import Callable, MutableMapping, Sequence

import shapely

from kordon.bus.channels import DRONES
from kordon.bus.inprocess import InProcessBus
from kordon.config.integrations import MavlinkSensor
from kordon.config.models import SiteConfig
from kordon.domain.drone import DroneState
from kordon.domain.errors import KordonError
from kordon.domain.status import DeviceStatus
from kordon.drones.link import SharedLink
from kordon.drones.tasking import DroneLink, DroneTaskingService
from kordon.geo.sectors import BorderStretchSector
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.missions.patrol import PatrolSpec, patrol_sector, plan_patrol
from kordon.lifecycle import Service
from kordon.node_errors import NodeBuildError
from kordon.sensors.mavlink.endpoint import EndpointSpec
from kordon.sensors.mavlink.service import MavlinkService
from kordon.sim.drone import SimulatedDrone, mission_duration_s, waypoints_of
from kordon.sim.drone_camera import SimulatedFlight
from kordon.sim.drone_service import SimulatedDroneService
from kordon.sim.flight_plan import Waypoint
from kordon.sim.source import SharedEpoch
from kordon.video.source.clock import Clock

DEMO_DRONE_SPEED_MPS = 8.0
DEMO_PATROL = PatrolSpec(offset_m=150.0, altitude_m=50.0, speed_mps=DEMO_DRONE_SPEED_MPS)
"""The simulated patrol: low and close enough for its camera (zoomed in, pointed at the
border) to see a person crossing (~45 px tall at 8° field of view in 640 px)."""


def drones(
    config: SiteConfig,
    geometry: SiteGeometry,
    bus: InProcessBus,
    *,
    clock: Clock,
    record_status: Callable[[DeviceStatus], None],
    services: list[Service],
    flights: MutableMapping[str, SimulatedFlight] | None = None,
) -> DroneTaskingService:
    """A telemetry endpoint per MAVLink sensor (drones on the map, health), the simulated
    patrol drones of the demo (each also put in ``flights`` by sensor id, for its camera:
    ``kordon.wiring.drone_video``), and the tasking service for the operator API (missions
    go out on each sensor's own link, shared with its telemetry)."""

    def publish(state: DroneState) -> None:
        bus.publish(DRONES, state)

    links: list[DroneLink] = []

    for sensor in config.sensors:
        if not isinstance(sensor, MavlinkSensor):
            continue
        url = sensor.url
        if url.startswith("tlog:"):
            url = f"tlog:{config.resolve_path(url.removeprefix('tlog:'))}"
        dem = str(config.resolve_path(sensor.dem_file)) if sensor.dem_file else None
        resolved = sensor.model_copy(update={"url": url, "dem_file": dem})
        shared = SharedLink()
        try:
            service = MavlinkService(
                resolved,
                clock=clock,
                on_state=publish,
                on_status=record_status,
                open_link=shared.open,
            )
        except KordonError as exc:
            raise NodeBuildError(f"mavlink sensor {sensor.id!r}: {exc}") from exc
        services.append(service)
        tap = shared.tap()
        links.append(
            DroneLink(
                sensor.id,
                tuple(sensor.system_ids),
                tap,
                service.states,
                listen=tap.listening,
                uploads=service.spec.kind != "tlog",
            )
        )
        if sensor.simulated_patrol is not None:
            flight = simulated_patrol(config, geometry, sensor)
            if flights is not None:
                flights[sensor.id] = flight
            services.append(simulated_drone_service(sensor, flight, clock))
    return DroneTaskingService(links, site=config, geometry=geometry, clock=clock)


def simulated_patrol(
    config: SiteConfig, geometry: SiteGeometry, sensor: MavlinkSensor
) -> SimulatedFlight:
    """A simulated vehicle flying the generated patrol of the sensor's sector (or of its
    ``simulated_patrol_km`` stretch), looping, its camera locked on the border."""
    try:
        stretch = patrol_sector(config, geometry, str(sensor.simulated_patrol))
        if sensor.simulated_patrol_km is not None:
            stretch = _sub_stretch(stretch, sensor.simulated_patrol_km)
        mission = plan_patrol(stretch, list(geometry.borders.values()), DEMO_PATROL)
    except KordonError as exc:
        raise NodeBuildError(f"mavlink sensor {sensor.id!r}: simulated patrol: {exc}") from exc
    route = waypoints_of(mission)
    hfov = sensor.camera_hfov_deg or 60.0
    drone = SimulatedDrone(
        route,
        home_alt_m=0.0,
        speed_mps=DEMO_DRONE_SPEED_MPS,
        hfov_deg=hfov,
        vfov_deg=math.degrees(2.0 * math.atan(math.tan(math.radians(hfov) / 2.0) * 9.0 / 16.0)),
        gimbal_pitch_deg=-math.degrees(math.atan2(DEMO_PATROL.altitude_m, DEMO_PATROL.offset_m)),
        gimbal_yaw_deg=_bearing_to_border(geometry, stretch, route),
        battery_drain_pct_per_s=0.01,
        repeat_after_s=mission_duration_s(route, DEMO_DRONE_SPEED_MPS) + 30.0,
    )
    return SimulatedFlight(drone, SharedEpoch())


def simulated_drone_service(
    sensor: MavlinkSensor, flight: SimulatedFlight, clock: Clock
) -> SimulatedDroneService:
    """The simulated vehicle's telemetry, sent to the sensor's UDP endpoint (it also takes
    mission uploads there)."""
    try:
        endpoint = EndpointSpec.parse(sensor.url)
    except KordonError as exc:
        raise NodeBuildError(f"mavlink sensor {sensor.id!r}: simulated patrol: {exc}") from exc
    host = "127.0.0.1" if endpoint.host in ("", "0.0.0.0") else endpoint.host
    return SimulatedDroneService(
        flight.drone, host=host, port=endpoint.port, clock=clock, epoch=flight.epoch
    )


def _sub_stretch(sector: BorderStretchSector, km: tuple[float, float]) -> BorderStretchSector:
    lo, hi = sorted((sector.from_km, sector.to_km))
    if not all(lo <= k <= hi for k in km) or km[0] == km[1]:
        raise NodeBuildError(
            f"simulated_patrol_km {list(km)} must be two different km posts inside sector "
            f"{sector.sector_id!r} ({lo:g}-{hi:g} km)"
        )
    return BorderStretchSector(sector.sector_id, sector.border, km[0], km[1])


def _bearing_to_border(
    geometry: SiteGeometry, stretch: BorderStretchSector, route: Sequence[Waypoint]
) -> float:
    """The bearing from the middle of the patrol to the nearest point of its border: the
    camera looks across the border strip the drone flies along."""
    middle = geometry.frame.lonlat_to_xy([(w.lon, w.lat) for w in route]).mean(axis=0)
    line = shapely.LineString(stretch.border.vertices_xy)  # no segment index at build time
    nearest = line.interpolate(line.project(shapely.Point(middle)))
    east, north = nearest.x - float(middle[0]), nearest.y - float(middle[1])
    return math.degrees(math.atan2(east, north)) % 360.0
