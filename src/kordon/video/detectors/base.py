"""The detector role: one verb, ``detect``."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

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


@runtime_checkable
class ResizableDetector(Detector, Protocol):
    """A detector whose network can run at another square input size (a fully
    convolutional model with free input dimensions), e.g. smaller on crops."""

    @property
    def input_px(self) -> int | None:
        """The square input size asked for (None: the model's own)."""
        ...

    def resized(self, input_px: int) -> Detector:
        """An unloaded detector like this one at ``input_px``."""
        ...
