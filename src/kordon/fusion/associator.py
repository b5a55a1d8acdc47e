"""``GlobalNearestNeighbour``: the one-to-one track–observation assignment of least cost."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_NONE = np.zeros(0, np.int64)


def _solve(cost: F64, gated: BoolArray) -> tuple[I64, I64]:
    """Least-cost assignment of the most gated pairs of ``cost`` (``gated``: finite)."""
    rows = np.flatnonzero(gated.any(axis=1))
    if rows.size == 0:
        return _NONE, _NONE
    cols = np.flatnonzero(gated.any(axis=0))
    if rows.size == 1 or cols.size == 1:
        # One track or one observation in play: its cheapest gated pair.
        flat = int(np.argmin(cost[rows[:, None], cols]))
        at_r, at_c = divmod(flat, cols.size)
        return rows[at_r : at_r + 1].astype(np.int64), cols[at_c : at_c + 1].astype(np.int64)
    sub_gated = gated[rows[:, None], cols]
    if int(sub_gated.sum()) == rows.size == cols.size:
        # No conflicts (each track in play gates exactly one observation and the other
        # way round): every gated pair is the assignment.
        r, c = np.nonzero(sub_gated)
        return rows[r].astype(np.int64), cols[c].astype(np.int64)
    sub = cost[rows[:, None], cols]
    finite = sub[sub_gated]
    low = float(finite.min())
    span = float(finite.max()) - low + 1.0
    big = span * (min(sub.shape) + 1)
    work = np.where(sub_gated, sub - low, big)
    r, c = linear_sum_assignment(work)
    ok = sub_gated[r, c]
    return rows[r[ok]].astype(np.int64), cols[c[ok]].astype(np.int64)


class GlobalNearestNeighbour:
    """Solve the assignment over gated pairs only (``inf`` cost = outside the gate).

    Rows and columns with no gated pair are dropped first; pairs outside the gate get a
    cost above any sum of gated costs, so the solution pairs as many gated pairs as
    possible, then at least total cost, and those placeholders are discarded.
    """

    def associate(self, cost: F64) -> tuple[I64, I64]:
        """(track rows, observation columns) of the assigned pairs."""
        if cost.size == 0:
            return _NONE, _NONE
        return _solve(cost, np.isfinite(cost))

    def associate_in_tiers(self, cost: F64, first: BoolArray) -> tuple[I64, I64]:
        """Assign the rows in ``first`` (confirmed tracks) on their own, then the other
        rows (tentative tracks) to the columns left over.

        This is how Stone Soup's multi-target tracker works (its initiator only sees the
        detections its tracks did not take): a tentative track born of one outlying
        measurement cannot take the next measurements from the confirmed track it
        duplicates, so it starves and is deleted instead of being confirmed beside it.
        """
        if cost.size == 0:
            return _NONE, _NONE
        gated = np.isfinite(cost)
        rest = np.flatnonzero(~first)
        if rest.size == 0 or rest.size == first.shape[0]:
            return _solve(cost, gated)
        top = np.flatnonzero(first)
        r1, c1 = _solve(cost[top], gated[top])
        left = gated[rest]
        left[:, c1] = False
        if not left.any():
            return top[r1], c1
        r2, c2 = _solve(cost[rest], left)
        return np.concatenate([top[r1], rest[r2]]), np.concatenate([c1, c2])
