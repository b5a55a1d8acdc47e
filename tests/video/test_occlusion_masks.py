"""``occlusion.height_jumped``: which matched boxes are rebuilt from the edge that stayed."""

from __future__ import annotations

import numpy as np

from kordon.video.tracking.occlusion import height_jumped, restore_height

RATIO = 0.8
TOL = 0.15


def _box(top: float, height: float) -> np.ndarray:
    return np.array([[100.0, top + height / 2.0, 20.0, height]])


def _masks(pred: np.ndarray, meas: np.ndarray, standing: float | None = None) -> tuple[bool, bool]:
    top, bottom = height_jumped(
        pred,
        meas,
        min_height_ratio=RATIO,
        edge_tolerance_h=TOL,
        standing_h=None if standing is None else np.array([standing]),
    )
    return bool(top[0]), bool(bottom[0])


def test_legs_hidden_at_once_keep_the_top() -> None:
    assert _masks(_box(200.0, 60.0), _box(201.0, 36.0)) == (True, False)


def test_a_box_shrunk_with_its_bottom_in_place_is_left_alone() -> None:
    # head hidden: the foot point is right as measured
    assert _masks(_box(200.0, 60.0), _box(224.0, 36.0)) == (False, False)


def test_a_box_grown_downward_keeps_the_top_and_upward_keeps_the_bottom() -> None:
    assert _masks(_box(200.0, 60.0), _box(200.0, 90.0)) == (True, False)
    assert _masks(_box(200.0, 60.0), _box(170.0, 90.0)) == (False, True)


def test_a_box_worn_down_a_little_a_frame_is_occluded_against_the_standing_height() -> None:
    # the prediction followed the shrinking box (44 px): frame to frame nothing jumped,
    # but the person was last seen whole at 60 px with the top where it is now
    pred, meas = _box(200.0, 44.0), _box(200.5, 42.0)
    assert _masks(pred, meas) == (False, False)
    assert _masks(pred, meas, standing=60.0) == (True, False)
    # rebuilt from the top with the standing height, the foot point goes back down
    rebuilt = restore_height(_box(200.0, 60.0), meas)
    assert rebuilt[0, 1] + rebuilt[0, 3] / 2.0 == 260.5


def test_a_worn_box_whose_top_moved_is_someone_else() -> None:
    pred, meas = _box(200.0, 44.0), _box(215.0, 42.0)
    assert _masks(pred, meas, standing=60.0) == (False, False)


def test_masks_are_per_row() -> None:
    pred = np.vstack([_box(200.0, 60.0), _box(300.0, 60.0)])
    meas = np.vstack([_box(201.0, 36.0), _box(300.0, 59.0)])
    top, bottom = height_jumped(pred, meas, min_height_ratio=RATIO, edge_tolerance_h=TOL)
    assert top.tolist() == [True, False]
    assert bottom.tolist() == [False, False]
