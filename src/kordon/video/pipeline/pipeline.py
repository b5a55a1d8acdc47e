"""``CameraPipeline``: one camera's frames → detections → tracks → events, frame by frame."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from kordon.domain.detections import Detections
from kordon.domain.errors import KordonError
from kordon.domain.event import AttributeValue, Event
from kordon.domain.tracks import ImageTracks
from kordon.video.detectors.base import Detector, ResizableDetector
from kordon.video.detectors.region import RegionDetector
from kordon.video.motion.config import MotionConfig
from kordon.video.motion.result import MotionResult
from kordon.video.motion.segmenter import MotionSegmenter
from kordon.video.pipeline.errors import PipelineError
from kordon.video.pipeline.filtering import DetectionFilter
from kordon.video.pipeline.planner import (
    FULL,
    DetectionPlan,
    DetectionPlanner,
    HeightAt,
    PlanKind,
)
from kordon.video.pipeline.result import FrameResult, StageTimings
from kordon.video.pipeline.rules import AnchoredRule, ImageRuleRunner
from kordon.video.pipeline.scale import PersonScale
from kordon.video.pipeline.settings import PipelineSettings
from kordon.video.pipeline.stages import TrackStage
from kordon.video.pipeline.stats import PipelineStats, StatsRecorder
from kordon.video.pipeline.watch import WatchArea, WatchSweep
from kordon.video.source.frame import Frame
from kordon.video.tracking.bytetrack import ByteTracker
from kordon.video.tracking.config import ByteTrackConfig

logger = logging.getLogger(__name__)


@runtime_checkable
class _Loadable(Protocol):
    def load(self) -> None: ...


@dataclass(frozen=True, slots=True)
class _SeenTrack:
    """Where a track was last reported, when, and its box velocity (px/s per coordinate)."""

    box: npt.NDArray[np.float64]
    time_s: float
    velocity: npt.NDArray[np.float64]


def _crop_detector(detector: Detector, input_px: int) -> Detector:
    """The detector for crops: ``detector`` itself, or one like it at the crops' input size
    when its network can run at another size (crops are planned for ``input_px``)."""
    if isinstance(detector, ResizableDetector) and detector.input_px != input_px:
        return detector.resized(input_px)
    return detector


def _ms(t0: float, t1: float) -> float:
    return (t1 - t0) * 1e3


class CameraPipeline:
    """Per camera, per analysed frame: motion → detection plan → detector → filter →
    ``ByteTracker`` → image rules on confirmed tracks → track stages → ``FrameResult``.

    Cheap to construct; ``load()`` loads the detector model. Drive it with ``process(frame)``
    on consecutive frames of one camera at the analytics rate; times come only from the
    frames (``pts_s`` for the tracker, ``time`` for events). Not thread-safe: one thread
    per pipeline. ``run_motion=False`` (for the motion-only detector, which segments by
    itself) detects on every whole frame. ``sector_id``, the camera's sector, is given to
    image-rule events.
    """

    def __init__(
        self,
        camera_id: str,
        detector: Detector,
        *,
        settings: PipelineSettings | None = None,
        motion: MotionConfig | None = None,
        tracker: ByteTrackConfig | None = None,
        rules: Sequence[AnchoredRule] = (),
        detection_filter: DetectionFilter | None = None,
        track_stages: Sequence[TrackStage] = (),
        run_motion: bool = True,
        sector_id: str | None = None,
    ) -> None:
        if not camera_id:
            raise PipelineError("camera_id must not be empty")
        self.camera_id = camera_id
        self.detector = detector
        self.settings = settings or PipelineSettings()
        self._motion_config = motion or MotionConfig()
        self._run_motion = run_motion
        self._segmenter: MotionSegmenter | None = None
        self._segmenter_wh: tuple[int, int] = (0, 0)
        self._tracker = ByteTracker(tracker)
        self._planner = DetectionPlanner(self.settings)
        self._regions = RegionDetector(_crop_detector(detector, self.settings.region_input_px))
        self._motion_memory: list[tuple[np.ndarray, float]] = []
        self._frame_wh: tuple[int, int] | None = None
        self._rules = ImageRuleRunner(rules, sector_id=sector_id)
        self._filter = detection_filter or DetectionFilter()
        self._stages = tuple(track_stages)
        self._sweep = WatchSweep(
            [s for s in self._stages if isinstance(s, WatchArea)],
            per_frame=self.settings.watch_crops_per_frame,
        )
        self._scale = next((s for s in self._stages if isinstance(s, PersonScale)), None)
        self._recent: dict[int, _SeenTrack] = {}
        self._stats = StatsRecorder(self.settings.stats_window)
        self._loaded = False
        self._whole_loaded = False
        self._last_pts_s: float | None = None

    def load(self) -> None:
        """Load the detector's model; a ``PipelineError`` names the camera and the cause.

        When crops run on a detector of their own size (:attr:`crop_detector`), only that
        one loads here (it reads and checks the same model file); the whole-frame detector
        loads on the first whole-frame pass, which a camera with large frames never makes
        (its ONNX session is ~60 MB a camera)."""
        try:
            if self._regions.inner is not self.detector:
                self._regions.load()
                self._whole_loaded = not isinstance(self.detector, _Loadable)
            else:
                self._load_whole()
        except KordonError as exc:
            raise PipelineError(f"camera {self.camera_id}: {exc}") from exc
        self._loaded = True

    def _load_whole(self) -> None:
        if isinstance(self.detector, _Loadable):
            self.detector.load()
        self._whole_loaded = True

    @property
    def crop_detector(self) -> Detector:
        """The detector run on crops: :attr:`detector`, or one like it at
        ``settings.region_input_px`` when its network can run at another size."""
        return self._regions.inner

    def reset(self) -> None:
        """Forget motion background, tracks and gating state (after a reconnect or a jump)."""
        self._segmenter = None
        self._tracker.reset()
        self._planner.reset()
        self._sweep.reset()
        self._recent.clear()
        self._motion_memory.clear()
        self._last_pts_s = None
        self._frame_wh = None

    def stats(self) -> PipelineStats:
        """Per-stage means and p95, frames processed and frames skipped by the motion gate."""
        return self._stats.snapshot()

    def process(self, frame: Frame, *, decode_ms: float = 0.0) -> FrameResult:
        """Analyse one frame; ``decode_ms`` (the caller's decode time) is only recorded."""
        if not self._loaded:
            raise PipelineError(f"camera {self.camera_id}: process() called before load()")
        if self._last_pts_s is not None and frame.pts_s < self._last_pts_s:
            raise PipelineError(
                f"camera {self.camera_id}: frame {frame.index} goes back in time "
                f"({frame.pts_s:.3f} s after {self._last_pts_s:.3f} s); call reset() first"
            )
        if self._frame_wh is not None and frame.resolution_wh != self._frame_wh:
            logger.warning(
                "camera %s: frame size changed from %s to %s at frame %d; restarting motion "
                "and tracks",
                self.camera_id,
                self._frame_wh,
                frame.resolution_wh,
                frame.index,
            )
            self.reset()
        self._frame_wh = frame.resolution_wh
        self._last_pts_s = frame.pts_s
        t0 = time.perf_counter()
        track_boxes = self._recent_boxes(frame.pts_s)
        motion = self._segment(frame, track_boxes) if self._run_motion else None
        t1 = time.perf_counter()
        plan = FULL
        if motion is not None:
            plan = self._planner.plan(
                self._recent_motion(motion.boxes_xyxy_px, frame.pts_s),
                frame.resolution_wh,
                track_xyxy_px=track_boxes,
                watch_xyxy_px=self._sweep.next(
                    frame.resolution_wh, crop_per_height=self._planner.crop_per_height
                ),
                person_height=self._height_at(frame.resolution_wh),
            )
        detections = self._filter.apply(self._detect(frame, plan))
        t2 = time.perf_counter()
        try:
            tracks = self._tracker.update(detections, frame.pts_s, frame_wh=frame.resolution_wh)
        except KordonError as exc:
            raise PipelineError(f"camera {self.camera_id}: {exc}") from exc
        self._remember(tracks, frame.pts_s)
        t3 = time.perf_counter()
        events = self._events(tracks, frame)
        t4 = time.perf_counter()
        timings = StageTimings(decode_ms, _ms(t0, t1), _ms(t1, t2), _ms(t2, t3), _ms(t3, t4))
        self._stats.add(timings, plan.kind)
        return FrameResult(
            frame_index=frame.index,
            time=frame.time,
            pts_s=frame.pts_s,
            detections=detections,
            tracks=tracks,
            events=tuple(events),
            motion=motion,
            plan=plan,
            timings=timings,
        )

    def _height_at(self, frame_wh: tuple[int, int]) -> HeightAt | None:
        scale = self._scale
        if scale is None:
            return None
        return lambda feet: scale.person_height_px(feet, frame_wh)

    def _segment(self, frame: Frame, track_boxes: np.ndarray) -> MotionResult:
        wh = frame.resolution_wh
        if self._segmenter is None or wh != self._segmenter_wh:
            self._segmenter = MotionSegmenter(self._motion_for(wh))
            self._segmenter_wh = wh
        try:
            return self._segmenter.segment(frame.image, hold_xyxy_px=track_boxes)
        except KordonError as exc:
            raise PipelineError(f"camera {self.camera_id}: frame {frame.index}: {exc}") from exc

    def _motion_for(self, frame_wh: tuple[int, int]) -> MotionConfig:
        small_area = self.settings.motion_min_area_px
        if small_area is None:
            return self._motion_config
        scale = frame_wh[0] / self._motion_config.working_width(frame_wh[0])
        return self._motion_config.model_copy(
            update={"min_blob_area_px": small_area * scale * scale}
        )

    def _recent_motion(self, boxes: np.ndarray, time_s: float) -> np.ndarray:
        """This frame's motion boxes and those of the last ``motion_keep_s`` seconds."""
        keep = self.settings.motion_keep_s
        self._motion_memory = [(b, t) for b, t in self._motion_memory if time_s - t <= keep]
        if len(boxes):
            self._motion_memory.append((boxes, time_s))
        if not self._motion_memory:
            return np.zeros((0, 4), np.float32)
        return np.concatenate([b for b, _ in reversed(self._motion_memory)]).astype(np.float32)

    def _recent_boxes(self, time_s: float) -> np.ndarray:
        """Boxes of tracks seen in the last ``track_keep_s``, moved on at their last image
        velocity to ``time_s`` (so a crop follows a person the detector lost for a while).
        The box moves whole: its size stays as last seen (a last box grown by a bad
        detection grew the crop a frame at a time, 14 → 84 px in 2 s at 600 m, and the
        detector lost a person it found in 48 px crops)."""
        keep = self.settings.track_keep_s
        for track_id in [k for k, r in self._recent.items() if time_s - r.time_s > keep]:
            del self._recent[track_id]
        if not self._recent:
            return np.zeros((0, 4), np.float32)
        boxes = []
        for r in self._recent.values():
            step = r.velocity * (time_s - r.time_s)
            dx, dy = (step[0] + step[2]) / 2.0, (step[1] + step[3]) / 2.0
            boxes.append(r.box + np.array([dx, dy, dx, dy]))
        return np.stack(boxes).astype(np.float32)

    def _remember(self, tracks: ImageTracks, time_s: float) -> None:
        for track_id, box in zip(tracks.tracker_id.tolist(), tracks.xyxy_px, strict=True):
            box64 = np.asarray(box, np.float64)
            if not np.isfinite(box64).all():
                continue
            old = self._recent.get(int(track_id))
            velocity = np.zeros(4, np.float64)
            if old is not None and time_s > old.time_s:
                step = (box64 - old.box) / (time_s - old.time_s)
                velocity = 0.5 * old.velocity + 0.5 * step
            self._recent[int(track_id)] = _SeenTrack(box64, time_s, velocity)

    def _detect(self, frame: Frame, plan: DetectionPlan) -> Detections:
        labels = self.detector.labels
        if plan.kind is PlanKind.SKIP:
            return Detections.empty(labels)
        try:
            if plan.kind is PlanKind.FULL or not plan.crops_xyxy_px:
                if not self._whole_loaded:
                    self._load_whole()
                found = self.detector.detect(frame.image)
            else:
                crops = np.asarray(plan.crops_xyxy_px, np.int64).reshape(-1, 4)
                found = self._regions.detect_crops(frame.image, crops)
        except KordonError as exc:
            raise PipelineError(f"camera {self.camera_id}: frame {frame.index}: {exc}") from exc
        return self._sane(found, frame)

    def _sane(self, found: Detections, frame: Frame) -> Detections:
        """Drop degenerate boxes (not finite, zero or negative size) and scores that are not
        finite, with a warning: a faulty model must not feed the tracker garbage."""
        if len(found) == 0:
            return found
        boxes = found.xyxy_px
        ok = (
            np.isfinite(boxes).all(axis=1)
            & np.isfinite(found.confidence)
            & (boxes[:, 2] > boxes[:, 0])
            & (boxes[:, 3] > boxes[:, 1])
        )
        if bool(ok.all()):
            return found
        logger.warning(
            "camera %s: frame %d: dropped %d degenerate detection(s) (empty box or "
            "non-finite value)",
            self.camera_id,
            frame.index,
            int((~ok).sum()),
        )
        return found[ok]

    def _events(self, tracks: ImageTracks, frame: Frame) -> list[Event]:
        """Image-rule and stage events, each stamped with the frame that confirmed it.

        An event's ``time`` is when the crossing happened (interpolated between frames);
        ``detected_at`` is the time of the frame on which the rule fired, so the delay
        from that frame to the operator (the alert latency) can be measured.
        """
        events = self._rules.trigger(tracks, frame.time)
        for stage in self._stages:
            events.extend(stage.process(tracks, frame.time, frame.index))
        if not events:
            return events
        detected: dict[str, AttributeValue] = {
            "detected_at": frame.time.isoformat(),
            "frame_index": frame.index,
        }
        return [replace(e, attributes={**e.attributes, **detected}) for e in events]
