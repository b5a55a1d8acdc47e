"""The per-camera pipeline: motion → detection (gated, on regions) → tracking → image rules."""

from kordon.video.pipeline.errors import PipelineError
from kordon.video.pipeline.pipeline import CameraPipeline
from kordon.video.pipeline.planner import DetectionPlan, DetectionPlanner, PlanKind
from kordon.video.pipeline.result import FrameResult, StageTimings
from kordon.video.pipeline.rules import AnchoredRule
from kordon.video.pipeline.settings import PipelineSettings
from kordon.video.pipeline.stages import TrackStage
from kordon.video.pipeline.stats import PipelineStats, StageSummary

__all__ = [
    "AnchoredRule",
    "CameraPipeline",
    "DetectionPlan",
    "DetectionPlanner",
    "FrameResult",
    "PipelineError",
    "PipelineSettings",
    "PipelineStats",
    "PlanKind",
    "StageSummary",
    "StageTimings",
    "TrackStage",
]
