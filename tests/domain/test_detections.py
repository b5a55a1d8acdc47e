from __future__ import annotations

import numpy as np
import pytest

from kordon.domain.detections import Detections
from kordon.domain.errors import ShapeError


def _dets() -> Detections:
    return Detections.from_arrays(
        [[0, 0, 10, 20], [5, 5, 15, 25], [1, 2, 3, 4]],
        [0.9, 0.4, 0.6],
        [0, 2, 0],
        labels=("person", "bicycle", "car"),
    )


def test_boolean_mask_filters_every_field() -> None:
    dets = _dets()
    kept = dets[dets.confidence > 0.5]
    assert len(kept) == 2
    assert kept.class_names == ["person", "person"]
    np.testing.assert_array_equal(kept.xyxy_px[1], [1, 2, 3, 4])


@pytest.mark.parametrize(
    ("xyxy", "conf", "cls", "message"),
    [
        (
            np.zeros((2, 4), np.float32),
            np.zeros(3, np.float32),
            np.zeros(2, np.int32),
            "confidence",
        ),
        (np.zeros((2, 3), np.float32), np.zeros(2, np.float32), np.zeros(2, np.int32), "xyxy_px"),
        (np.zeros((2, 4), np.float32), np.zeros(2, np.float32), np.zeros(1, np.int32), "class_id"),
    ],
)
def test_shape_errors_name_the_field(
    xyxy: np.ndarray, conf: np.ndarray, cls: np.ndarray, message: str
) -> None:
    with pytest.raises(ShapeError, match=message):
        Detections(xyxy_px=xyxy, confidence=conf, class_id=cls)


def test_anchor_and_area() -> None:
    dets = _dets()
    np.testing.assert_allclose(dets.anchor_px()[0], [5.0, 20.0])
    np.testing.assert_allclose(dets.anchor_px("center")[0], [5.0, 10.0])
    np.testing.assert_allclose(dets.area_px, [200.0, 200.0, 4.0])
    with pytest.raises(ValueError, match="unknown anchor"):
        dets.anchor_px("top")


def test_empty_and_concatenate() -> None:
    empty = Detections.empty()
    assert len(empty) == 0
    both = Detections.concatenate([_dets(), empty, _dets()])
    assert len(both) == 6
    assert both.labels == ("person", "bicycle", "car")
