"""Builders for pipeline tests: a scripted detector that counts its calls."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kordon.domain.detections import Detections


class ScriptedDetector:
    """Returns fixed boxes (in the image it is given) and records every call's image size."""

    def __init__(self, boxes_xyxy_px: list[list[float]], label: str = "person") -> None:
        self.boxes = boxes_xyxy_px
        self.calls: list[tuple[int, int]] = []
        self._labels = (label,)

    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    def detect(self, image: npt.NDArray[np.uint8]) -> Detections:
        self.calls.append((int(image.shape[1]), int(image.shape[0])))
        n = len(self.boxes)
        return Detections.from_arrays(self.boxes, [0.9] * n, [0] * n, labels=self._labels)
