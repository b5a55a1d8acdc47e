"""``BlackHotDetector``: run a detector trained on daylight pictures on a thermal camera.

A white-hot thermal picture shows people as bright silhouettes on a darker background; a
network trained on daylight photographs scores those poorly (NanoDet-m on the simulator's
thermal border scene: 18 px people found in 9 % of 160 px crops, score ~0.2). Inverted to
black-hot they look like dark-clad people against a bright sky or snow, which such networks
know well: the same crops are found in 78 % (scores ~0.5), and 34 px people at 200 m in
100 % of 208 px crops (score 0.79, against 0.71 white-hot). Histogram equalisation (CLAHE)
made it worse in every case measured, so the picture is only inverted.

Scores of ~0.5 are below what starts a track (0.6), so distant people on a thermal camera
were found but rarely tracked. The picture itself says more: a person is a warm body, a
blob clearly brighter (white-hot) than what surrounds it. Each detection whose box holds
such a blob (the box's 90th-percentile grey at least ``heat_contrast`` above the median of
a ring around it) is taken as corroborated and its score raised: the network's doubt is
halved, ``1 - (1 - s) · (1 - heat_boost)``. A detection on cool clutter keeps its score.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import cv2
import numpy as np
import numpy.typing as npt

from kordon.domain.detections import Detections
from kordon.video.detectors.base import Detector, ImageBGR, ResizableDetector
from kordon.video.detectors.errors import DetectorError
from kordon.video.detectors.image_input import check_bgr_image

HEAT_CONTRAST = 30.0
"""Grey levels (8-bit, white-hot) a box's warm part must lie above its surroundings."""
HEAT_BOOST = 0.5
"""Share of the remaining doubt ``1 - score`` removed from a detection on a warm blob."""


@runtime_checkable
class _Loadable(Protocol):
    def load(self) -> None: ...


def heat_contrast(
    grey: npt.NDArray[np.uint8], boxes_xyxy: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """(N,) how much warmer (grey levels) each box's 90th percentile is than the median of
    a ring around it (one box width left and right, half a box height above and below).

    Boxes that are not finite, are empty or lie outside the picture get 0."""
    boxes = np.asarray(boxes_xyxy, np.float64).reshape(-1, 4)
    h_img, w_img = grey.shape[:2]
    out = np.zeros(len(boxes), np.float64)
    for i, box in enumerate(boxes):
        if not np.isfinite(box).all():
            continue
        x0, y0 = max(int(np.floor(box[0])), 0), max(int(np.floor(box[1])), 0)
        x1, y1 = min(int(np.ceil(box[2])), w_img), min(int(np.ceil(box[3])), h_img)
        if x1 <= x0 or y1 <= y0:
            continue
        w, h = x1 - x0, y1 - y0
        rx0, ry0 = max(x0 - w, 0), max(y0 - h // 2, 0)
        rx1, ry1 = min(x1 + w, w_img), min(y1 + h // 2, h_img)
        region = grey[ry0:ry1, rx0:rx1]
        ring = np.ones(region.shape, np.bool_)
        ring[y0 - ry0 : y1 - ry0, x0 - rx0 : x1 - rx0] = False
        if not ring.any():
            continue
        inside = grey[y0:y1, x0:x1]
        out[i] = float(np.percentile(inside, 90)) - float(np.median(region[ring]))
    return out


class BlackHotDetector:
    """Implements ``Detector``: inverts a white-hot picture, runs ``inner`` on it, and
    raises the scores of detections on warm blobs (see the module docstring)."""

    def __init__(
        self,
        inner: Detector,
        *,
        heat_contrast: float = HEAT_CONTRAST,
        heat_boost: float = HEAT_BOOST,
    ) -> None:
        if not (np.isfinite(heat_contrast) and heat_contrast > 0.0):
            raise DetectorError(f"heat_contrast must be a number > 0, got {heat_contrast}")
        if not (np.isfinite(heat_boost) and 0.0 <= heat_boost < 1.0):
            raise DetectorError(f"heat_boost must be in [0, 1), got {heat_boost}")
        self._inner = inner
        self.heat_contrast = heat_contrast
        self.heat_boost = heat_boost

    @property
    def labels(self) -> tuple[str, ...]:
        return self._inner.labels

    @property
    def input_px(self) -> int | None:
        """The inner network's square input size asked for (None: its own, or fixed)."""
        return self._inner.input_px if isinstance(self._inner, ResizableDetector) else None

    def resized(self, input_px: int) -> Detector:
        """This detector around the inner one at ``input_px`` (``ResizableDetector``), so
        thermal crops run at the crops' input size too: on the thermal border scene at
        400 m, 96 px crops at 256 found 88 % of people against 76 % at the model's 416, in
        0.4x the time. A fixed-size inner network is kept as it is (it resizes crops to its
        own input)."""
        if not isinstance(self._inner, ResizableDetector):
            return self
        return BlackHotDetector(
            self._inner.resized(input_px),
            heat_contrast=self.heat_contrast,
            heat_boost=self.heat_boost,
        )

    def load(self) -> None:
        """Load the inner detector when it has a ``load()``."""
        if isinstance(self._inner, _Loadable):
            self._inner.load()

    def detect(self, image: ImageBGR) -> Detections:
        check_bgr_image(image, who="BlackHotDetector")
        found = self._inner.detect(np.asarray(cv2.bitwise_not(image), np.uint8))
        if len(found) == 0 or self.heat_boost == 0.0:
            return found
        grey = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), np.uint8)
        warm = heat_contrast(grey, found.xyxy_px) >= self.heat_contrast
        if not warm.any():
            return found
        score = np.asarray(found.confidence, np.float64)
        raised = np.where(warm, 1.0 - (1.0 - score) * (1.0 - self.heat_boost), score)
        return Detections(
            xyxy_px=found.xyxy_px,
            confidence=raised.astype(found.confidence.dtype),
            class_id=found.class_id,
            labels=found.labels,
        )
