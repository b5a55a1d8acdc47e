"""GOSPA and OSPA against hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kordon.fusion.metrics import gospa, ospa


def pts(*xy: tuple[float, float]) -> np.ndarray:
    return np.asarray(xy, np.float64).reshape(-1, 2)


@pytest.mark.parametrize(
    ("truth", "est", "c", "p", "expected"),
    [
        (pts(), pts(), 10.0, 1.0, 0.0),
        (pts((0, 0)), pts(), 10.0, 1.0, 10.0),
        (pts(), pts((0, 0), (1, 1)), 10.0, 2.0, 10.0),
        (pts((0, 0)), pts((3, 4)), 10.0, 1.0, 5.0),
        # One pair 5 m apart, one extra estimate: (5 + 10) / 2.
        (pts((0, 0)), pts((3, 4), (50, 50)), 10.0, 1.0, 7.5),
        # p = 2: sqrt((3² + 4²... one pair at 5, one at the 10 m cut-off) / 2).
        (pts((0, 0), (100, 0)), pts((3, 4), (100, 20)), 10.0, 2.0, math.sqrt((25 + 100) / 2)),
        # The optimal assignment crosses over: (0,0)->(1,0) and (10,0)->(9,0), 1 m each.
        (pts((0, 0), (10, 0)), pts((9, 0), (1, 0)), 20.0, 1.0, 1.0),
    ],
)
def test_ospa_hand_computed(
    truth: np.ndarray, est: np.ndarray, c: float, p: float, expected: float
) -> None:
    assert ospa(truth, est, cutoff_m=c, order=p) == pytest.approx(expected)


def test_gospa_splits_into_localisation_missed_and_false() -> None:
    # Truth A (0,0) matched 3-4-5 by (3,4); truth B (100,0) has no estimate within c;
    # estimates (3,4) and (40,40) → one localisation, one missed, one false.
    g = gospa(pts((0, 0), (100, 0)), pts((3, 4), (40, 40)), cutoff_m=10.0, order=2.0)
    assert (g.n_assigned, g.n_missed, g.n_false) == (1, 1, 1)
    assert g.localisation == pytest.approx(25.0)
    assert g.missed == pytest.approx(50.0)
    assert g.false == pytest.approx(50.0)
    assert g.distance == pytest.approx(math.sqrt(125.0))


@pytest.mark.parametrize(
    ("truth", "est", "expected"),
    [
        (pts(), pts(), 0.0),
        (pts((0, 0)), pts(), math.sqrt(50.0)),  # c²/2 for one missed object
        (pts((0, 0)), pts((6, 8)), math.sqrt(100.0)),  # 10 m = c: a miss plus a false
        (pts((0, 0)), pts((0, 1)), 1.0),
    ],
)
def test_gospa_hand_computed(truth: np.ndarray, est: np.ndarray, expected: float) -> None:
    assert gospa(truth, est, cutoff_m=10.0, order=2.0).distance == pytest.approx(expected)


def test_metrics_reject_bad_shapes_and_parameters() -> None:
    with pytest.raises(ValueError, match=r"truth: expected shape \(n, 2\)"):
        ospa(np.zeros((3, 3)), pts(), cutoff_m=1.0)
    with pytest.raises(ValueError, match="cutoff_m"):
        gospa(pts(), pts(), cutoff_m=0.0)
    with pytest.raises(ValueError, match="order"):
        gospa(pts(), pts(), cutoff_m=1.0, order=0.5)
