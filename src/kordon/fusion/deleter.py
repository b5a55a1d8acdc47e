"""``CoastingDeleter``: tracks without updates for too long, or too uncertain, are deleted."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


class CoastingDeleter:
    """Delete tentative tracks after ``tentative_max_coast_s`` without an update, confirmed
    ones after ``confirmed_max_coast_s``, and any whose position standard deviation along
    its larger axis exceeds ``max_position_sigma_m``.

    A track supported by a scanning sensor cannot be updated more often than that sensor
    looks again: its limits are at least ``tentative_coast_revisits`` (tentative) or
    ``confirmed_coast_revisits`` (confirmed) times its revisit interval (``revisit_s`` of
    :meth:`delete`, the longest of its supporting sensors'; 0 for none).
    """

    def __init__(
        self,
        *,
        tentative_max_coast_s: float,
        confirmed_max_coast_s: float,
        max_position_sigma_m: float,
        tentative_coast_revisits: float = 2.5,
        confirmed_coast_revisits: float = 3.5,
    ) -> None:
        for name, value in (
            ("tentative_coast_revisits", tentative_coast_revisits),
            ("confirmed_coast_revisits", confirmed_coast_revisits),
        ):
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be > 0, got {value}")
        self.tentative_max_coast_s = tentative_max_coast_s
        self.confirmed_max_coast_s = confirmed_max_coast_s
        self.tentative_coast_revisits = tentative_coast_revisits
        self.confirmed_coast_revisits = confirmed_coast_revisits
        self.max_var = max_position_sigma_m**2

    def coast_limit_s(self, confirmed: npt.NDArray[np.bool_], revisit_s: F64 | None) -> F64:
        """Each track's longest coast (s) given its state and revisit interval."""
        limit = np.where(confirmed, self.confirmed_max_coast_s, self.tentative_max_coast_s)
        if revisit_s is None:
            return limit
        revisits = np.where(confirmed, self.confirmed_coast_revisits, self.tentative_coast_revisits)
        return np.maximum(limit, revisits * revisit_s)

    def delete(
        self,
        time_s: float,
        last_update_s: F64,
        confirmed: npt.NDArray[np.bool_],
        position_cov: F64,
        revisit_s: F64 | None = None,
    ) -> npt.NDArray[np.bool_]:
        """Rows to delete at ``time_s``; ``revisit_s`` (per row, s) as in the class text,
        ``None`` when no track has a scanning sensor behind it."""
        coast = time_s - last_update_s
        stale = coast > self.coast_limit_s(confirmed, revisit_s)
        a, b, d = position_cov[:, 0, 0], position_cov[:, 0, 1], position_cov[:, 1, 1]
        # Gershgorin: the larger eigenvalue is at most max(a, d) + |b|. Most of the time no
        # track is near the limit and the eigenvalues are not needed. NaN fails ``<=``.
        if bool((np.maximum(a, d) + np.abs(b) <= self.max_var).all()):
            return np.asarray(stale)
        largest = 0.5 * (a + d) + np.sqrt(0.25 * (a - d) ** 2 + b * b)
        healthy = np.isfinite(largest)
        return np.asarray(stale | ~healthy | (largest > self.max_var))
