"""``DetectionPlanner``: per frame, skip detection, detect on one region, or the whole frame."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from kordon.video.pipeline.settings import PipelineSettings

Boxes = npt.NDArray[np.float32]


class PlanKind(StrEnum):
    SKIP = "skip"
    REGION = "region"
    FULL = "full"


@dataclass(frozen=True, slots=True)
class DetectionPlan:
    """What the detector does on one frame; ``crop_xyxy_px`` is set for ``REGION`` only
    (integers, x2/y2 exclusive, inside the frame)."""

    kind: PlanKind
    crop_xyxy_px: tuple[int, int, int, int] | None = None


SKIP = DetectionPlan(PlanKind.SKIP)
FULL = DetectionPlan(PlanKind.FULL)


class DetectionPlanner:
    """Chooses where to detect from motion boxes and the boxes of recently seen tracks.

    * nothing moving and no recent track: ``SKIP`` (the motion gate);
    * first look, or no whole-frame pass for ``full_frame_interval_s``, or a frame smaller
      than ``region_min_frame_px``: ``FULL``;
    * otherwise the union of all boxes, padded by ``region_context_frac``, grown to at
      least ``region_min_px`` high and to the frame's aspect ratio: ``REGION`` when it
      covers less than ``full_frame_area_frac`` of the frame, else ``FULL``.

    Stateful only in the time of the last whole-frame pass; times come from frames.
    """

    def __init__(self, settings: PipelineSettings) -> None:
        self.settings = settings
        self._last_full_s: float | None = None

    def reset(self) -> None:
        self._last_full_s = None

    def plan(self, boxes_xyxy_px: Boxes, frame_wh: tuple[int, int], time_s: float) -> DetectionPlan:
        s = self.settings
        if not s.motion_gating:
            return self._full(time_s)
        boxes = np.asarray(boxes_xyxy_px, np.float64).reshape(-1, 4)
        boxes = boxes[np.isfinite(boxes).all(axis=1)]
        if len(boxes) == 0:
            return SKIP
        if self._last_full_s is None or time_s - self._last_full_s >= s.full_frame_interval_s:
            return self._full(time_s)
        if max(frame_wh) < s.region_min_frame_px:
            return self._full(time_s)
        crop = self._region(boxes, frame_wh)
        if crop is None:
            return self._full(time_s)
        return DetectionPlan(PlanKind.REGION, crop)

    def _full(self, time_s: float) -> DetectionPlan:
        self._last_full_s = time_s
        return FULL

    def _region(
        self, boxes: npt.NDArray[np.float64], frame_wh: tuple[int, int]
    ) -> tuple[int, int, int, int] | None:
        s = self.settings
        width, height = frame_wh
        x1, y1 = boxes[:, 0].min(), boxes[:, 1].min()
        x2, y2 = boxes[:, 2].max(), boxes[:, 3].max()
        w = (x2 - x1) * (1.0 + 2.0 * s.region_context_frac)
        h = (y2 - y1) * (1.0 + 2.0 * s.region_context_frac)
        h = max(h, s.region_min_px)
        aspect = width / height
        w, h = max(w, h * aspect), max(h, w / aspect)
        if w * h >= s.full_frame_area_frac * width * height or w >= width or h >= height:
            return None
        cw, ch = math.ceil(w), math.ceil(h)
        cx0 = int(min(max(round((x1 + x2 - cw) / 2.0), 0), width - cw))
        cy0 = int(min(max(round((y1 + y2 - ch) / 2.0), 0), height - ch))
        return cx0, cy0, cx0 + cw, cy0 + ch
