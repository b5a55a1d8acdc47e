"""``DetectionPlanner``: per frame, skip detection, detect on crops, or on the whole frame."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from kordon.video.pipeline.settings import PipelineSettings

Boxes = npt.NDArray[np.float32]
Crop = tuple[int, int, int, int]
HeightAt = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]
"""(N, 2) foot pixels → (N,) a standing person's height there, NaN where unknown."""


class PlanKind(StrEnum):
    SKIP = "skip"
    REGION = "region"
    FULL = "full"


@dataclass(frozen=True, slots=True)
class DetectionPlan:
    """What the detector does on one frame; ``crops_xyxy_px`` are set for ``REGION`` only
    (square, integers, x2/y2 exclusive, inside the frame), one inference each."""

    kind: PlanKind
    crops_xyxy_px: tuple[Crop, ...] = ()


SKIP = DetectionPlan(PlanKind.SKIP)
FULL = DetectionPlan(PlanKind.FULL)


def _finite(boxes: npt.ArrayLike) -> npt.NDArray[np.float64]:
    arr = np.asarray(boxes, np.float64).reshape(-1, 4)
    keep = np.isfinite(arr).all(axis=1) & (arr[:, 2] > arr[:, 0]) & (arr[:, 3] > arr[:, 1])
    return arr[keep]


class DetectionPlanner:
    """Chooses where to detect from the boxes of tracks and of recent motion.

    * nothing moving, no track and nothing to watch: ``SKIP`` (the motion gate);
    * a frame smaller than ``region_min_frame_px`` (the detector's input is not much
      smaller): ``FULL``, the whole frame;
    * otherwise ``REGION``: square crops at (nearly) native resolution, never a shrunken
      whole frame. Each box gets a crop ``region_context_frac`` larger than itself and
      sized so the object is about ``region_target_px`` tall in the detector's input
      (``region_input_px``), at least ``region_min_px``. Where the camera's geometry knows
      how tall a standing person is at a box's foot (``person_height``), the crop is sized
      for that person instead (at least ``region_min_px_georef``), however small the box
      (a twig's motion, a half-seen walker); boxes that fit a crop already
      planned share it. Track boxes come first (a region with a track is never starved),
      then motion boxes, largest first; beyond ``max_crops`` the motion boxes take turns
      from frame to frame. ``watch`` boxes (the border sweep, :mod:`.watch`) come after
      the tracks and before motion.

    Stateful only in where the motion boxes' turn stands; times are not needed.
    """

    def __init__(self, settings: PipelineSettings) -> None:
        self.settings = settings
        self._turn = 0

    def reset(self) -> None:
        self._turn = 0

    def plan(
        self,
        motion_xyxy_px: npt.ArrayLike,
        frame_wh: tuple[int, int],
        *,
        track_xyxy_px: npt.ArrayLike = (),
        watch_xyxy_px: npt.ArrayLike = (),
        person_height: HeightAt | None = None,
    ) -> DetectionPlan:
        s = self.settings
        if not s.motion_gating:
            return FULL
        tracks = _finite(track_xyxy_px)
        motion = _finite(motion_xyxy_px)
        watch = _finite(watch_xyxy_px)
        if len(tracks) == 0 and len(motion) == 0 and len(watch) == 0:
            return SKIP
        if max(frame_wh) < s.region_min_frame_px:
            return FULL
        area = (motion[:, 2] - motion[:, 0]) * (motion[:, 3] - motion[:, 1])
        motion = motion[np.argsort(-area, kind="stable")]
        if len(motion) > 1:
            shift = self._turn % len(motion)
            motion = np.roll(motion, -shift, axis=0) if shift else motion
        crops: list[list[float]] = []
        stacked = np.concatenate([tracks, watch, motion])
        expected = np.full(len(stacked), np.nan)
        if person_height is not None and len(stacked):
            feet = np.stack([(stacked[:, 0] + stacked[:, 2]) / 2.0, stacked[:, 3]], axis=1)
            expected = np.asarray(person_height(feet), np.float64).reshape(len(stacked))
        used = 0
        for box, person_h in zip(stacked.tolist(), expected.tolist(), strict=True):
            if len(crops) >= s.max_crops:
                break
            self._place(crops, box, frame_wh, person_h)
            used += 1
        self._turn += max(used - len(tracks) - len(watch), 1)
        out = tuple(self._fit(c, frame_wh) for c in crops)
        return DetectionPlan(PlanKind.REGION, out)

    @property
    def crop_per_height(self) -> float:
        """The side of a crop around a box of a standing person, in box heights (at
        least; the frame and ``region_min_px`` bound it)."""
        s = self.settings
        return max(1.0 + 2.0 * s.region_context_frac, s.region_input_px / s.region_target_px)

    def _side(self, box: list[float], frame_wh: tuple[int, int], person_h: float) -> float:
        s = self.settings
        w, h = box[2] - box[0], box[3] - box[1]
        grow = 1.0 + 2.0 * s.region_context_frac
        side = max(w * grow, h * grow, h * s.region_input_px / s.region_target_px)
        floor = s.region_min_px
        if math.isfinite(person_h) and person_h > 0.0:
            floor = max(s.region_min_px_georef, person_h * self.crop_per_height)
        return min(max(side, floor), float(min(frame_wh)))

    def _place(
        self,
        crops: list[list[float]],
        box: list[float],
        frame_wh: tuple[int, int],
        person_h: float = math.nan,
    ) -> None:
        """Add a crop for ``box`` unless one holds it; grow a near one when that is cheap."""
        side = self._side(box, frame_wh, person_h)
        margin = 0.25 * (box[3] - box[1])
        inner = [box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin]
        for c in crops:
            if c[0] <= inner[0] and c[1] <= inner[1] and c[2] >= inner[2] and c[3] >= inner[3]:
                return
        cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
        mine = [cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2]
        for i, c in enumerate(crops):
            union = [min(c[0], inner[0]), min(c[1], inner[1]), max(c[2], inner[2])]
            union.append(max(c[3], inner[3]))
            grown = max(union[2] - union[0], union[3] - union[1])
            if grown <= self.settings.region_merge_factor * max(c[2] - c[0], side):
                ux, uy = (union[0] + union[2]) / 2.0, (union[1] + union[3]) / 2.0
                crops[i] = [ux - grown / 2, uy - grown / 2, ux + grown / 2, uy + grown / 2]
                return
        crops.append(mine)

    @staticmethod
    def _fit(crop: list[float], frame_wh: tuple[int, int]) -> Crop:
        """A square inside the frame (shifted, not cut; no larger than the frame)."""
        width, height = frame_wh
        side = min(math.ceil(crop[2] - crop[0]), width, height)
        cx, cy = (crop[0] + crop[2]) / 2.0, (crop[1] + crop[3]) / 2.0
        x0 = int(min(max(round(cx - side / 2.0), 0), width - side))
        y0 = int(min(max(round(cy - side / 2.0), 0), height - side))
        return x0, y0, x0 + side, y0 + side
