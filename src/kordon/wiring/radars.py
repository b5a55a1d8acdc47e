"""Radars in the node: ASTERIX receivers into the site picture, and simulated radars."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from kordon.bus.channels import AIRCRAFT, OBSERVATIONS
from kordon.bus.inprocess import InProcessBus
from kordon.config.integrations import AsterixRadar
from kordon.config.models import SiteConfig
from kordon.domain.aircraft import AircraftState
from kordon.domain.errors import KordonError
from kordon.domain.scan import SensorScan
from kordon.domain.status import DeviceStatus
from kordon.geo.site_geometry import SiteGeometry
from kordon.lifecycle import Service
from kordon.node_errors import NodeBuildError
from kordon.sensors.asterix.service import AsterixRadarService
from kordon.sensors.ugs.simulated import cast_positions
from kordon.sim.radar import SimulatedRadar, SimulatedRadarService, SimulatedRadarSpec
from kordon.sim.scenes import Scene
from kordon.sim.source import SharedEpoch
from kordon.video.source.clock import Clock


def radars(
    config: SiteConfig,
    radars: Sequence[AsterixRadar],
    geometry: SiteGeometry,
    bus: InProcessBus,
    *,
    clock: Clock,
    record_status: Callable[[DeviceStatus], None],
    scenes: Mapping[str, Scene],
    worlds: Mapping[str, SharedEpoch],
    services: list[Service],
) -> AsterixRadarService | None:
    """The radars' ASTERIX intake (UDP) into the site picture (plots and tracks) and the
    map (ADS-B aircraft), and the simulated radars of those that watch a simulated world
    (they send to the radar's port like the real one)."""
    if not radars:
        return None

    def publish(scan: SensorScan) -> None:
        bus.publish(OBSERVATIONS, scan)

    def publish_aircraft(state: AircraftState) -> None:
        bus.publish(AIRCRAFT, state)

    try:
        service = AsterixRadarService(
            radars,
            geometry.frame,
            clock=clock.now,
            on_scan=publish,
            on_status=record_status,
            max_delay_s=config.fusion.tracker.reorder_lag_s / 2,
            on_aircraft=publish_aircraft,
            aircraft_max_age_s={radar.id: radar.adsb_max_age_s for radar in radars},
        )
    except (KordonError, ValueError) as exc:
        raise NodeBuildError(f"radars: {exc}") from exc
    services.append(service)
    for radar in radars:
        world = radar.simulated_world
        if world is None:
            continue
        if world not in scenes or world not in worlds:
            raise NodeBuildError(
                f"radar {radar.id!r}: simulated_world {world!r} is not a simulated camera "
                "of this site"
            )
        host = "127.0.0.1" if radar.bind_address == "0.0.0.0" else radar.bind_address
        services.append(
            SimulatedRadarService(
                SimulatedRadar(
                    SimulatedRadarSpec.of(radar, geometry.frame),
                    cast_positions(scenes[world].scenario.cast),
                ),
                epoch=worlds[world],
                clock=clock.now,
                address=(host, radar.udp_port),
            )
        )
    return service
