"""``RegionDetector``: run any detector on crops (motion regions) or tiles of a frame.

Small, distant people cover a few pixels once a whole frame is shrunk to the model's
input; cropping around where something moved, or tiling, keeps them large enough to find.
Crops are expanded with context, grown to a minimum size, deduplicated, sorted largest
first and capped per frame so the cost stays bounded; boxes go back to frame pixels and
duplicates across crops are merged. A box cut by a crop's inner edge (the object continues
outside the crop) loses to a whole box of the same object from another crop.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from kordon.domain.detections import Detections
from kordon.video.detectors.base import Detector, ImageBGR
from kordon.video.detectors.boxes import box_area, ioa_matrix, iou_matrix
from kordon.video.detectors.errors import DetectorError
from kordon.video.detectors.image_input import check_bgr_image

CropArray = npt.NDArray[np.int64]
"""(K, 4) integer crops (x1, y1, x2, y2) in frame pixels, x2/y2 exclusive."""

_CUT_RANK_FACTOR = 0.5
_CUT_CONTAINED_IOA = 0.6
_COVERED_IOA = 0.9


@runtime_checkable
class _Loadable(Protocol):
    def load(self) -> None: ...


def _place(centre: float, size: int, limit: int) -> int:
    """Start of a ``size`` window centred on ``centre``, shifted to lie in [0, limit]."""
    start = round(centre - size / 2.0)
    return int(min(max(start, 0), limit - size))


def _tile_starts(length: int, count: int, overlap_frac: float) -> tuple[int, list[int]]:
    size = math.ceil(length / (count * (1.0 - overlap_frac) + overlap_frac))
    size = min(size, length)
    if count == 1:
        return size, [0]
    step = (length - size) / (count - 1)
    return size, [round(i * step) for i in range(count)]


class RegionDetector:
    """Runs ``inner`` on regions of interest (``detect_regions``) or on tiles (``detect``)."""

    def __init__(
        self,
        inner: Detector,
        *,
        min_crop_px: int = 256,
        context_frac: float = 0.5,
        square_crops: bool = True,
        max_crops: int = 4,
        tiles_xy: tuple[int, int] = (2, 1),
        tile_overlap_frac: float = 0.2,
        nms_iou: float = 0.5,
        edge_margin_px: float = 2.0,
    ) -> None:
        if min_crop_px < 16:
            raise DetectorError(f"min_crop_px must be >= 16, got {min_crop_px}")
        if not 0.0 <= context_frac <= 4.0:
            raise DetectorError(f"context_frac must be in [0, 4], got {context_frac}")
        if not 1 <= max_crops <= 64:
            raise DetectorError(f"max_crops must be in [1, 64], got {max_crops}")
        if len(tiles_xy) != 2 or not all(1 <= t <= 8 for t in tiles_xy):
            raise DetectorError(f"tiles_xy must be two counts in [1, 8], got {tiles_xy}")
        if not 0.0 <= tile_overlap_frac < 0.9:
            raise DetectorError(f"tile_overlap_frac must be in [0, 0.9), got {tile_overlap_frac}")
        if not 0.0 < nms_iou <= 1.0:
            raise DetectorError(f"nms_iou must be in (0, 1], got {nms_iou}")
        self._inner = inner
        self._min_crop = min_crop_px
        self._context = context_frac
        self._square = square_crops
        self._max_crops = max_crops
        self._tiles_xy = (int(tiles_xy[0]), int(tiles_xy[1]))
        self._overlap = tile_overlap_frac
        self._nms_iou = nms_iou
        self._edge_margin = edge_margin_px

    @property
    def labels(self) -> tuple[str, ...]:
        return self._inner.labels

    @property
    def inner(self) -> Detector:
        """The detector run on each crop or tile."""
        return self._inner

    def load(self) -> None:
        """Load the inner detector when it has a ``load()``."""
        if isinstance(self._inner, _Loadable):
            self._inner.load()

    def plan_crops(self, image_hw: tuple[int, int], regions_xyxy_px: npt.ArrayLike) -> CropArray:
        """Crops for the given regions: largest region first, covered ones skipped, capped."""
        height, width = image_hw
        regions = np.asarray(regions_xyxy_px, np.float64)
        if regions.size == 0:
            return np.zeros((0, 4), np.int64)
        if regions.ndim != 2 or regions.shape[1] != 4 or not np.isfinite(regions).all():
            raise DetectorError(
                f"regions_xyxy_px must be a finite (N, 4) array, got shape {regions.shape}"
            )
        regions = np.clip(regions, 0.0, [width, height, width, height])
        regions = regions[(regions[:, 2] > regions[:, 0]) & (regions[:, 3] > regions[:, 1])]
        order = np.argsort(-box_area(regions), kind="stable")
        crops: list[list[int]] = []
        for x1, y1, x2, y2 in regions[order].tolist():
            if crops and ioa_matrix(np.array([[x1, y1, x2, y2]]), np.array(crops)).max() >= (
                _COVERED_IOA
            ):
                continue
            crop_w = max((x2 - x1) * (1.0 + 2.0 * self._context), self._min_crop)
            crop_h = max((y2 - y1) * (1.0 + 2.0 * self._context), self._min_crop)
            if self._square:
                crop_w = crop_h = max(crop_w, crop_h)
            size_w, size_h = min(math.ceil(crop_w), width), min(math.ceil(crop_h), height)
            cx0 = _place((x1 + x2) / 2.0, size_w, width)
            cy0 = _place((y1 + y2) / 2.0, size_h, height)
            crops.append([cx0, cy0, cx0 + size_w, cy0 + size_h])
            if len(crops) >= self._max_crops:
                break
        return np.asarray(crops, np.int64).reshape(-1, 4)

    def plan_tiles(self, image_hw: tuple[int, int]) -> CropArray:
        """The overlapping tiling of a frame, row by row."""
        height, width = image_hw
        tile_w, xs = _tile_starts(width, self._tiles_xy[0], self._overlap)
        tile_h, ys = _tile_starts(height, self._tiles_xy[1], self._overlap)
        return np.asarray([[x, y, x + tile_w, y + tile_h] for y in ys for x in xs], np.int64)

    def detect(self, image: ImageBGR) -> Detections:
        """Detections over the whole frame, found tile by tile."""
        check_bgr_image(image, who="RegionDetector")
        return self.detect_crops(image, self.plan_tiles(image.shape[:2]))

    def detect_regions(self, image: ImageBGR, regions_xyxy_px: npt.ArrayLike) -> Detections:
        """Detections around the given regions (e.g. motion boxes), in frame pixels."""
        check_bgr_image(image, who="RegionDetector")
        return self.detect_crops(image, self.plan_crops(image.shape[:2], regions_xyxy_px))

    def detect_crops(self, image: ImageBGR, crops: CropArray) -> Detections:
        """Run the inner detector on each crop and merge the results in frame pixels."""
        height, width = image.shape[:2]
        parts: list[Detections] = []
        cut_flags: list[npt.NDArray[np.bool_]] = []
        for x1, y1, x2, y2 in np.asarray(crops, np.int64).reshape(-1, 4).tolist():
            found = self._inner.detect(np.ascontiguousarray(image[y1:y2, x1:x2]))
            boxes = found.xyxy_px + np.array([x1, y1, x1, y1], np.float32)
            parts.append(
                Detections(boxes.astype(np.float32), found.confidence, found.class_id, self.labels)
            )
            m = self._edge_margin
            cut = (
                ((boxes[:, 0] <= x1 + m) & (x1 > 0))
                | ((boxes[:, 1] <= y1 + m) & (y1 > 0))
                | ((boxes[:, 2] >= x2 - m) & (x2 < width))
                | ((boxes[:, 3] >= y2 - m) & (y2 < height))
            )
            cut_flags.append(cut)
        if not parts:
            return Detections.empty(self.labels)
        merged = Detections.concatenate(parts)
        keep = self._merge(merged, np.concatenate(cut_flags))
        out = merged[keep.astype(np.int32)]
        return Detections(out.xyxy_px, out.confidence, out.class_id, self.labels)

    def _merge(self, dets: Detections, cut: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp]:
        """Greedy merge: whole boxes rank before cut ones; same class only."""
        n = len(dets)
        if n == 0:
            return np.zeros((0,), np.intp)
        rank = dets.confidence.astype(np.float64) * np.where(cut, _CUT_RANK_FACTOR, 1.0)
        order = np.lexsort((np.arange(n), -rank))
        same = dets.class_id[:, None] == dets.class_id[None, :]
        iou = iou_matrix(dets.xyxy_px, dets.xyxy_px)
        contained = ioa_matrix(dets.xyxy_px, dets.xyxy_px).T > _CUT_CONTAINED_IOA
        # suppress[i, j]: keeping i removes j
        suppress = same & ((iou > self._nms_iou) | (contained & cut[None, :]))
        removed = np.zeros(n, np.bool_)
        keep: list[int] = []
        for i in order.tolist():
            if removed[i]:
                continue
            keep.append(i)
            removed |= suppress[i]
        return np.asarray(keep, np.intp)
