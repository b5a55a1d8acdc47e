"""``BlackHotDetector``: run a detector trained on daylight pictures on a thermal camera.

A white-hot thermal picture shows people as bright silhouettes on a darker background; a
network trained on daylight photographs scores those poorly (NanoDet-m on the simulator's
thermal border scene: 18 px people found in 9 % of 160 px crops, score ~0.2). Inverted to
black-hot they look like dark-clad people against a bright sky or snow, which such networks
know well: the same crops are found in 78 % (scores ~0.5), and 34 px people at 200 m in
100 % of 208 px crops (score 0.79, against 0.71 white-hot). Histogram equalisation (CLAHE)
made it worse in every case measured, so the picture is only inverted.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from kordon.domain.detections import Detections
from kordon.video.detectors.base import Detector, ImageBGR
from kordon.video.detectors.image_input import check_bgr_image


@runtime_checkable
class _Loadable(Protocol):
    def load(self) -> None: ...


class BlackHotDetector:
    """Implements ``Detector``: inverts a white-hot picture, then runs ``inner`` on it."""

    def __init__(self, inner: Detector) -> None:
        self._inner = inner

    @property
    def labels(self) -> tuple[str, ...]:
        return self._inner.labels

    def load(self) -> None:
        """Load the inner detector when it has a ``load()``."""
        if isinstance(self._inner, _Loadable):
            self._inner.load()

    def detect(self, image: ImageBGR) -> Detections:
        check_bgr_image(image, who="BlackHotDetector")
        return self._inner.detect(np.asarray(cv2.bitwise_not(image), np.uint8))
