"""Drone video in the node: a camera on a MAVLink drone, its detections fused at the site.

For each ``mavlink`` sensor with a ``video:`` block: the camera's frames (the simulated
drone's view of a simulated world, ``kordon.sim.drone_camera``; a recorded file; or a live
RTSP stream, decoded by the fixed cameras' sources: ``kordon.sensors.dronecam.frames``),
the detector (NanoDet on square tiles), the observer (pose matched by time with ``video.offset_s``,
projection through the live pose, flat ground at home or the sensor's ``dem_file``) and a
:class:`DroneVideoService` that feeds it the vehicle's telemetry from the ``drones``
channel and publishes its scans on ``observations`` as the drone (``<sensor>:<system>``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from kordon.bus.channels import DEVICE_STATUS, OBSERVATIONS
from kordon.bus.inprocess import InProcessBus
from kordon.config.camera import SimulatorSource
from kordon.config.drone_video import (
    DroneVideoConfig,
    DroneVideoFile,
    DroneVideoStream,
    SimulatedDroneView,
    video_file_problem,
    world_problem,
)
from kordon.config.integrations import MavlinkSensor
from kordon.config.models import SiteConfig
from kordon.domain.errors import KordonError
from kordon.domain.scan import SensorScan
from kordon.domain.status import DeviceStatus
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.footprint import SrtmTile
from kordon.geo.frame import LocalFrame
from kordon.geo.site_geometry import SiteGeometry
from kordon.lifecycle import Service
from kordon.node_errors import NodeBuildError
from kordon.sensors.dronecam.frames import DroneFileFrames, DroneStreamFrames
from kordon.sensors.dronecam.observer import DroneCamObserver
from kordon.sensors.dronecam.pose import PoseHistory
from kordon.sensors.dronecam.projection import GroundProjector
from kordon.sensors.dronecam.video import (
    DroneFrames,
    DroneVideoAnalyser,
    DroneVideoService,
    StatusSink,
    video_device_id,
)
from kordon.sim.camera_scene import scene_for_camera
from kordon.sim.drone_camera import DroneCameraView, DroneViewSource, SimulatedFlight
from kordon.sim.source import SharedEpoch
from kordon.video.detectors.base import Detector
from kordon.video.detectors.coco import COCO80_LABELS
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.detectors.region import RegionDetector
from kordon.video.source.base import HealthSink
from kordon.video.source.clock import Clock
from kordon.video.source.file import FileSource
from kordon.video.source.stream import StreamSettings, StreamSource

MIN_TILE_PX = 64


class LoadableDetector(Detector, Protocol):
    """A detector whose model is read by ``load()`` on the service's thread."""

    def load(self) -> None: ...


DetectorFactory = Callable[[MavlinkSensor, DroneVideoConfig], LoadableDetector]


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
    detector: LoadableDetector,
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


def _file_frames(
    config: SiteConfig,
    sensor: MavlinkSensor,
    video: DroneVideoConfig,
    source: DroneVideoFile,
    *,
    clock: Clock,
) -> Callable[[], DroneFrames]:
    """A recorded video (checked here; read on the service's thread)."""
    problem = video_file_problem(source, config.resolve_path)
    if problem is not None:
        raise NodeBuildError(f"mavlink sensor {sensor.id!r}: video.source.path: {problem}")
    path = config.resolve_path(source.path)
    start = None if isinstance(source.start_time, str) else source.start_time

    def make() -> DroneFrames:
        file = FileSource(path, clock=clock, realtime=source.realtime, target_fps=video.fps)
        return DroneFileFrames(
            file,
            start_time=start,
            time_offset_s=source.time_offset_s,
            max_size_wh=(video.width, video.height),
        )

    return make


def _stream_frames(
    sensor: MavlinkSensor,
    video: DroneVideoConfig,
    source: DroneVideoStream,
    *,
    clock: Clock,
    health: HealthSink,
) -> Callable[[], DroneFrames]:
    """A live RTSP stream (connects, and reconnects, on the service's thread)."""
    settings = StreamSettings(
        rtsp_transport=source.transport,
        open_timeout_s=source.timeout_s,
        read_timeout_s=source.timeout_s,
    )
    device_id = video_device_id(drone_id_of(sensor, video))

    def make() -> DroneFrames:
        stream = StreamSource(
            source.url,
            device_id=device_id,
            clock=clock,
            rng=random.Random(),
            health=health,
            settings=settings,
            target_fps=video.fps,
        )
        return DroneStreamFrames(
            stream, time_offset_s=source.time_offset_s, max_size_wh=(video.width, video.height)
        )

    return make


def frame_factory(
    config: SiteConfig,
    geometry: SiteGeometry,
    sensor: MavlinkSensor,
    video: DroneVideoConfig,
    *,
    clock: Clock,
    worlds: Mapping[str, SharedEpoch],
    flights: Mapping[str, SimulatedFlight],
    health: HealthSink,
) -> Callable[[], DroneFrames]:
    """What builds the drone camera's frame source on the service's thread, by the
    source's kind (checked now: a missing file or simulated world is a build error)."""
    source = video.source
    if isinstance(source, DroneVideoFile):
        return _file_frames(config, sensor, video, source, clock=clock)
    if isinstance(source, DroneVideoStream):
        return _stream_frames(sensor, video, source, clock=clock, health=health)
    return _simulated_frames(
        config, geometry, sensor, video, source, clock=clock, worlds=worlds, flights=flights
    )


def drone_videos(
    config: SiteConfig,
    geometry: SiteGeometry,
    bus: InProcessBus,
    *,
    clock: Clock,
    worlds: Mapping[str, SharedEpoch],
    flights: Mapping[str, SimulatedFlight],
    services: list[Service],
    record_status: Callable[[DeviceStatus], None] | None = None,
    detectors: DetectorFactory = build_detector,
) -> None:
    """A :class:`DroneVideoService` per drone camera (see the module docstring); its scans
    reach the site picture, which must know the drone (:func:`drone_video_specs`). Device
    statuses (the video source's health, frames without telemetry) go to
    ``record_status`` (default: the bus's ``device_status`` channel). ``detectors``
    builds each camera's detector (default NanoDet, :func:`build_detector`)."""

    def publish(scan: SensorScan) -> None:
        bus.publish(OBSERVATIONS, scan)

    def publish_status(status: DeviceStatus) -> None:
        bus.publish(DEVICE_STATUS, status)

    on_status = record_status if record_status is not None else publish_status

    for sensor, video in video_sensors(config):
        drone_id = drone_id_of(sensor, video)
        detector = detectors(sensor, video)
        observer = DroneCamObserver(
            drone_id,
            PoseHistory(offset_s=video.offset_s),
            GroundProjector(geometry.frame),  # flat at home until load() reads a DEM
            default_hfov_deg=sensor.camera_hfov_deg,
        )
        make_frames = frame_factory(
            config,
            geometry,
            sensor,
            video,
            clock=clock,
            worlds=worlds,
            flights=flights,
            health=on_status,
        )
        services.append(
            DroneVideoService(
                DroneVideoAnalyser(detector, observer),
                make_frames,
                bus,
                publish=publish,
                load=_loader(config, sensor, detector, observer, geometry.frame),
                # a simulated view renders at exactly video.fps; a file's or a stream's
                # decimated frames can come closer together (no promise to break)
                frame_interval_s=(
                    1.0 / video.fps if isinstance(video.source, SimulatedDroneView) else None
                ),
                status=StatusSink(on_status, clock),
            )
        )
