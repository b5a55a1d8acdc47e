"""``DetectionFilter``: detection masks, the class filter and per-class minimum scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cv2
import numpy as np
import numpy.typing as npt

from kordon.domain.detections import Detections
from kordon.video.pipeline.errors import PipelineError

PolygonPx = Sequence[tuple[float, float]]


class DetectionFilter:
    """Drops detections that are masked, of an unwanted class, scored too low, or too large.

    A detection is masked when its anchor point (bottom centre by default: where the
    object stands) lies inside or on the edge of any mask polygon. ``classes`` ``None``
    keeps every class; ``min_scores`` maps class names to their minimum score.
    """

    def __init__(
        self,
        *,
        masks: Sequence[PolygonPx] = (),
        classes: Sequence[str] | None = None,
        min_scores: Mapping[str, float] | None = None,
        max_area_px: float | None = None,
        anchor: str = "bottom_center",
    ) -> None:
        polygons: list[npt.NDArray[np.float32]] = []
        for i, polygon in enumerate(masks):
            points = np.asarray(polygon, np.float32)
            if points.ndim != 2 or points.shape[0] < 3 or points.shape[1] != 2:
                raise PipelineError(
                    f"detection mask {i}: expected >= 3 points [x, y], got shape {points.shape}"
                )
            if not np.isfinite(points).all():
                raise PipelineError(f"detection mask {i}: points must be finite")
            polygons.append(points.reshape(-1, 1, 2))
        for name, score in (min_scores or {}).items():
            if not 0.0 <= score <= 1.0:
                raise PipelineError(f"min score of {name!r} must be in [0, 1], got {score}")
        if anchor not in ("bottom_center", "center"):
            raise PipelineError(f"mask anchor must be bottom_center or center, got {anchor!r}")
        self._polygons = tuple(polygons)
        self._classes = frozenset(classes) if classes is not None else None
        self._min_scores = dict(min_scores or {})
        self._max_area = max_area_px
        self._anchor = anchor

    def masked(self, detections: Detections) -> npt.NDArray[np.bool_]:
        """(N,) True where the detection's anchor lies in a mask."""
        out = np.zeros(len(detections), np.bool_)
        if not self._polygons or len(detections) == 0:
            return out
        anchors = detections.anchor_px(self._anchor).tolist()
        for i, (x, y) in enumerate(anchors):
            out[i] = any(cv2.pointPolygonTest(p, (x, y), False) >= 0 for p in self._polygons)
        return out

    def apply(self, detections: Detections) -> Detections:
        if len(detections) == 0:
            return detections
        keep = ~self.masked(detections)
        names = detections.class_names
        if self._classes is not None:
            keep &= np.fromiter((n in self._classes for n in names), np.bool_, len(names))
        if self._min_scores:
            floor = np.array([self._min_scores.get(n, 0.0) for n in names], np.float32)
            keep &= detections.confidence >= floor
        if self._max_area is not None:
            keep &= detections.area_px <= self._max_area
        return detections if bool(keep.all()) else detections[keep]
