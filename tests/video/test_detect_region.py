"""``RegionDetector`` crop planning and merging, checked with a fake inner detector."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.domain.detections import Detections
from kordon.video.detectors.errors import DetectorError
from kordon.video.detectors.region import RegionDetector

WORLD = np.array([[100.0, 100.0, 130.0, 180.0], [500.0, 300.0, 520.0, 350.0]])


class FakeDetector:
    """Reports the parts of known world boxes that fall inside the image it is given."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, int, int]] = []
        self.origin = (0, 0)

    @property
    def labels(self) -> tuple[str, ...]:
        return ("person",)

    def detect(self, image: npt.NDArray[np.uint8]) -> Detections:
        # the crop's origin is encoded in its first pixel (set by the test image)
        b, g, r = (int(v) for v in image[0, 0])
        x0, y0 = b + 256 * (r & 15), g + 256 * (r >> 4)
        h, w = image.shape[:2]
        self.calls.append((x0, y0, w, h))
        local = WORLD - np.array([x0, y0, x0, y0])
        clipped = np.clip(local, 0, [w, h, w, h])
        ok = (clipped[:, 2] > clipped[:, 0]) & (clipped[:, 3] > clipped[:, 1])
        return Detections.from_arrays(clipped[ok], np.full(ok.sum(), 0.9), np.zeros(ok.sum()))


def coded_image(height: int = 480, width: int = 640) -> npt.NDArray[np.uint8]:
    """Each pixel encodes its own (x, y) so a crop reveals where it came from."""
    yy, xx = np.mgrid[0:height, 0:width]
    high = (xx >> 8) | ((yy >> 8) << 4)
    return np.stack([xx & 255, yy & 255, high], axis=2).astype(np.uint8)


def test_crop_results_map_back_to_frame_pixels() -> None:
    fake = FakeDetector()
    region = RegionDetector(fake, min_crop_px=128)
    found = region.detect_regions(coded_image(), WORLD)
    np.testing.assert_allclose(found.xyxy_px, WORLD[[0, 1]], atol=1e-4)
    assert len(fake.calls) == 2


def test_tiles_merge_a_box_split_by_the_overlap() -> None:
    fake = FakeDetector()
    region = RegionDetector(fake, tiles_xy=(2, 1), tile_overlap_frac=0.2)
    found = region.detect(coded_image())
    # both people come back whole, once each, though tiles also saw cut parts
    assert len(found) == 2
    np.testing.assert_allclose(np.sort(found.xyxy_px, axis=0), np.sort(WORLD, axis=0), atol=1e-4)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 630), st.floats(0, 470), st.floats(1, 300), st.floats(1, 300)),
        min_size=1,
        max_size=12,
    )
)
def test_crop_plan_is_bounded_and_inside_the_frame(
    boxes: list[tuple[float, float, float, float]],
) -> None:
    region = RegionDetector(FakeDetector(), min_crop_px=200, max_crops=3)
    regions = np.array([[x, y, x + w, y + h] for x, y, w, h in boxes])
    crops = region.plan_crops((480, 640), regions)
    assert 1 <= len(crops) <= 3
    assert (crops[:, :2] >= 0).all()
    assert (crops[:, 2] <= 640).all()
    assert (crops[:, 3] <= 480).all()
    assert ((crops[:, 2:] - crops[:, :2]) >= 200).all()


def test_bad_regions_and_parameters() -> None:
    region = RegionDetector(FakeDetector())
    with pytest.raises(DetectorError, match=r"finite \(N, 4\)"):
        region.plan_crops((480, 640), np.array([[1.0, 2.0, 3.0]]))
    with pytest.raises(DetectorError, match=r"max_crops"):
        RegionDetector(FakeDetector(), max_crops=0)
    assert len(region.detect_regions(coded_image(), np.zeros((0, 4)))) == 0
