"""The node's drone video wiring: what the demo site builds, and what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kordon.bus.inprocess import InProcessBus
from kordon.config.integrations import MavlinkSensor
from kordon.config.loader import load_site
from kordon.config.models import SiteConfig
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.site_geometry import SiteGeometry
from kordon.lifecycle import Service
from kordon.node_errors import NodeBuildError
from kordon.sensors.dronecam.video import DroneVideoService
from kordon.sim.drone import SimulatedDrone
from kordon.sim.drone_camera import SimulatedFlight
from kordon.sim.flight_plan import Waypoint
from kordon.sim.source import SharedEpoch
from kordon.video.source.clock import FakeClock
from kordon.wiring.drone_video import build_detector, drone_video_specs, drone_videos
from kordon.wiring.worlds import shared_worlds

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def site(repo_root: Path) -> SiteConfig:
    return load_site(repo_root / "examples" / "volyn" / "site.yaml")


def _uav(site: SiteConfig) -> MavlinkSensor:
    sensor = next(s for s in site.sensors if isinstance(s, MavlinkSensor))
    assert sensor.video is not None
    return sensor


def _flight() -> SimulatedFlight:
    route = [Waypoint(51.54, 23.64, 50.0), Waypoint(51.545, 23.64, 50.0)]
    return SimulatedFlight(SimulatedDrone(route, home_alt_m=0.0, speed_mps=8.0), SharedEpoch())


def test_the_demo_drone_is_a_sensor_of_the_site_picture(site: SiteConfig) -> None:
    assert drone_video_specs(site) == [SensorSpec("uav-1:1", SensorKind.DRONE)]
    # the drone's view shares tower 1's timeline, even where one camera alone shows it
    alone = site.model_copy(update={"cameras": [site.camera("cam-1")]})
    assert set(shared_worlds(alone)) == {"cam-1"}


def test_the_demo_builds_one_drone_video_service(site: SiteConfig) -> None:
    services: list[Service] = []
    drone_videos(
        site,
        SiteGeometry.from_config(site),
        InProcessBus(),
        clock=FakeClock(T0),
        worlds=shared_worlds(site),
        flights={"uav-1": _flight()},
        services=services,
    )
    assert [s.name for s in services] == ["drone-video-uav-1:1"]
    assert isinstance(services[0], DroneVideoService)
    assert services[0].analyser.observer.history.offset_s == 0.0


def test_a_simulated_view_without_its_simulated_drone_is_refused(site: SiteConfig) -> None:
    with pytest.raises(NodeBuildError, match="needs simulated_patrol"):
        drone_videos(
            site,
            SiteGeometry.from_config(site),
            InProcessBus(),
            clock=FakeClock(T0),
            worlds=shared_worlds(site),
            flights={},
            services=[],
        )


def test_a_class_the_detector_does_not_know_is_refused(site: SiteConfig) -> None:
    sensor = _uav(site)
    assert sensor.video is not None
    video = sensor.video.model_copy(update={"classes": ["person", "yeti"]})
    with pytest.raises(NodeBuildError, match=r"video.classes \['yeti'\]"):
        build_detector(sensor, video)
