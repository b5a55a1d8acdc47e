"""``BlackHotDetector``'s warm-blob score support, on pictures built pixel by pixel."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kordon.domain.detections import Detections
from kordon.video.detectors.base import ImageBGR
from kordon.video.detectors.errors import DetectorError
from kordon.video.detectors.thermal import BlackHotDetector, heat_contrast

WARM = (100.0, 100.0, 110.0, 120.0)
COOL = (300.0, 100.0, 310.0, 120.0)


class FixedDetector:
    """Returns the same detections for every picture and remembers what it was shown."""

    def __init__(self, rows: list[tuple[float, float, float, float, float]]) -> None:
        self.rows = rows
        self.seen: list[ImageBGR] = []

    @property
    def labels(self) -> tuple[str, ...]:
        return ("person",)

    def detect(self, image: ImageBGR) -> Detections:
        self.seen.append(image)
        arr = np.asarray(self.rows, np.float32).reshape(-1, 5)
        return Detections(
            xyxy_px=arr[:, :4],
            confidence=arr[:, 4],
            class_id=np.zeros(len(arr), np.int32),
            labels=self.labels,
        )


def thermal_picture(blob_grey: int) -> ImageBGR:
    """A 60-grey background with one person-sized blob at ``WARM``."""
    image = np.full((240, 480, 3), 60, np.uint8)
    x0, y0, x1, y1 = (int(v) for v in WARM)
    image[y0 + 2 : y1, x0 + 2 : x1 - 2] = blob_grey
    return image


def test_heat_contrast_of_a_warm_box_a_cool_one_and_bad_boxes() -> None:
    grey = thermal_picture(200)[:, :, 0]
    bad = (math.nan, 0.0, 5.0, 5.0)
    empty = (50.0, 50.0, 50.0, 60.0)
    outside = (900.0, 10.0, 950.0, 30.0)
    got = heat_contrast(grey, [WARM, COOL, bad, empty, outside])
    assert got[0] == pytest.approx(140.0)
    assert got[1:].tolist() == [0.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("blob_grey", "warm_score"),
    [
        (200, 1.0 - 0.55 * 0.5),  # warm blob: the doubt is halved
        (75, 0.45),  # 15 grey levels: not warm enough, score kept
    ],
)
def test_detections_on_warm_blobs_are_raised(blob_grey: int, warm_score: float) -> None:
    inner = FixedDetector([(*WARM, 0.45), (*COOL, 0.45)])
    found = BlackHotDetector(inner).detect(thermal_picture(blob_grey))
    assert found.confidence.tolist() == pytest.approx([warm_score, 0.45])
    assert int(inner.seen[0][0, 0, 0]) == 255 - 60  # the network saw the inverted picture


def test_non_finite_scores_are_left_for_the_pipeline_to_drop() -> None:
    inner = FixedDetector([(*WARM, math.nan)])
    found = BlackHotDetector(inner).detect(thermal_picture(200))
    assert math.isnan(float(found.confidence[0]))


@pytest.mark.parametrize(
    ("contrast", "boost"), [(0.0, 0.5), (math.nan, 0.5), (30.0, 1.0), (30.0, -0.1)]
)
def test_bad_settings_are_refused(contrast: float, boost: float) -> None:
    with pytest.raises(DetectorError):
        BlackHotDetector(FixedDetector([]), heat_contrast=contrast, heat_boost=boost)


class SizedDetector(FixedDetector):
    """A ``FixedDetector`` that can be asked for another input size."""

    def __init__(self, input_px: int | None = None) -> None:
        super().__init__([])
        self._input_px = input_px

    @property
    def input_px(self) -> int | None:
        return self._input_px

    def resized(self, input_px: int) -> SizedDetector:
        return SizedDetector(input_px)


def test_resizing_a_black_hot_detector_resizes_its_network_and_keeps_its_settings() -> None:
    detector = BlackHotDetector(SizedDetector(), heat_contrast=12.0, heat_boost=0.25)
    assert detector.input_px is None
    small = detector.resized(256)
    assert isinstance(small, BlackHotDetector)
    assert small is not detector
    assert small.input_px == 256
    assert (small.heat_contrast, small.heat_boost) == (12.0, 0.25)
    fixed = BlackHotDetector(FixedDetector([]))  # a network of one size only
    assert fixed.input_px is None
    assert fixed.resized(256) is fixed
