"""Ground sensors in the node: their intake into the site picture, and simulated twins."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

from kordon.bus.channels import OBSERVATIONS
from kordon.bus.inprocess import InProcessBus
from kordon.config.integrations import GroundSensor
from kordon.config.models import SiteConfig
from kordon.domain.errors import KordonError
from kordon.domain.observations import Observations
from kordon.domain.scan import SensorScan
from kordon.domain.status import DeviceStatus
from kordon.geo.site_geometry import SiteGeometry
from kordon.lifecycle import Service
from kordon.node_errors import NodeBuildError
from kordon.sensors.ugs.service import GroundSensorService
from kordon.sensors.ugs.simulated import (
    SimulatedGroundSensor,
    SimulatedSensorSpec,
    cast_positions,
)
from kordon.sensors.ugs.simulated_service import SimulatedGroundSensorsService
from kordon.sim.scenes import Scene
from kordon.sim.source import SharedEpoch
from kordon.video.source.clock import Clock


def ground_sensors(
    config: SiteConfig,
    ground: Sequence[GroundSensor],
    geometry: SiteGeometry,
    bus: InProcessBus,
    *,
    clock: Clock,
    record_status: Callable[[DeviceStatus], None],
    scenes: Mapping[str, Scene],
    worlds: Mapping[str, SharedEpoch],
    services: list[Service],
) -> GroundSensorService | None:
    """The ground sensors' intake (MQTT, signed HTTP) into the site picture, and the
    simulated twins of those that watch a simulated world."""
    if not ground:
        return None

    def publish(obs: Observations) -> None:  # one alarm: one sensor per batch
        bus.publish(OBSERVATIONS, SensorScan(str(obs.sensor_id[0]), float(obs.time_s.max()), obs))

    try:
        service = GroundSensorService(
            ground,
            geometry.frame,
            clock=clock.now,
            environ=os.environ,
            on_observations=publish,
            on_status=record_status,
            max_delay_s=config.fusion.tracker.reorder_lag_s / 2,
        )
    except KordonError as exc:
        raise NodeBuildError(f"ground sensors: {exc}") from exc
    services.append(service)
    twins: dict[str, list[SimulatedGroundSensor]] = {}
    for sensor in ground:
        world = sensor.simulated_world
        if world is None:
            continue
        if world not in scenes or world not in worlds:
            raise NodeBuildError(
                f"ground sensor {sensor.id!r}: simulated_world {world!r} is not a simulated "
                "camera of this site"
            )
        twin = SimulatedGroundSensor(
            SimulatedSensorSpec.of(sensor, geometry.frame),
            cast_positions(scenes[world].scenario.cast),
        )
        twins.setdefault(world, []).append(twin)
    for world, sensors in twins.items():
        services.append(
            SimulatedGroundSensorsService(
                sensors, epoch=worlds[world], clock=clock.now, send=service.intake.handle
            )
        )
    return service
