"""``GlobalNearestNeighbour``: the one-to-one track–observation assignment of least cost."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


class GlobalNearestNeighbour:
    """Solve the assignment over gated pairs only (``inf`` cost = outside the gate).

    Rows and columns with no gated pair are dropped first; pairs outside the gate get a
    cost above any sum of gated costs, so the solution pairs as many gated pairs as
    possible, then at least total cost, and those placeholders are discarded.
    """

    def associate(self, cost: F64) -> tuple[I64, I64]:
        """(track rows, observation columns) of the assigned pairs."""
        gated = np.isfinite(cost)
        rows = np.flatnonzero(gated.any(axis=1))
        cols = np.flatnonzero(gated.any(axis=0))
        if rows.size == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        sub = cost[np.ix_(rows, cols)]
        sub_gated = gated[np.ix_(rows, cols)]
        finite = sub[sub_gated]
        low = float(finite.min())
        span = float(finite.max()) - low + 1.0
        big = span * (min(sub.shape) + 1)
        work = np.where(sub_gated, sub - low, big)
        r, c = linear_sum_assignment(work)
        ok = sub_gated[r, c]
        return rows[r[ok]].astype(np.int64), cols[c[ok]].astype(np.int64)
