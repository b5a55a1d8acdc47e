"""Per-stage timing counters of a pipeline: means over every frame, p95 over a window."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from kordon.video.pipeline.planner import PlanKind
from kordon.video.pipeline.result import StageTimings

STAGES: tuple[str, ...] = ("decode", "motion", "detect", "track", "rules")


@dataclass(frozen=True, slots=True)
class StageSummary:
    """Timing of one stage: mean over every frame, 95th percentile over the recent window."""

    stage: str
    mean_ms: float
    p95_ms: float


@dataclass(frozen=True, slots=True)
class PipelineStats:
    """What ``CameraPipeline.stats()`` reports."""

    frames: int
    frames_skipped: int
    """Frames on which the motion gate skipped detection."""
    region_passes: int
    full_passes: int
    stages: tuple[StageSummary, ...]

    def stage(self, name: str) -> StageSummary:
        for s in self.stages:
            if s.stage == name:
                return s
        raise KeyError(f"no stage {name!r}; stages are {list(STAGES)}")

    def as_dict(self) -> dict[str, float | int | dict[str, dict[str, float]]]:
        """A JSON-ready view (for summaries and health metrics)."""
        return {
            "frames": self.frames,
            "frames_skipped": self.frames_skipped,
            "region_passes": self.region_passes,
            "full_passes": self.full_passes,
            "stages_ms": {
                s.stage: {"mean": round(s.mean_ms, 3), "p95": round(s.p95_ms, 3)}
                for s in self.stages
            },
        }

    def as_metrics(self) -> dict[str, float]:
        """Flat numbers for a health report: counts and each stage's mean and p95 in ms."""
        metrics: dict[str, float] = {
            "frames": float(self.frames),
            "frames_skipped": float(self.frames_skipped),
        }
        for s in self.stages:
            metrics[f"{s.stage}_ms"] = round(s.mean_ms, 3)
            metrics[f"{s.stage}_p95_ms"] = round(s.p95_ms, 3)
        return metrics


class StatsRecorder:
    """Accumulates ``StageTimings`` and plan kinds; memory is bounded by ``window``."""

    def __init__(self, window: int) -> None:
        self._window: deque[tuple[float, ...]] = deque(maxlen=window)
        self._sums = [0.0] * len(STAGES)
        self._frames = 0
        self._counts = dict.fromkeys(PlanKind, 0)

    def add(self, timings: StageTimings, kind: PlanKind) -> None:
        values = (
            timings.decode_ms,
            timings.motion_ms,
            timings.detect_ms,
            timings.track_ms,
            timings.rules_ms,
        )
        self._window.append(values)
        self._sums = [a + b for a, b in zip(self._sums, values, strict=True)]
        self._frames += 1
        self._counts[kind] += 1

    def snapshot(self) -> PipelineStats:
        if self._window:
            p95 = np.percentile(np.asarray(self._window, np.float64), 95.0, axis=0).tolist()
        else:
            p95 = [0.0] * len(STAGES)
        n = max(self._frames, 1)
        stages = tuple(
            StageSummary(name, self._sums[i] / n, float(p95[i])) for i, name in enumerate(STAGES)
        )
        return PipelineStats(
            frames=self._frames,
            frames_skipped=self._counts[PlanKind.SKIP],
            region_passes=self._counts[PlanKind.REGION],
            full_passes=self._counts[PlanKind.FULL],
            stages=stages,
        )
