"""The detector role: one verb, ``detect``."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from kordon.domain.detections import Detections

ImageBGR = npt.NDArray[np.uint8]
"""An H×W×3 uint8 image in BGR channel order (OpenCV/PyAV ``bgr24``)."""


class Detector(Protocol):
    """Finds objects in one image. Implementations are constructed cheaply from config;
    heavy resources (ONNX sessions) load in ``load()`` and fail there with a clear error."""

    @property
    def labels(self) -> tuple[str, ...]:
        """Class names, indexed by ``Detections.class_id``."""
        ...

    def detect(self, image: ImageBGR) -> Detections:
        """Detections in ``image`` pixel coordinates."""
        ...
