"""The fixed cameras: each one's frame source (simulated, file or stream), live video,
recorder and analytics."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path

from kordon.bus.channels import OBSERVATIONS
from kordon.bus.inprocess import InProcessBus
from kordon.compose.frame_results import result_handler
from kordon.compose.recording import recorder_service
from kordon.config.models import CameraConfig, FileSource, SimulatorSource, SiteConfig
from kordon.domain.errors import KordonError
from kordon.domain.event import Event
from kordon.domain.status import DeviceStatus
from kordon.geo.site_geometry import SiteGeometry
from kordon.geo.stage import GeoStage, GeoStageSettings
from kordon.lifecycle import Service
from kordon.node_errors import NodeBuildError
from kordon.record.packet_source import AvPacketSource, PacketSource
from kordon.record.repository import RecordingRepository
from kordon.record.retention import RetentionPolicy
from kordon.services.camera_service import CameraService
from kordon.services.evidence_log import EvidenceLog
from kordon.services.live_frames import CameraOverlay, LiveFrames
from kordon.services.recorder_service import RecorderService
from kordon.services.track_feed import TrackFeed
from kordon.sim.camera import SimulatedCamera
from kordon.sim.camera_scene import scene_for_camera
from kordon.sim.render import Renderer
from kordon.sim.scenes import Scene
from kordon.sim.source import SharedEpoch, SimulatedSource
from kordon.video.factory import build_camera_pipeline, build_frame_source
from kordon.video.live.pacing import PacedPacketSource
from kordon.video.live.service import LiveVideoService, camera_shapes
from kordon.video.pipeline.pipeline import CameraPipeline
from kordon.video.source.base import FrameSource, HealthSink
from kordon.video.source.clock import Clock

logger = logging.getLogger("kordon.app")  # the composition root's log lines keep its name


def camera_services(
    config: SiteConfig,
    geometry: SiteGeometry,
    bus: InProcessBus,
    *,
    clock: Clock,
    worlds: dict[str, SharedEpoch],
    live_frames: LiveFrames,
    live_video: LiveVideoService,
    track_feed: TrackFeed,
    ingest: Callable[[Event], None],
    record_status: Callable[[DeviceStatus], None],
    data_dir: Path,
    recordings: Callable[[], RecordingRepository],
    evidence: EvidenceLog,
    retention_policy: RetentionPolicy,
    overlays: dict[str, CameraOverlay],
    scenes: dict[str, Scene],
    recorders: dict[str, RecorderService],
    roll_s: dict[str, tuple[float, float]],
) -> list[Service]:
    """The services of every enabled camera, in the order they start: its simulated camera
    (if any), its recorder (if it records), its analytics. Fills ``overlays``, ``scenes``
    (simulated cameras), ``recorders`` and ``roll_s`` (recorded cameras), which the live
    views, the ground sensors and the incident footage holds read."""
    fused = config.fusion.enabled
    stage_settings = GeoStageSettings(geo_rules=not fused)
    services: list[Service] = []
    for camera in config.cameras:
        if not camera.enabled:
            continue
        geo_stage = GeoStage.from_site(
            config, camera.id, geometry=geometry, settings=stage_settings
        )
        model = geometry.camera_model(camera)
        border = geometry.border_for_camera(camera, config)
        overlays[camera.id] = CameraOverlay(
            privacy_masks=tuple(m for m in camera.masks if m.purpose == "privacy"),
            camera_model=model,
            border_xy=(border.vertices_xy,) if border is not None else (),
        )
        make_source: Callable[[HealthSink], FrameSource]
        packet_source: object = None
        live_source: Callable[[], PacketSource]
        if isinstance(camera.source, SimulatorSource):
            scene = _scene_for(config, camera, camera.source)
            scenes[camera.id] = scene
            simulated = SimulatedSource(
                Renderer(scene.scenario, scene.projector),
                None,  # frames are stamped with the wall time they are paced out at
                realtime=True,
                clock=clock,
                source_id=camera.id,
                epoch=worlds.get(camera.source.world or camera.id),
            )
            hub = SimulatedCamera(camera.id, simulated)
            services.append(hub)
            fps = camera.analytics.fps

            def make_sim_source(
                _health: HealthSink, hub: SimulatedCamera = hub, fps: float = fps
            ) -> FrameSource:
                return hub.frame_source(target_fps=fps)

            make_source = make_sim_source
            packet_source = hub.packet_source()
            live_source = hub.packet_source
        else:

            def make_real_source(health: HealthSink, camera: CameraConfig = camera) -> FrameSource:
                return build_frame_source(camera, config, clock=clock, health=health)

            make_source = make_real_source
            if isinstance(camera.source, FileSource):
                live_source = functools.partial(
                    _paced_file, str(config.resolve_path(camera.source.path)), clock
                )
                if camera.recording.enabled:
                    logger.info(
                        "camera %s: a video file is its own recording; not re-recorded",
                        camera.id,
                    )
            else:
                packet_source = camera.source.url
                live_source = functools.partial(AvPacketSource, camera.source.url)
        live_video.add_camera(
            camera.id,
            live_source,
            masks=overlays[camera.id].privacy_masks,
            shapes=camera_shapes(
                camera.rules,
                model,
                overlays[camera.id].border_xy,
                model.image_size_wh if model is not None else (0, 0),
            ),
        )
        if camera.recording.enabled and packet_source is not None:
            roll_s[camera.id] = (camera.recording.pre_roll_s, camera.recording.post_roll_s)
            recorders[camera.id] = recorder_service(
                camera,
                packet_source,
                data_dir=data_dir,
                recordings=recordings,
                clock=clock,
                health=record_status,
                evidence=evidence,
                alarm=ingest,
                policy=retention_policy,
            )
            services.append(recorders[camera.id])
        services.append(
            CameraService(
                camera.id,
                make_source=make_source,
                make_pipeline=_pipeline_factory(camera, config, geo_stage),
                on_result=result_handler(
                    live_frames,
                    ingest,
                    geo_stage,
                    camera.id,
                    scans=(lambda scan: bus.publish(OBSERVATIONS, scan)) if fused else None,
                    track_feed=None if fused else track_feed,
                    live_video=live_video,
                    analytics_fps=camera.analytics.fps,
                ),
                on_status=record_status,
                clock=clock,
            )
        )
    return services


def _scene_for(config: SiteConfig, camera: CameraConfig, source: SimulatorSource) -> Scene:
    try:
        return scene_for_camera(config, camera, source)
    except KordonError as exc:
        raise NodeBuildError(f"camera {camera.id!r}: {exc}") from exc


def _paced_file(path: str, clock: Clock) -> PacketSource:
    """A video file as a live camera: its packets at recorded speed."""
    return PacedPacketSource(AvPacketSource(path), clock)


def _pipeline_factory(
    camera: CameraConfig, config: SiteConfig, geo_stage: GeoStage | None
) -> Callable[[], CameraPipeline]:
    def make() -> CameraPipeline:
        stages = (geo_stage,) if geo_stage is not None else ()
        return build_camera_pipeline(camera, config, track_stages=stages)

    return make
