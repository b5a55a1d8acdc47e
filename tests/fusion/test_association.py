"""Gating and global assignment."""

from __future__ import annotations

import numpy as np
import pytest

from kordon.fusion.associator import GlobalNearestNeighbour
from kordon.fusion.hypothesiser import MahalanobisHypothesiser
from kordon.fusion.measurement import PositionModel
from kordon.fusion.updater import KalmanUpdater

INF = np.inf


@pytest.mark.parametrize(
    ("cost", "pairs"),
    [
        # Greedy would take (0,0)=1 and then (1,1)=10; the global optimum is 2 + 2.
        ([[1.0, 2.0], [2.0, 10.0]], {(0, 1), (1, 0)}),
        # Outside the gate is never paired, even when it is the only option left.
        ([[1.0, INF], [INF, INF]], {(0, 0)}),
        # As many gated pairs as possible before least cost.
        ([[0.0, 5.0], [1.0, INF]], {(0, 1), (1, 0)}),
        # Negative costs (log-likelihoods) are fine.
        ([[-3.0, -1.0], [-2.0, INF]], {(0, 1), (1, 0)}),
        ([[INF, INF]], set()),
        (np.zeros((0, 3)), set()),
    ],
)
def test_global_nearest_neighbour(cost: list[list[float]], pairs: set[tuple[int, int]]) -> None:
    rows, cols = GlobalNearestNeighbour().associate(
        np.asarray(cost, np.float64).reshape(-1, 3 if len(cost) == 0 else len(cost[0]))
    )
    assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == pairs


def test_hypothesiser_matches_brute_force_mahalanobis() -> None:
    rng = np.random.default_rng(4)
    mean = np.c_[rng.uniform(0, 20, (7, 2)), rng.normal(size=(7, 2))]
    a = rng.normal(size=(7, 4, 4))
    cov = a @ a.transpose(0, 2, 1) + 0.1 * np.eye(4)
    z = rng.uniform(0, 20, (5, 2))
    b = rng.normal(size=(5, 2, 2))
    noise = b @ b.transpose(0, 2, 1) + 0.05 * np.eye(2)
    hyp = MahalanobisHypothesiser(9.21, KalmanUpdater()).hypothesise(
        mean, cov, z, noise, PositionModel()
    )
    for i in range(7):
        for j in range(5):
            s = cov[i, :2, :2] + noise[j]
            r = z[j] - mean[i, :2]
            d2 = float(r @ np.linalg.inv(s) @ r)
            assert hyp.distance2[i, j] == pytest.approx(d2)
            if d2 <= 9.21:
                assert hyp.cost[i, j] == pytest.approx(d2 + np.log(np.linalg.det(s)))
            else:
                assert hyp.cost[i, j] == np.inf
    assert hyp.gated.sum() == np.isfinite(hyp.cost).sum()
