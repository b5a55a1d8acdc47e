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


_SAMPLE_STEP = 4
"""Statistics (brightness, noise) are taken on every 4th working pixel in each direction."""
_SUDDEN_GAIN = 0.15
"""A global brightness change of more than 15 % between two frames is a light switch."""


class MotionSegmenter:
    """Finds moving regions frame by frame.

    Stateful: it keeps a background, so it must see consecutive frames of one camera
    (at the analytics rate). The first frame (and any frame after a resolution change)
    initialises the background and reports no motion.

    Made to see slow movers and to shrug off the sensor:

    * pixels seen as moving (for their first ``foreground_hold_frames``), and the boxes of
      tracked objects (``hold_xyxy_px``), learn ``foreground_learning_factor`` times
      slower, so a person walking toward the camera (who stays on nearly the same pixels
      for many seconds) is not absorbed before the detector finds them, while the ghost
      of something that left fades after the hold;
    * the background follows gradual global brightness changes (dusk, clouds, auto gain) by
      the ratio of medians, so they are not motion;
    * the threshold follows the measured noise (``noise_factor`` × its robust standard
      deviation) between ``min_threshold`` (lowered on dark pictures) and ``threshold``.

    A sudden global change (more than 15 % of brightness at once, or more than
    ``light_change_fraction`` of the frame) is taken as lighting (IR switching, a light
    turned on): the background is re-initialised and the result has ``light_change=True``.
    """

    def __init__(self, config: MotionConfig | None = None) -> None:
        self.config = config or MotionConfig()
        self._background: npt.NDArray[np.float32] | None = None
        self._allowed: npt.NDArray[np.uint8] | None = None
        self._allowed_sample: npt.NDArray[np.bool_] | None = None
        self._frame_wh: tuple[int, int] = (0, 0)
        self._small_wh: tuple[int, int] = (0, 0)
        self._noise: float | None = None
        self._fg_age: npt.NDArray[np.uint16] | None = None
        self._kernel = (
            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (self.config.morph_px,) * 2)
            if self.config.morph_px > 0
            else None
        )

    def reset(self) -> None:
        """Forget the background (e.g. after the camera moved or the source reconnected)."""
        self._background = None
        self._noise = None
        self._fg_age = None

    def segment(
        self, image: npt.NDArray[np.uint8], *, hold_xyxy_px: npt.ArrayLike | None = None
    ) -> MotionResult:
        """Motion in ``image`` (H×W×3 BGR or H×W grey, uint8) relative to earlier frames.

        ``hold_xyxy_px`` (full-frame pixels) are boxes of objects being tracked: their
        pixels are learnt into the background as slowly as moving ones.
        """
        grey = self._grey_small(image).astype(np.float32)
        if self._background is None:
            self._start_background(grey)
            return self._empty(grey.shape, light_change=False)
        cfg = self.config
        background = self._background
        level = self._median(grey)
        ratio = level / max(self._median(background), 1.0)
        if abs(ratio - 1.0) > _SUDDEN_GAIN and max(level, self._median(background)) > 8.0:
            fraction = self._changed_fraction(grey, background, float(cfg.threshold))
            logger.debug("light change: brightness ×%.2f", ratio)
            self._start_background(grey)
            return self._empty(grey.shape, light_change=True, fraction=fraction)
        if abs(ratio - 1.0) > 0.002:
            background *= ratio
        diff = np.asarray(cv2.absdiff(grey, background), np.float32)
        threshold = self._threshold(diff, level)
        mask = np.where(diff > threshold, np.uint8(255), np.uint8(0))
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
        self._learn(grey, mask, hold_xyxy_px)
        if self._kernel is not None:
            mask = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, self._kernel), np.uint8)
        return self._blobs(mask, diff, fraction, threshold=threshold, level=level)

    def _median(self, grey: npt.NDArray[np.float32]) -> float:
        sample = grey[::_SAMPLE_STEP, ::_SAMPLE_STEP]
        if self._allowed_sample is not None and self._allowed_sample.any():
            return float(np.median(sample[self._allowed_sample]))
        return float(np.median(sample))

    def _changed_fraction(
        self, grey: npt.NDArray[np.float32], background: npt.NDArray[np.float32], thr: float
    ) -> float:
        sample = np.abs(grey - background)[::_SAMPLE_STEP, ::_SAMPLE_STEP] > thr
        if self._allowed_sample is not None and self._allowed_sample.any():
            sample = sample[self._allowed_sample]
        return float(sample.mean())

    def _threshold(self, diff: npt.NDArray[np.float32], level: float) -> float:
        """Noise-following threshold: the robust deviation of the difference, smoothed."""
        cfg = self.config
        noise = 1.4826 * self._median(diff)
        self._noise = noise if self._noise is None else 0.9 * self._noise + 0.1 * noise
        floor = cfg.min_threshold * min(max(level / 100.0, 0.25), 1.0)
        return float(min(float(cfg.threshold), max(cfg.noise_factor * self._noise, floor)))

    def _learn(
        self,
        grey: npt.NDArray[np.float32],
        mask: npt.NDArray[np.uint8],
        hold_xyxy_px: npt.ArrayLike | None,
    ) -> None:
        """Running average; moving and held pixels learn ``foreground_learning_factor``×."""
        cfg = self.config
        background = self._background
        if background is None:  # pragma: no cover - segment() starts it first
            return
        moving = mask > 0
        if self._fg_age is None or self._fg_age.shape != mask.shape:
            self._fg_age = np.zeros(mask.shape, np.uint16)
        age = self._fg_age
        np.add(age, 1, out=age, where=moving & (age < np.iinfo(np.uint16).max))
        age[~moving] = 0
        slow = np.where(moving & (age <= cfg.foreground_hold_frames), np.uint8(255), np.uint8(0))
        if hold_xyxy_px is not None:
            held = np.asarray(hold_xyxy_px, np.float64).reshape(-1, 4)
            held = held[np.isfinite(held).all(axis=1)] / self._scale
            w, h = self._small_wh
            for x1, y1, x2, y2 in held.tolist():
                c1, r1 = max(int(x1), 0), max(int(y1), 0)
                c2, r2 = min(int(np.ceil(x2)), w), min(int(np.ceil(y2)), h)
                if c2 > c1 and r2 > r1:
                    slow[r1:r2, c1:c2] = 255
        fast = np.asarray(cv2.bitwise_not(slow), np.uint8)
        cv2.accumulateWeighted(grey, background, cfg.learning_rate, mask=fast)
        rate = cfg.learning_rate * cfg.foreground_learning_factor
        if rate > 0:
            cv2.accumulateWeighted(grey, background, rate, mask=slow)

    def _start_background(self, grey: npt.NDArray[np.float32]) -> None:
        self._background = grey.copy()
        self._fg_age = None

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
        small_w = self.config.working_width(width)
        small_h = max(1, round(height * small_w / width))
        self._frame_wh = frame_wh
        self._small_wh = (small_w, small_h)
        self._background = None
        self._noise = None
        self._allowed = None
        self._allowed_sample = None
        if self.config.masks:
            allowed = np.full((small_h, small_w), 255, np.uint8)
            scale = small_w / width
            for polygon in self.config.masks:
                if len(polygon) < 3:
                    raise MotionError(f"motion mask needs >= 3 points, got {polygon}")
                points = np.round(np.asarray(polygon, np.float64) * scale).astype(np.int32)
                cv2.fillPoly(allowed, [points], 0)
            self._allowed = allowed
            self._allowed_sample = allowed[::_SAMPLE_STEP, ::_SAMPLE_STEP] > 0

    @property
    def _scale(self) -> float:
        """Full-frame pixels per working pixel."""
        return self._frame_wh[0] / self._small_wh[0]

    def _blobs(
        self,
        mask: npt.NDArray[np.uint8],
        diff: npt.NDArray[np.float32],
        fraction: float,
        *,
        threshold: float,
        level: float,
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
            threshold=threshold,
            brightness=level,
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
