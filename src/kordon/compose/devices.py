"""The field devices other than the fixed cameras: drones (and their cameras), ground
sensors and radars."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kordon.bus.inprocess import InProcessBus
from kordon.config.integrations import AsterixRadar, GroundSensor
from kordon.config.models import SiteConfig
from kordon.domain.status import DeviceStatus
from kordon.drones.tasking import DroneTaskingService
from kordon.geo.site_geometry import SiteGeometry
from kordon.lifecycle import Service
from kordon.sensors.ugs.service import GroundSensorService
from kordon.sim.drone_camera import SimulatedFlight
from kordon.sim.scenes import Scene
from kordon.sim.source import SharedEpoch
from kordon.video.source.clock import Clock
from kordon.wiring.drone_video import drone_videos
from kordon.wiring.drones import drones
from kordon.wiring.ground import ground_sensors
from kordon.wiring.radars import radars as wire_radars


@dataclass(frozen=True)
class FieldDevices:
    drone_tasking: DroneTaskingService
    """Missions for the operator API."""
    ground: GroundSensorService | None
    """Its HTTP intake is the API's (none without ground sensors)."""
    services: list[Service]
    """In the order they start."""


def field_devices(
    config: SiteConfig,
    geometry: SiteGeometry,
    bus: InProcessBus,
    *,
    ground: Sequence[GroundSensor],
    radars: Sequence[AsterixRadar],
    clock: Clock,
    record_status: Callable[[DeviceStatus], None],
    scenes: Mapping[str, Scene],
    worlds: Mapping[str, SharedEpoch],
) -> FieldDevices:
    """The drones, their videos, the ground sensors and the radars; the simulated ones
    watch the cameras' ``scenes`` and the shared ``worlds``."""
    services: list[Service] = []
    flights: dict[str, SimulatedFlight] = {}
    drone_tasking = drones(
        config,
        geometry,
        bus,
        clock=clock,
        record_status=record_status,
        services=services,
        flights=flights,
    )
    drone_videos(
        config,
        geometry,
        bus,
        clock=clock,
        worlds=worlds,
        flights=flights,
        services=services,
        record_status=record_status,
    )
    ground_service = ground_sensors(
        config,
        ground,
        geometry,
        bus,
        clock=clock,
        record_status=record_status,
        scenes=scenes,
        worlds=worlds,
        services=services,
    )
    wire_radars(
        config,
        radars,
        geometry,
        bus,
        clock=clock,
        record_status=record_status,
        scenes=scenes,
        worlds=worlds,
        services=services,
    )
    return FieldDevices(drone_tasking=drone_tasking, ground=ground_service, services=services)
