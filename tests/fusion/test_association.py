"""Gating and global assignment."""

from __future__ import annotations

import itertools

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


@pytest.mark.parametrize(
    ("cost", "first", "pairs"),
    [
        # The tentative row (1) is cheaper for column 0, but the confirmed row (0) takes it;
        # the tentative row gets what is left.
        ([[5.0, INF], [1.0, 2.0]], [True, False], {(0, 0), (1, 1)}),
        # Nothing left for the tentative row: it stays unassigned.
        ([[5.0], [1.0]], [True, False], {(0, 0)}),
        # A confirmed row outside every gate leaves its column to the tentative one.
        ([[INF, INF], [1.0, INF]], [True, False], {(1, 0)}),
        # All confirmed, or all tentative: one plain assignment.
        ([[1.0, 2.0], [2.0, 10.0]], [True, True], {(0, 1), (1, 0)}),
        ([[1.0, 2.0], [2.0, 10.0]], [False, False], {(0, 1), (1, 0)}),
        # Among the tentative rows, the global optimum over the columns left.
        (
            [[0.0, INF, INF], [INF, 1.0, 2.0], [INF, 2.0, 10.0]],
            [True, False, False],
            {(0, 0), (1, 2), (2, 1)},
        ),
    ],
)
def test_confirmed_tracks_are_assigned_before_tentative_ones(
    cost: list[list[float]], first: list[bool], pairs: set[tuple[int, int]]
) -> None:
    rows, cols = GlobalNearestNeighbour().associate_in_tiers(
        np.asarray(cost, np.float64), np.asarray(first, np.bool_)
    )
    assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == pairs


def test_assignment_matches_brute_force_on_random_gated_costs() -> None:
    rng = np.random.default_rng(7)
    gnn = GlobalNearestNeighbour()
    for _ in range(200):
        t, n = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        cost = rng.uniform(-2.0, 5.0, (t, n))
        cost[rng.random((t, n)) < 0.5] = np.inf
        rows, cols = gnn.associate(cost)
        # Brute force: every one-to-one set of gated pairs; most pairs, then least cost.
        best = (0, 0.0)
        for perm in itertools.permutations(range(max(t, n))):
            chosen = [
                (i, perm[i]) for i in range(t) if perm[i] < n and np.isfinite(cost[i, perm[i]])
            ]
            key = (len(chosen), -sum(cost[i, j] for i, j in chosen))
            best = max(best, key)
        assert len(rows) == best[0]
        assert -float(cost[rows, cols].sum()) == pytest.approx(best[1])
