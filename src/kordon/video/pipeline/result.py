"""``FrameResult``: everything the pipeline made of one frame, with per-stage timings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kordon.domain.detections import Detections
from kordon.domain.event import Event
from kordon.domain.tracks import ImageTracks
from kordon.video.motion.result import MotionResult
from kordon.video.pipeline.planner import DetectionPlan


@dataclass(frozen=True, slots=True)
class StageTimings:
    """Milliseconds spent in each stage on one frame (``decode_ms`` is the caller's)."""

    decode_ms: float = 0.0
    motion_ms: float = 0.0
    detect_ms: float = 0.0
    track_ms: float = 0.0
    rules_ms: float = 0.0

    @property
    def total_ms(self) -> float:
        return self.decode_ms + self.motion_ms + self.detect_ms + self.track_ms + self.rules_ms


@dataclass(frozen=True, slots=True)
class FrameResult:
    """One analysed frame.

    ``detections`` are those given to the tracker (after masks, classes and scores);
    ``tracks`` what the tracker reported (tentative included: see ``confirmed``);
    ``motion`` is ``None`` when the motion stage does not run (motion-only detector);
    ``plan`` says whether and where the detector ran.
    """

    frame_index: int
    time: datetime
    pts_s: float
    detections: Detections
    tracks: ImageTracks
    events: tuple[Event, ...]
    motion: MotionResult | None
    plan: DetectionPlan
    timings: StageTimings
