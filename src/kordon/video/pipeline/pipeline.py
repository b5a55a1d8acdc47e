"""``CameraPipeline``: one camera's frames → detections → tracks → events, frame by frame."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol, runtime_checkable

import numpy as np

from kordon.domain.detections import Detections
from kordon.domain.errors import KordonError
from kordon.domain.event import AttributeValue, Event
from kordon.domain.tracks import ImageTracks
from kordon.video.detectors.base import Detector
from kordon.video.motion.config import MotionConfig
from kordon.video.motion.result import MotionResult
from kordon.video.motion.segmenter import MotionSegmenter
from kordon.video.pipeline.errors import PipelineError
from kordon.video.pipeline.filtering import DetectionFilter
from kordon.video.pipeline.planner import FULL, DetectionPlan, DetectionPlanner, PlanKind
from kordon.video.pipeline.result import FrameResult, StageTimings
from kordon.video.pipeline.rules import AnchoredRule, ImageRuleRunner
from kordon.video.pipeline.settings import PipelineSettings
from kordon.video.pipeline.stages import TrackStage
from kordon.video.pipeline.stats import PipelineStats, StatsRecorder
from kordon.video.source.frame import Frame
from kordon.video.tracking.bytetrack import ByteTracker
from kordon.video.tracking.config import ByteTrackConfig

logger = logging.getLogger(__name__)


@runtime_checkable
class _Loadable(Protocol):
    def load(self) -> None: ...


def _ms(t0: float, t1: float) -> float:
    return (t1 - t0) * 1e3


class CameraPipeline:
    """Per camera, per analysed frame: motion → detection plan → detector → filter →
    ``ByteTracker`` → image rules on confirmed tracks → track stages → ``FrameResult``.

    Cheap to construct; ``load()`` loads the detector model. Drive it with ``process(frame)``
    on consecutive frames of one camera at the analytics rate; times come only from the
    frames (``pts_s`` for the tracker, ``time`` for events). Not thread-safe: one thread
    per pipeline. ``run_motion=False`` (for the motion-only detector, which segments by
    itself) detects on every whole frame.
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
        self._rules = ImageRuleRunner(rules)
        self._filter = detection_filter or DetectionFilter()
        self._stages = tuple(track_stages)
        self._recent: dict[int, tuple[np.ndarray, float]] = {}
        self._stats = StatsRecorder(self.settings.stats_window)
        self._loaded = False
        self._last_pts_s: float | None = None

    def load(self) -> None:
        """Load the detector's model; a ``PipelineError`` names the camera and the cause."""
        if isinstance(self.detector, _Loadable):
            try:
                self.detector.load()
            except KordonError as exc:
                raise PipelineError(f"camera {self.camera_id}: {exc}") from exc
        self._loaded = True

    def reset(self) -> None:
        """Forget motion background, tracks and gating state (after a reconnect or a jump)."""
        self._segmenter = None
        self._tracker.reset()
        self._planner.reset()
        self._recent.clear()
        self._last_pts_s = None

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
        self._last_pts_s = frame.pts_s
        t0 = time.perf_counter()
        motion = self._segment(frame) if self._run_motion else None
        t1 = time.perf_counter()
        plan = FULL
        if motion is not None:
            boxes = np.concatenate([motion.boxes_xyxy_px, self._recent_boxes(frame.pts_s)])
            plan = self._planner.plan(boxes, frame.resolution_wh, frame.pts_s)
        detections = self._filter.apply(self._detect(frame, plan))
        t2 = time.perf_counter()
        try:
            tracks = self._tracker.update(detections, frame.pts_s)
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

    def _segment(self, frame: Frame) -> MotionResult:
        wh = frame.resolution_wh
        if self._segmenter is None or wh != self._segmenter_wh:
            self._segmenter = MotionSegmenter(self._motion_for(wh))
            self._segmenter_wh = wh
        return self._segmenter.segment(frame.image)

    def _motion_for(self, frame_wh: tuple[int, int]) -> MotionConfig:
        small_area = self.settings.motion_min_area_px
        if small_area is None:
            return self._motion_config
        scale = frame_wh[0] / min(self._motion_config.work_width_px, frame_wh[0])
        return self._motion_config.model_copy(
            update={"min_blob_area_px": small_area * scale * scale}
        )

    def _recent_boxes(self, time_s: float) -> np.ndarray:
        keep = self.settings.track_keep_s
        for track_id in [k for k, (_, t) in self._recent.items() if time_s - t > keep]:
            del self._recent[track_id]
        if not self._recent:
            return np.zeros((0, 4), np.float32)
        return np.stack([box for box, _ in self._recent.values()]).astype(np.float32)

    def _remember(self, tracks: ImageTracks, time_s: float) -> None:
        for track_id, box in zip(tracks.tracker_id.tolist(), tracks.xyxy_px, strict=True):
            self._recent[int(track_id)] = (box.copy(), time_s)

    def _detect(self, frame: Frame, plan: DetectionPlan) -> Detections:
        labels = self.detector.labels
        if plan.kind is PlanKind.SKIP:
            return Detections.empty(labels)
        try:
            if plan.kind is PlanKind.FULL or plan.crop_xyxy_px is None:
                return self.detector.detect(frame.image)
            x1, y1, x2, y2 = plan.crop_xyxy_px
            found = self.detector.detect(np.ascontiguousarray(frame.image[y1:y2, x1:x2]))
        except KordonError as exc:
            raise PipelineError(f"camera {self.camera_id}: frame {frame.index}: {exc}") from exc
        offset = np.array([x1, y1, x1, y1], np.float32)
        return Detections(
            (found.xyxy_px + offset).astype(np.float32), found.confidence, found.class_id, labels
        )

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
