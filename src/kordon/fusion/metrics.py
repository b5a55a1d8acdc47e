"""Multi-object distances between estimated and true positions: GOSPA and OSPA.

GOSPA (Rahmathullah, García-Fernández, Svensson, 2017) with α = 2, which splits into
localisation error of the assigned pairs, and missed and false objects each costing
``c^p / 2``; OSPA (Schuhmacher, Vo, Vo, 2008) the per-object mean of the same ingredients
with a full ``c^p`` per cardinality error. Both use the optimal assignment of distances
cut off at ``c``. The identity metrics (track purity, site track id continuity across
handover) live in :mod:`kordon.fusion.identity` and are re-exported here, so every
tracking metric is found in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from kordon.fusion.identity import IdentityScores, identity_scores

__all__ = ["Gospa", "IdentityScores", "gospa", "identity_scores", "ospa"]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Gospa:
    """``distance`` (m) and its p-th-power parts: ``localisation`` (Σ dᵖ over assigned
    pairs), ``missed`` and ``false`` (``c^p / 2`` each per object); counts alongside."""

    distance: float
    localisation: float
    missed: float
    false: float
    n_assigned: int
    n_missed: int
    n_false: int


def _cut_distances(truth: F64, estimates: F64, cutoff_m: float, order: float) -> F64:
    d = np.hypot(*(truth[:, None, :] - estimates[None, :, :]).transpose(2, 0, 1))
    return np.asarray(np.minimum(d, cutoff_m) ** order)


def _check(truth: F64, estimates: F64, cutoff_m: float, order: float) -> None:
    for name, arr in (("truth", truth), ("estimates", estimates)):
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError(f"{name}: expected shape (n, 2), got {arr.shape}")
    if not cutoff_m > 0:
        raise ValueError(f"cutoff_m must be > 0, got {cutoff_m}")
    if not order >= 1:
        raise ValueError(f"order must be >= 1, got {order}")


def gospa(truth: F64, estimates: F64, *, cutoff_m: float, order: float = 2.0) -> Gospa:
    """GOSPA (α = 2) between true positions (m, 2) and estimated positions (n, 2)."""
    _check(truth, estimates, cutoff_m, order)
    cp = cutoff_m**order
    m, n = truth.shape[0], estimates.shape[0]
    local = 0.0
    assigned = 0
    if m and n:
        cost = _cut_distances(truth, estimates, cutoff_m, order)
        r, c = linear_sum_assignment(cost)
        # A pair at the cut-off costs as much as leaving both unassigned (c^p/2 twice).
        real = cost[r, c] < cp
        local = float(cost[r, c][real].sum())
        assigned = int(real.sum())
    n_missed, n_false = m - assigned, n - assigned
    missed, false = cp / 2.0 * n_missed, cp / 2.0 * n_false
    total = local + missed + false
    return Gospa(
        distance=float(total ** (1.0 / order)),
        localisation=local,
        missed=missed,
        false=false,
        n_assigned=assigned,
        n_missed=n_missed,
        n_false=n_false,
    )


def ospa(truth: F64, estimates: F64, *, cutoff_m: float, order: float = 1.0) -> float:
    """OSPA between true positions (m, 2) and estimated positions (n, 2); 0 when both are
    empty, the cut-off when exactly one is."""
    _check(truth, estimates, cutoff_m, order)
    m, n = truth.shape[0], estimates.shape[0]
    if m == 0 and n == 0:
        return 0.0
    if m == 0 or n == 0:
        return float(cutoff_m)
    cost = _cut_distances(truth, estimates, cutoff_m, order)
    r, c = linear_sum_assignment(cost)
    total = float(cost[r, c].sum()) + cutoff_m**order * abs(m - n)
    return float((total / max(m, n)) ** (1.0 / order))
