"""``MotionSegmenter``: running-average background subtraction on a small grey frame."""

from __future__ import annotations

import logging

import cv2
import numpy as np
import numpy.typing as npt

from kordon.domain.errors import KordonError
from kordon.video.motion.config import MotionConfig
from kordon.video.motion.regions import merge_close, shape_regions
from kordon.video.motion.result import MotionResult

logger = logging.getLogger(__name__)


class MotionError(KordonError):
    """A frame the motion segmenter cannot use (wrong shape or type)."""


class MotionSegmenter:
    """Finds moving regions frame by frame.

    Stateful: it keeps a background, so it must see consecutive frames of one camera
    (at the analytics rate). The first frame (and any frame after a resolution change)
    initialises the background and reports no motion; anything moving in that frame leaves
    a fading "ghost" for about ``1 / learning_rate`` frames. When more than
    ``light_change_fraction`` of the frame changes at once, the change is taken as
    lighting (sun, clouds, IR switching, auto-exposure): the background is re-initialised
    to the current frame and the result has ``light_change=True`` and no boxes.
    """

    def __init__(self, config: MotionConfig | None = None) -> None:
        self.config = config or MotionConfig()
        self._background: npt.NDArray[np.float32] | None = None
        self._allowed: npt.NDArray[np.uint8] | None = None
        self._frame_wh: tuple[int, int] = (0, 0)
        self._small_wh: tuple[int, int] = (0, 0)
        self._kernel = (
            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (self.config.morph_px,) * 2)
            if self.config.morph_px > 0
            else None
        )

    def reset(self) -> None:
        """Forget the background (e.g. after the camera moved or the source reconnected)."""
        self._background = None

    def segment(self, image: npt.NDArray[np.uint8]) -> MotionResult:
        """Motion in ``image`` (H×W×3 BGR or H×W grey, uint8) relative to earlier frames."""
        grey = self._grey_small(image)
        if self._background is None:
            self._start_background(grey)
            return self._empty(grey.shape, light_change=False)
        cfg = self.config
        background_u8 = cv2.convertScaleAbs(self._background)
        diff = np.asarray(cv2.absdiff(grey, background_u8), np.uint8)
        _, thresholded = cv2.threshold(diff, cfg.threshold, 255, cv2.THRESH_BINARY)
        mask = np.asarray(thresholded, np.uint8)
        if self._allowed is not None:
            mask = np.asarray(cv2.bitwise_and(mask, self._allowed), np.uint8)
        allowed_px = (
            int(cv2.countNonZero(self._allowed)) if self._allowed is not None else grey.size
        )
        fraction = cv2.countNonZero(mask) / max(allowed_px, 1)
        if fraction > cfg.light_change_fraction:
            logger.debug("light change: %.0f %% of the frame changed", 100 * fraction)
            self._start_background(grey)
            return self._empty(grey.shape, light_change=True, fraction=fraction)
        cv2.accumulateWeighted(grey, self._background, cfg.learning_rate)
        if self._kernel is not None:
            opened = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel)
            mask = np.asarray(cv2.morphologyEx(opened, cv2.MORPH_CLOSE, self._kernel), np.uint8)
        return self._blobs(mask, diff, fraction)

    def _start_background(self, grey: npt.NDArray[np.uint8]) -> None:
        self._background = grey.astype(np.float32)

    def _grey_small(self, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        if image.dtype != np.uint8 or image.ndim not in (2, 3) or image.size == 0:
            raise MotionError(
                f"motion: expected a non-empty H×W×3 or H×W uint8 image, got "
                f"shape {image.shape} {image.dtype}"
            )
        if image.ndim == 3 and image.shape[2] != 3:
            raise MotionError(f"motion: expected 3 channels (BGR), got shape {image.shape}")
        frame_wh = (int(image.shape[1]), int(image.shape[0]))
        if frame_wh != self._frame_wh:
            self._resize_state(frame_wh)
        # Grey first, then a linear resize: 10× cheaper than an area resize of BGR; the blur
        # below removes the aliasing that linear downscaling leaves.
        full_grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        grey = cv2.resize(full_grey, self._small_wh, interpolation=cv2.INTER_LINEAR)
        k = self.config.blur_px
        if k > 0:
            grey = cv2.GaussianBlur(grey, (k | 1, k | 1), 0)
        return np.asarray(grey, np.uint8)

    def _resize_state(self, frame_wh: tuple[int, int]) -> None:
        width, height = frame_wh
        small_w = min(self.config.work_width_px, width)
        small_h = max(1, round(height * small_w / width))
        self._frame_wh = frame_wh
        self._small_wh = (small_w, small_h)
        self._background = None
        self._allowed = None
        if self.config.masks:
            allowed = np.full((small_h, small_w), 255, np.uint8)
            scale = small_w / width
            for polygon in self.config.masks:
                if len(polygon) < 3:
                    raise MotionError(f"motion mask needs >= 3 points, got {polygon}")
                points = np.round(np.asarray(polygon, np.float64) * scale).astype(np.int32)
                cv2.fillPoly(allowed, [points], 0)
            self._allowed = allowed

    @property
    def _scale(self) -> float:
        """Full-frame pixels per working pixel."""
        return self._frame_wh[0] / self._small_wh[0]

    def _blobs(
        self, mask: npt.NDArray[np.uint8], diff: npt.NDArray[np.uint8], fraction: float
    ) -> MotionResult:
        cfg = self.config
        scale = self._scale
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        min_area_small = cfg.min_blob_area_px / (scale * scale)
        keep = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= min_area_small]
        blobs = np.zeros((len(keep), 4), np.float32)
        areas = np.zeros((len(keep),), np.float32)
        contrast = np.zeros((len(keep),), np.float32)
        for row, i in enumerate(keep):
            x, y, w, h, area = (int(v) for v in stats[i])
            blobs[row] = (x * scale, y * scale, (x + w) * scale, (y + h) * scale)
            areas[row] = area * scale * scale
            window = labels[y : y + h, x : x + w] == i
            contrast[row] = float(diff[y : y + h, x : x + w][window].mean())
        boxes = shape_regions(
            merge_close(blobs, cfg.merge_distance_px),
            pad_px=cfg.pad_px,
            min_size_px=cfg.min_roi_px,
            aspect_wh=cfg.roi_aspect_wh,
            frame_wh=self._frame_wh,
        )
        return MotionResult(
            mask_small=mask,
            boxes_xyxy_px=boxes,
            motion_fraction=fraction,
            light_change=False,
            blobs_xyxy_px=blobs,
            blob_area_px=areas,
            blob_contrast=contrast,
        )

    def _empty(
        self, shape: tuple[int, ...], *, light_change: bool, fraction: float = 0.0
    ) -> MotionResult:
        none4 = np.zeros((0, 4), np.float32)
        none = np.zeros((0,), np.float32)
        return MotionResult(
            mask_small=np.zeros(shape[:2], np.uint8),
            boxes_xyxy_px=none4,
            motion_fraction=fraction,
            light_change=light_change,
            blobs_xyxy_px=none4,
            blob_area_px=none,
            blob_contrast=none,
        )
