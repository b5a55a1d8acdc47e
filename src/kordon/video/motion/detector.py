"""``MotionOnlyDetector``: moving blobs as detections (thermal cameras, tiny targets)."""

from __future__ import annotations

import numpy as np

from kordon.domain.detections import Detections
from kordon.video.detectors.base import ImageBGR
from kordon.video.motion.config import MotionConfig
from kordon.video.motion.segmenter import MotionSegmenter


class MotionOnlyDetector:
    """Implements the ``Detector`` protocol with background subtraction: each moving blob
    at least ``min_area_px`` large becomes one detection of class ``motion`` (id 0).

    Confidence mixes size and contrast: ``0.5·min(1, area / (4·min_area_px)) +
    0.5·min(1, contrast / full_contrast)``, so a large, strongly contrasting blob scores 1.
    Stateful (keeps a background): it must be given consecutive frames of one camera;
    the first frame, and frames with a sudden global light change, give no detections.
    """

    def __init__(
        self,
        config: MotionConfig | None = None,
        *,
        min_area_px: float = 64.0,
        full_contrast: float = 64.0,
        label: str = "motion",
    ) -> None:
        self._segmenter = MotionSegmenter(config)
        self.min_area_px = min_area_px
        self.full_contrast = full_contrast
        self._labels = (label,)

    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    def load(self) -> None:
        """Nothing to load; present for symmetry with network detectors."""

    def reset(self) -> None:
        self._segmenter.reset()

    def detect(self, image: ImageBGR) -> Detections:
        result = self._segmenter.segment(image)
        keep = result.blob_area_px >= self.min_area_px
        areas = result.blob_area_px[keep]
        size_score = np.minimum(1.0, areas / max(4.0 * self.min_area_px, 1e-6))
        contrast_score = np.minimum(1.0, result.blob_contrast[keep] / self.full_contrast)
        confidence = 0.5 * size_score + 0.5 * contrast_score
        return Detections.from_arrays(
            result.blobs_xyxy_px[keep],
            confidence,
            np.zeros(int(keep.sum()), np.int32),
            labels=self._labels,
        )
