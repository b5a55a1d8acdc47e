"""Simulated worlds that several demo devices share (one timeline each)."""

from __future__ import annotations

from kordon.config.integrations import AsterixRadar, GroundSensor
from kordon.config.models import (
    SimulatorSource,
    SiteConfig,
)
from kordon.sim.source import SharedEpoch
from kordon.wiring.drone_video import video_worlds


def shared_worlds(config: SiteConfig) -> dict[str, SharedEpoch]:
    """One shared timeline per simulated world that more than one camera or sensor shows
    (a drone camera's view of a world counts as one)."""
    members: dict[str, int] = {}
    for camera in config.cameras:
        if camera.enabled and isinstance(camera.source, SimulatorSource):
            root = camera.source.world or camera.id
            members[root] = members.get(root, 0) + 1
    for sensor in config.sensors:
        if isinstance(sensor, GroundSensor | AsterixRadar) and sensor.simulated_world is not None:
            members[sensor.simulated_world] = members.get(sensor.simulated_world, 0) + 1
    for world in video_worlds(config):
        members[world] = members.get(world, 0) + 1
    return {root: SharedEpoch() for root, n in members.items() if n > 1}
