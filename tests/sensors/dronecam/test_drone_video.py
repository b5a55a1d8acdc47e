"""The drone camera end to end: the simulated drone's view of the demo's simulated world,
the real detector (NanoDet, tiled), telemetry decoded from the vehicle's MAVLink bytes,
geolocation through the time-matched pose, and the site tracker fusing the drone's
observation with a tower's track of the same person."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from kordon.bus.inprocess import InProcessBus
from kordon.config.fusion import SiteFusionConfig
from kordon.config.loader import load_site
from kordon.config.models import SimulatorSource, SiteConfig
from kordon.domain.detections import Detections
from kordon.domain.live_track import LiveTrack
from kordon.domain.observations import Observations
from kordon.domain.scan import SensorScan
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.camera_pose import PinholeCamera
from kordon.geo.sectors import BorderStretchSector
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.missions.patrol import PatrolSpec, plan_patrol
from kordon.sensors.dronecam import DroneCamObserver, GroundProjector, PoseHistory
from kordon.sensors.dronecam.video import DroneVideoAnalyser, DroneVideoService
from kordon.sensors.mavlink.ingest import IngestLimits, TelemetryIngest
from kordon.sim.drone import SimulatedDrone, mission_duration_s, waypoints_of
from kordon.sim.drone_camera import (
    DroneCameraView,
    DroneFrame,
    DroneViewProjector,
    DroneViewSource,
    SimulatedFlight,
)
from kordon.sim.geo_scene import build_geo_scene, view_of_border
from kordon.sim.render import Renderer
from kordon.sim.scenes import Scene
from kordon.sim.source import SharedEpoch
from kordon.site.factory import site_picture_core
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.detectors.region import RegionDetector
from kordon.video.source.clock import FakeClock

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SIZE = (640, 360)
FPS = 2.0
HFOV = 8.0
VFOV = math.degrees(2.0 * math.atan(math.tan(math.radians(HFOV) / 2.0) * 9.0 / 16.0))
ALT_M, OFFSET_M, SPEED = 50.0, 150.0, 8.0
DRONE, TOWER = "uav-1:1", "cam-1"
FLIGHT_AHEAD_S = 11.0
"""The drone took off this long before the world began: it passes the crossing point
(flight time 44-46 s) while the second intruder crosses (world time 31-51 s)."""


@dataclass(frozen=True)
class Demo:
    site: SiteConfig
    geometry: SiteGeometry
    scene: Scene
    drone: SimulatedDrone


@pytest.fixture(scope="module")
def demo(repo_root: Path) -> Demo:
    """The demo's world (tower 1's border scene) and a patrol like the demo's: 150 m
    inland along km 9.7-10.3 at 50 m, 8 m/s, a zoom camera locked across the border."""
    site = load_site(repo_root / "examples" / "volyn" / "site.yaml")
    geometry = SiteGeometry.from_config(site)
    camera = site.camera(TOWER)
    assert isinstance(camera.source, SimulatorSource)
    scene = build_geo_scene(site, TOWER, camera.source.seed, geometry=geometry)
    model = geometry.camera_model(camera)
    border = geometry.border_for_camera(camera, site)
    assert isinstance(model, PinholeCamera)
    assert border is not None
    hx, hy = view_of_border(model, border).home_normal
    stretch = BorderStretchSector("s1-tripoint", border, 9.7, 10.3)
    spec = PatrolSpec(offset_m=OFFSET_M, altitude_m=ALT_M, speed_mps=SPEED)
    route = waypoints_of(plan_patrol(stretch, list(geometry.borders.values()), spec))
    drone = SimulatedDrone(
        route,
        home_alt_m=0.0,
        speed_mps=SPEED,
        hfov_deg=HFOV,
        vfov_deg=VFOV,
        gimbal_pitch_deg=-math.degrees(math.atan2(ALT_M, OFFSET_M)),
        gimbal_yaw_deg=math.degrees(math.atan2(-hx, -hy)),  # across the border
        repeat_after_s=mission_duration_s(route, SPEED) + 30.0,
    )
    return Demo(site, geometry, scene, drone)


def _frames(demo: Demo, clock: FakeClock) -> Iterator[DroneFrame]:
    world = SharedEpoch()
    world.fix(T0)
    flight = SimulatedFlight(demo.drone, SharedEpoch())
    flight.epoch.fix(T0 - timedelta(seconds=FLIGHT_AHEAD_S))
    view = DroneCameraView(
        demo.scene.scenario, demo.drone, demo.geometry.frame, size_wh=SIZE, fps=FPS
    )
    source = DroneViewSource(view, flight, world_epoch=world, clock=clock)
    source.open()
    return source.drone_frames()


def test_the_drone_view_draws_people_where_the_geolocation_puts_them_back(demo: Demo) -> None:
    """The renderer's camera and the observer's inverse projection are one model."""
    view = DroneCameraView(
        demo.scene.scenario, demo.drone, demo.geometry.frame, size_wh=SIZE, fps=FPS
    )
    pose = view.pose_at(45.0, 1_000.0)
    ground = GroundProjector(demo.geometry.frame)
    centre = ground.project(pose, view.intrinsics, [[SIZE[0] / 2.0, SIZE[1] / 2.0]])
    assert bool(centre.valid[0])
    east, north = (float(v) for v in centre.xy_m[0])
    drawn = DroneViewProjector(ground, view.intrinsics, pose, ground_alt_m=0.0).project(east, north)
    assert drawn is not None
    # the renderer draws with pixel centres on integers: half a pixel from the model's
    assert (drawn.u_px + 0.5, drawn.v_px + 0.5) == pytest.approx((320.0, 180.0), abs=1e-6)
    # a person 160 m away through the 8° zoom is drawn ~45 px tall (the detector's size)
    assert 40.0 < 1.8 / drawn.m_per_px < 55.0
    # behind the camera nothing is drawn
    sim = demo.drone.pose_at(45.0)
    behind_e, behind_n = demo.geometry.frame.to_local(sim.lon, sim.lat)
    yaw = math.radians(pose.yaw_deg)
    back = DroneViewProjector(ground, view.intrinsics, pose, ground_alt_m=0.0).project(
        float(behind_e) - 100.0 * math.sin(yaw), float(behind_n) - 100.0 * math.cos(yaw)
    )
    assert back is None


def test_a_frame_before_any_telemetry_gives_no_scan(demo: Demo) -> None:
    clock = FakeClock(T0 + timedelta(seconds=33.0))
    frame = next(_frames(demo, clock))
    observer = DroneCamObserver(DRONE, PoseHistory(), GroundProjector(demo.geometry.frame))
    scans: list[SensorScan] = []
    service = DroneVideoService(
        DroneVideoAnalyser(_NoDetector(), observer),
        lambda: pytest.fail("not started"),
        InProcessBus(),
        publish=scans.append,
    )
    result = service.step(frame.frame)
    assert result.scan is None
    assert "no telemetry" in result.detail
    assert scans == []


class _NoDetector:
    labels = ("person",)

    def detect(self, image: object) -> Detections:
        return Detections.from_arrays(np.zeros((0, 4)), [], [], self.labels)


def test_the_drone_sees_an_intruder_and_the_site_fuses_it_with_the_tower(demo: Demo) -> None:
    clock = FakeClock(T0 + timedelta(seconds=32.0))  # world time 32 s: flight time 43 s
    telemetry = TelemetryIngest(
        "uav-1", [1], started=clock.now(), limits=IngestLimits(min_publish_interval_s=0.0)
    )
    detector = RegionDetector(
        NanoDetDetector(classes=["person"], score_threshold=0.35), tiles_xy=(2, 1), min_crop_px=64
    )
    detector.load()
    observer = DroneCamObserver(DRONE, PoseHistory(), GroundProjector(demo.geometry.frame))
    analyser = DroneVideoAnalyser(detector, observer)
    published: list[SensorScan] = []
    service = DroneVideoService(
        analyser,
        lambda: pytest.fail("not started"),
        InProcessBus(),
        publish=published.append,
        frame_interval_s=1.0 / FPS,
    )
    core = site_picture_core(
        demo.geometry,
        [SensorSpec(TOWER, SensorKind.CAMERA), SensorSpec(DRONE, SensorKind.DRONE)],
        SiteFusionConfig(),
    )
    world = Renderer(demo.scene.scenario, demo.scene.projector)  # tower 1's own view
    rng = np.random.default_rng(5)
    live: list[LiveTrack] = []
    errors: list[float] = []
    visible_frames = 0
    telemetry_s = 32.0 + FLIGHT_AHEAD_S - 3.0  # flight time of the next telemetry to send
    tower_s = 28.0  # world time of the next tower scan (5 fps), from before the drone
    for drone_frame in _frames(demo, clock):
        t_world = (drone_frame.frame.time - T0).total_seconds()
        if t_world > 35.0:
            break
        # what arrived before this frame was analysed: telemetry and tower scans up to
        # 0.3 s after it (analysing a frame takes that long)
        while telemetry_s <= t_world + FLIGHT_AHEAD_S + 0.3:
            sent = T0 + timedelta(seconds=telemetry_s - FLIGHT_AHEAD_S)
            for state in telemetry.feed(b"".join(demo.drone.frames_at(telemetry_s)), sent).states:
                analyser.add_state(state)
            telemetry_s += 0.2
        while tower_s <= t_world + 0.3:
            scan = _tower_scan(world, tower_s, rng)
            live += core.on_scan(scan, T0.timestamp() + tower_s + 0.05).live
            tower_s += 0.2
        truths = [a for a in drone_frame.rendered.truth.visible if a.class_name == "person"]
        visible_frames += bool(truths)
        result = service.step(drone_frame.frame)
        assert result.scan is not None, result.detail
        obs = result.scan.observations
        for xy in obs.east_north_m:
            nearest = min(math.dist(xy, a.path_xy) for a in truths) if truths else math.inf
            errors.append(nearest)
        live += core.on_scan(result.scan, T0.timestamp() + t_world + 0.4).live
    assert visible_frames >= 4, "the drone must pass over the crossing in this window"
    assert len(errors) >= 3, f"NanoDet found the intruder in {len(errors)} drone frames"
    assert max(errors) < 5.0, f"drone observations {errors} m from the nearest person"
    assert published
    assert all(s.next_after_s == pytest.approx(s.time_s + 0.49) for s in published)
    fused = [t for t in live if {TOWER, DRONE} <= set(t.sensors)]
    assert fused, "a drone observation must join the tower's track of the same person"
    assert "1001" in {lid for t in fused for lid in t.local_ids[TOWER]}  # the intruder
    # one site track per person: the drone's observations made no track of their own
    people = {lid for t in live for lid in t.local_ids.get(TOWER, ())}
    assert len({t.track_id for t in live}) == len(people)


def _tower_scan(world: Renderer, t_world: float, rng: np.random.Generator) -> SensorScan:
    """Tower 1's observations at ``t_world``: every person it sees, at the truth with 2 m
    of noise (the tower pipeline is tested elsewhere; here it stands in as a sensor)."""
    k = round(t_world * world.scenario.fps)
    people = [a for a in world.truth(k).visible if a.class_name == "person"]
    time_s = T0.timestamp() + k / world.scenario.fps
    obs = Observations.from_arrays(
        time_s=[time_s] * len(people),
        sensor_id=TOWER,
        east_north_m=np.asarray([a.path_xy for a in people]).reshape(-1, 2)
        + rng.normal(0.0, 2.0, (len(people), 2)),
        cov_m2=[np.eye(2) * 4.0] * len(people),
        class_name="person",
        confidence=[0.8] * len(people),
        local_id=[str(a.actor_id) for a in people],
    )
    return SensorScan(TOWER, time_s, obs)


def test_a_reader_that_falls_behind_gets_the_frame_due_now(demo: Demo) -> None:
    clock = FakeClock(T0 + timedelta(seconds=10.0))
    frames = _frames(demo, clock)
    first = next(frames)
    assert first.frame.index == 20  # world time 10 s at 2 fps: it joins the world there
    assert first.frame.time == T0 + timedelta(seconds=10.0)
    clock.advance(3.2)  # the reader was busy for 3.2 s
    late = next(frames)
    assert late.frame.index == 26
    assert late.frame.time == T0 + timedelta(seconds=13.0)
    # the pose it was drawn from is the drone's at that wall time (flight 11 s ahead)
    truth = demo.drone.pose_at(13.0 + FLIGHT_AHEAD_S)
    assert (late.pose.lat, late.pose.lon) == pytest.approx((truth.lat, truth.lon), abs=1e-9)
    assert late.pose.time_s == (T0 + timedelta(seconds=13.0)).timestamp()
    nxt = next(frames)
    assert nxt.frame.index == 27
    assert clock.sleeps[-1] == pytest.approx(0.3)  # paced to its due time, 13.5 s
