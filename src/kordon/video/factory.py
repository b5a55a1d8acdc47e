"""Build a camera's pipeline and frame source from its site-file configuration.

This is the one place where camera config fields become video components: detector kind
→ detector, thresholds and classes → detector and ``DetectionFilter``, detection masks →
motion masks and the filter, image rules → ``LineCrossingRule``/``ZoneRule``, source kind
→ ``FileSource``/``StreamSource``/simulated source (decimated to the analytics rate).
Privacy masks do not reach the pipeline: they apply to recorded and displayed video.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from kordon.config.analytics import (
    MotionDetector,
    NanoDetDetector,
    SsdLiteDetector,
    YoloDetector,
)
from kordon.config.camera import CameraConfig
from kordon.config.camera import FileSource as FileSourceConfig
from kordon.config.camera import SimulatorSource as SimulatorSourceConfig
from kordon.config.image_rules import LineRuleConfig, ZoneRuleConfig
from kordon.config.models import SiteConfig
from kordon.domain.errors import KordonError
from kordon.domain.event import Frame as EventFrame
from kordon.rules.line_crossing import LineCrossingRule
from kordon.rules.zone import ZoneRule
from kordon.sim.camera_scene import scene_for_camera
from kordon.sim.render import Renderer
from kordon.sim.source import SimulatedSource
from kordon.video.detectors import nanodet, ssdlite, yolo
from kordon.video.detectors.base import Detector
from kordon.video.detectors.coco import COCO80_LABELS
from kordon.video.detectors.thermal import BlackHotDetector
from kordon.video.motion.config import MotionConfig
from kordon.video.motion.detector import MotionOnlyDetector
from kordon.video.pipeline.errors import PipelineError
from kordon.video.pipeline.filtering import DetectionFilter
from kordon.video.pipeline.pipeline import CameraPipeline
from kordon.video.pipeline.rules import AnchoredRule
from kordon.video.pipeline.settings import PipelineSettings
from kordon.video.pipeline.stages import TrackStage
from kordon.video.source.base import FrameSource, HealthSink
from kordon.video.source.clock import Clock
from kordon.video.source.decimate import Decimator
from kordon.video.source.errors import SourceError
from kordon.video.source.file import FileSource
from kordon.video.source.frame import Frame, SourceInfo
from kordon.video.source.stream import StreamSettings, StreamSource


def _model_path(camera: CameraConfig, site: SiteConfig, model: Path | None) -> Path | None:
    if model is None:
        return None
    path = site.resolve_path(model)
    if not path.is_file():
        raise PipelineError(f"camera {camera.id}: model file {path} not found")
    return path


def _known(camera: CameraConfig, wanted: Sequence[str], labels: Sequence[str]) -> list[str]:
    """The analytics classes this detector can produce; none at all is a config error."""
    known = [c for c in wanted if c in labels]
    if not known:
        raise PipelineError(
            f"camera {camera.id}: none of the analytics classes {list(wanted)} is a class of "
            f"its detector (which has {list(labels)[:20]}…)"
        )
    return known


def build_detector(camera: CameraConfig, site: SiteConfig) -> Detector:
    """The camera's detector, constructed (not loaded): a bad model path or class list
    raises ``PipelineError`` naming the camera; wrong tensor shapes fail at ``load()``.

    On a ``kind: thermal`` camera a network detector sees the picture inverted to
    black-hot (``BlackHotDetector``: measured far better than white-hot for daylight-trained
    networks); the motion-only detector sees it as it is.
    """
    detector = _network_or_motion(camera, site)
    if camera.kind == "thermal" and not isinstance(detector, MotionOnlyDetector):
        return BlackHotDetector(detector)
    return detector


def _network_or_motion(camera: CameraConfig, site: SiteConfig) -> Detector:
    a = camera.analytics
    cfg = a.detector
    try:
        if isinstance(cfg, NanoDetDetector):
            labels = tuple(cfg.classes) if cfg.classes is not None else COCO80_LABELS
            return nanodet.NanoDetDetector(
                _model_path(camera, site, cfg.model),
                labels=labels,
                score_threshold=cfg.default_score,
                classes=_known(camera, a.classes, labels),
                class_score_thresholds={
                    k: v for k, v in cfg.score_thresholds.items() if k in a.classes
                },
                threads=a.threads,
            )
        if isinstance(cfg, YoloDetector):
            return yolo.YoloDetector(
                _model_path(camera, site, cfg.model) or cfg.model,
                labels=cfg.labels,
                input_size_px=max(cfg.input_size),
                score_threshold=cfg.default_score,
                classes=_known(camera, a.classes, cfg.labels),
                threads=a.threads,
            )
        if isinstance(cfg, SsdLiteDetector):
            _known(camera, a.classes, ("person",))
            return ssdlite.SsdLitePersonDetector(threads=a.threads)
        if isinstance(cfg, MotionDetector):
            return MotionOnlyDetector(
                _motion_config(camera), min_area_px=float(cfg.min_area_px), label=cfg.label
            )
    except PipelineError:
        raise
    except KordonError as exc:
        raise PipelineError(f"camera {camera.id}: detector: {exc}") from exc
    raise PipelineError(f"camera {camera.id}: unsupported detector {cfg!r}")  # pragma: no cover


def _detection_masks(camera: CameraConfig) -> list[list[tuple[float, float]]]:
    return [list(m.polygon) for m in camera.masks if m.purpose == "detection"]


def _motion_config(camera: CameraConfig) -> MotionConfig:
    m = camera.analytics.motion
    return MotionConfig(
        work_width_px=m.downscale_width_px,
        threshold=m.threshold,
        masks=_detection_masks(camera),
    )


def build_rules(camera: CameraConfig) -> list[AnchoredRule]:
    """The camera's image rules (pixels; events carry ``source_id`` = camera id)."""
    rules: list[AnchoredRule] = []
    try:
        for cfg in camera.rules:
            if isinstance(cfg, LineRuleConfig):
                line = LineCrossingRule(
                    cfg.id,
                    camera.id,
                    EventFrame.IMAGE,
                    [list(p) for p in cfg.points],
                    infinite=cfg.mode == "infinite",
                    directions=None if cfg.directions == "both" else [cfg.directions],
                    classes=cfg.classes,
                    hysteresis_distance=cfg.hysteresis_px,
                    hysteresis_frames=cfg.hysteresis_frames,
                    cooldown_s=cfg.cooldown_s,
                )
                rules.append(AnchoredRule(line, cfg.anchor))
            elif isinstance(cfg, ZoneRuleConfig):
                zone = ZoneRule(
                    cfg.id,
                    camera.id,
                    EventFrame.IMAGE,
                    [list(p) for p in cfg.polygon],
                    events=cfg.events,
                    dwell_s=cfg.dwell_s,
                    classes=cfg.classes,
                )
                rules.append(AnchoredRule(zone))
    except KordonError as exc:
        raise PipelineError(f"camera {camera.id}: rule: {exc}") from exc
    return rules


def build_camera_pipeline(
    camera: CameraConfig,
    site: SiteConfig,
    *,
    track_stages: Sequence[TrackStage] = (),
    settings: PipelineSettings | None = None,
) -> CameraPipeline:
    """A cheap, unloaded ``CameraPipeline`` for ``camera``; call ``load()`` before use.

    ``track_stages`` (e.g. the geo stage) run after the image rules on every frame.
    """
    a = camera.analytics
    is_motion = isinstance(a.detector, MotionDetector)
    detector = build_detector(camera, site)
    base = settings or PipelineSettings()
    updates: dict[str, object] = {"motion_min_area_px": float(a.motion.min_area_px)}
    if not a.motion.enabled:
        updates["motion_gating"] = False
    max_area: float | None = None
    if isinstance(a.detector, MotionDetector):
        max_area = float(a.detector.max_area_px)
    classes: list[str] | None = None if is_motion else list(a.classes)
    return CameraPipeline(
        camera.id,
        detector,
        settings=base.model_copy(update=updates),
        motion=_motion_config(camera),
        rules=build_rules(camera),
        detection_filter=DetectionFilter(
            masks=_detection_masks(camera),
            classes=classes,
            min_scores=a.min_score,
            max_area_px=max_area,
        ),
        track_stages=track_stages,
        run_motion=not is_motion and a.motion.enabled,
        sector_id=camera.sector,
    )


class SimulatorFrameSource:
    """``FrameSource`` adapter over ``SimulatedSource``, decimated to the analytics rate."""

    def __init__(
        self,
        source: SimulatedSource,
        *,
        target_fps: float | None,
        resolution_wh: tuple[int, int] | None = None,
    ) -> None:
        self._source = source
        self._target_fps = target_fps
        self._resolution_wh = resolution_wh
        self._closed = False

    @property
    def info(self) -> SourceInfo:
        return self._source.info

    @property
    def decode_errors(self) -> int:
        return 0

    def open(self) -> SourceInfo:
        self._source.start()
        self._closed = False
        return self.info

    def frames(self) -> Iterator[Frame]:
        decimator = Decimator(self._target_fps)
        for frame in self._source.frames():
            if self._closed:
                return
            if decimator.keep(frame.pts_s):
                yield frame

    def close(self) -> None:
        self._closed = True


def build_frame_source(
    camera: CameraConfig,
    site: SiteConfig,
    *,
    clock: Clock,
    health: HealthSink,
    start_time: datetime | None = None,
    rng: random.Random | None = None,
) -> FrameSource:
    """The camera's frame source (not opened), decimated to ``analytics.fps``.

    ``start_time`` (simulator only) stamps frame 0; default: ``clock.now()`` now.
    """
    src = camera.source
    fps = camera.analytics.fps
    if isinstance(src, FileSourceConfig):
        path = site.resolve_path(src.path)
        if not path.is_file():
            raise SourceError(f"camera {camera.id}: video file {path} not found")
        return FileSource(path, clock=clock, realtime=src.realtime, loop=src.loop, target_fps=fps)
    if isinstance(src, SimulatorSourceConfig):
        try:
            scene = scene_for_camera(site, camera, src)
        except KordonError as exc:
            raise SourceError(f"camera {camera.id}: {exc}") from exc
        simulated = SimulatedSource(
            Renderer(scene.scenario, scene.projector),
            start_time or clock.now(),
            realtime=True,
            clock=clock,
            source_id=camera.id,
        )
        return SimulatorFrameSource(simulated, target_fps=fps)
    settings = StreamSettings(
        rtsp_transport=src.transport, open_timeout_s=src.timeout_s, read_timeout_s=src.timeout_s
    )
    return StreamSource(
        src.url,
        device_id=camera.id,
        clock=clock,
        rng=rng or random.Random(),
        health=health,
        settings=settings,
        target_fps=fps,
    )
