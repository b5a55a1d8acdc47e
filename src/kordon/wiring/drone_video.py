"""Drone video in the node: a camera on a MAVLink drone, its detections fused at the site.

For each ``mavlink`` sensor with a ``video:`` block: the camera's frames (today the
simulated drone's view of a simulated world; ``kordon.sim.drone_camera``), the detector
(NanoDet on square tiles), the observer (pose matched by time with ``video.offset_s``,
projection through the live pose, flat ground at home or the sensor's ``dem_file``) and a
:class:`DroneVideoService` that feeds it the vehicle's telemetry from the ``drones``
channel and publishes its scans on ``observations`` as the drone (``<sensor>:<system>``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from kordon.bus.channels import OBSERVATIONS
from kordon.bus.inprocess import InProcessBus
from kordon.config.camera import SimulatorSource
from kordon.config.drone_video import DroneVideoConfig, SimulatedDroneView, world_problem
from kordon.config.integrations import MavlinkSensor
from kordon.config.models import SiteConfig
from kordon.domain.errors import KordonError
from kordon.domain.scan import SensorScan
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.footprint import SrtmTile
from kordon.geo.frame import LocalFrame
from kordon.geo.site_geometry import SiteGeometry
from kordon.lifecycle import Service
from kordon.node_errors import NodeBuildError
from kordon.sensors.dronecam.observer import DroneCamObserver
from kordon.sensors.dronecam.pose import PoseHistory
from kordon.sensors.dronecam.projection import GroundProjector
from kordon.sensors.dronecam.video import DroneFrames, DroneVideoAnalyser, DroneVideoService
from kordon.sim.camera_scene import scene_for_camera
from kordon.sim.drone_camera import DroneCameraView, DroneViewSource, SimulatedFlight
from kordon.sim.source import SharedEpoch
from kordon.video.detectors.coco import COCO80_LABELS
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.detectors.region import RegionDetector
from kordon.video.source.clock import Clock

MIN_TILE_PX = 64


def video_sensors(config: SiteConfig) -> list[tuple[MavlinkSensor, DroneVideoConfig]]:
    """The MAVLink sensors with a drone camera's video, and that video."""
    return [
        (s, s.video) for s in config.sensors if isinstance(s, MavlinkSensor) and s.video is not None
    ]


def drone_id_of(sensor: MavlinkSensor, video: DroneVideoConfig) -> str:
    """``<sensor id>:<system id>`` of the vehicle carrying the camera."""
    system_id = video.system_id if video.system_id is not None else sensor.system_ids[0]
    if system_id not in sensor.system_ids:
        raise NodeBuildError(
            f"mavlink sensor {sensor.id!r}: video.system_id {system_id} is not one of "
            f"system_ids {sensor.system_ids}"
        )
    return f"{sensor.id}:{system_id}"


def drone_video_specs(config: SiteConfig) -> list[SensorSpec]:
    """The site picture's sensor entries of the drone cameras (one per video)."""
    return [SensorSpec(drone_id_of(s, v), SensorKind.DRONE) for s, v in video_sensors(config)]


def video_worlds(config: SiteConfig) -> list[str]:
    """The simulated worlds that drone cameras show (each needs a shared epoch)."""
    return [
        v.source.world for _, v in video_sensors(config) if isinstance(v.source, SimulatedDroneView)
    ]


def build_detector(sensor: MavlinkSensor, video: DroneVideoConfig) -> RegionDetector:
    """NanoDet on ``video.tiles`` square-ish tiles of each frame (constructed, not loaded)."""
    unknown = [c for c in video.classes if c not in COCO80_LABELS]
    if unknown:
        raise NodeBuildError(
            f"mavlink sensor {sensor.id!r}: video.classes {unknown} are not classes of the "
            f"detector (e.g. person, car, truck, bicycle)"
        )
    try:
        inner = NanoDetDetector(
            classes=list(video.classes), score_threshold=video.min_score, threads=video.threads
        )
        return RegionDetector(inner, tiles_xy=video.tiles, min_crop_px=MIN_TILE_PX)
    except KordonError as exc:
        raise NodeBuildError(f"mavlink sensor {sensor.id!r}: video detector: {exc}") from exc


def _loader(
    config: SiteConfig,
    sensor: MavlinkSensor,
    detector: RegionDetector,
    observer: DroneCamObserver,
    frame: LocalFrame,
) -> Callable[[], None]:
    """What the service readies on its thread: the detector's model and, when the sensor
    names one, the terrain model (read at start, not at build, as the telemetry does)."""

    def load() -> None:
        detector.load()
        if sensor.dem_file is not None:
            tile = SrtmTile.read(Path(config.resolve_path(sensor.dem_file)))
            observer.projector = GroundProjector(frame, tile)

    return load


def _simulated_frames(
    config: SiteConfig,
    geometry: SiteGeometry,
    sensor: MavlinkSensor,
    video: DroneVideoConfig,
    source: SimulatedDroneView,
    *,
    clock: Clock,
    worlds: Mapping[str, SharedEpoch],
    flights: Mapping[str, SimulatedFlight],
) -> Callable[[], DroneFrames]:
    where = f"mavlink sensor {sensor.id!r}: video.source"
    flight = flights.get(sensor.id)
    if flight is None:
        raise NodeBuildError(f"{where}: a simulated drone view needs simulated_patrol")
    problem = world_problem(source, config.cameras)
    if problem is not None:
        raise NodeBuildError(f"{where}.world: {problem}")
    camera = config.camera(source.world)
    cam_source = camera.source
    if not isinstance(cam_source, SimulatorSource):  # checked by world_problem
        raise NodeBuildError(f"{where}.world: {camera.id!r} is not a simulated camera")
    epoch = worlds.get(camera.id)
    if epoch is None:
        raise NodeBuildError(f"{where}.world: no shared timeline for world {camera.id!r}")
    drone_id = drone_id_of(sensor, video)

    def make() -> DroneFrames:
        # on the service's thread: building the world's scene takes seconds
        scene = scene_for_camera(config, camera, cam_source)
        view = DroneCameraView(
            scene.scenario,
            flight.drone,
            geometry.frame,
            size_wh=(video.width, video.height),
            fps=video.fps,
            name=drone_id,
        )
        return DroneViewSource(view, flight, world_epoch=epoch, clock=clock, source_id=drone_id)

    return make


def drone_videos(
    config: SiteConfig,
    geometry: SiteGeometry,
    bus: InProcessBus,
    *,
    clock: Clock,
    worlds: Mapping[str, SharedEpoch],
    flights: Mapping[str, SimulatedFlight],
    services: list[Service],
) -> None:
    """A :class:`DroneVideoService` per drone camera (see the module docstring); its scans
    reach the site picture, which must know the drone (:func:`drone_video_specs`)."""

    def publish(scan: SensorScan) -> None:
        bus.publish(OBSERVATIONS, scan)

    for sensor, video in video_sensors(config):
        drone_id = drone_id_of(sensor, video)
        detector = build_detector(sensor, video)
        observer = DroneCamObserver(
            drone_id,
            PoseHistory(offset_s=video.offset_s),
            GroundProjector(geometry.frame),  # flat at home until load() reads a DEM
            default_hfov_deg=sensor.camera_hfov_deg,
        )
        source = video.source
        make_frames = _simulated_frames(
            config,
            geometry,
            sensor,
            video,
            source,
            clock=clock,
            worlds=worlds,
            flights=flights,
        )
        services.append(
            DroneVideoService(
                DroneVideoAnalyser(detector, observer),
                make_frames,
                bus,
                publish=publish,
                load=_loader(config, sensor, detector, observer, geometry.frame),
                frame_interval_s=1.0 / video.fps,
            )
        )
