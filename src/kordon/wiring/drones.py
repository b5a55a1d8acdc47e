"""Drones in the node: a telemetry endpoint per MAVLink sensor, and simulated patrol drones."""

from __future__ import annotations

from collections.abc import Callable

from kordon.bus.channels import DRONES
from kordon.bus.inprocess import InProcessBus
from kordon.config.integrations import MavlinkSensor
from kordon.config.models import SiteConfig
from kordon.domain.drone import DroneState
from kordon.domain.errors import KordonError
from kordon.domain.status import DeviceStatus
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.missions.patrol import PatrolSpec, patrol_sector, plan_patrol
from kordon.lifecycle import Service
from kordon.node_errors import NodeBuildError
from kordon.sensors.mavlink.endpoint import EndpointSpec
from kordon.sensors.mavlink.service import MavlinkService
from kordon.sim.drone import SimulatedDrone, SimulatedDroneService, mission_duration_s, waypoints_of
from kordon.video.source.clock import Clock

DEMO_DRONE_SPEED_MPS = 15.0


def drones(
    config: SiteConfig,
    geometry: SiteGeometry,
    bus: InProcessBus,
    *,
    clock: Clock,
    record_status: Callable[[DeviceStatus], None],
    services: list[Service],
) -> None:
    """A telemetry endpoint per MAVLink sensor (drones on the map, health), and the
    simulated patrol drones of the demo."""

    def publish(state: DroneState) -> None:
        bus.publish(DRONES, state)

    for sensor in config.sensors:
        if not isinstance(sensor, MavlinkSensor):
            continue
        url = sensor.url
        if url.startswith("tlog:"):
            url = f"tlog:{config.resolve_path(url.removeprefix('tlog:'))}"
        dem = str(config.resolve_path(sensor.dem_file)) if sensor.dem_file else None
        resolved = sensor.model_copy(update={"url": url, "dem_file": dem})
        try:
            services.append(
                MavlinkService(resolved, clock=clock, on_state=publish, on_status=record_status)
            )
        except KordonError as exc:
            raise NodeBuildError(f"mavlink sensor {sensor.id!r}: {exc}") from exc
        if sensor.simulated_patrol is not None:
            services.append(simulated_patrol(config, geometry, sensor, clock))


def simulated_patrol(
    config: SiteConfig, geometry: SiteGeometry, sensor: MavlinkSensor, clock: Clock
) -> SimulatedDroneService:
    """A simulated vehicle flying the generated patrol of the sensor's sector, looping."""
    spec = PatrolSpec(speed_mps=DEMO_DRONE_SPEED_MPS)
    try:
        stretch = patrol_sector(config, geometry, str(sensor.simulated_patrol))
        mission = plan_patrol(stretch, list(geometry.borders.values()), spec)
        endpoint = EndpointSpec.parse(sensor.url)
    except KordonError as exc:
        raise NodeBuildError(f"mavlink sensor {sensor.id!r}: simulated patrol: {exc}") from exc
    route = waypoints_of(mission)
    drone = SimulatedDrone(
        route,
        home_alt_m=0.0,
        speed_mps=DEMO_DRONE_SPEED_MPS,
        hfov_deg=sensor.camera_hfov_deg or 60.0,
        gimbal_pitch_deg=-60.0,
        battery_drain_pct_per_s=0.01,
        repeat_after_s=mission_duration_s(route, DEMO_DRONE_SPEED_MPS) + 30.0,
    )
    host = "127.0.0.1" if endpoint.host in ("", "0.0.0.0") else endpoint.host
    return SimulatedDroneService(drone, host=host, port=endpoint.port, clock=clock)
