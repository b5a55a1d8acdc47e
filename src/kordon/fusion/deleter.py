"""``CoastingDeleter``: tracks without updates for too long, or too uncertain, are deleted."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


class CoastingDeleter:
    """Delete tentative tracks after ``tentative_max_coast_s`` without an update, confirmed
    ones after ``confirmed_max_coast_s``, and any whose position standard deviation along
    its larger axis exceeds ``max_position_sigma_m``."""

    def __init__(
        self,
        *,
        tentative_max_coast_s: float,
        confirmed_max_coast_s: float,
        max_position_sigma_m: float,
    ) -> None:
        self.tentative_max_coast_s = tentative_max_coast_s
        self.confirmed_max_coast_s = confirmed_max_coast_s
        self.max_var = max_position_sigma_m**2

    def delete(
        self,
        time_s: float,
        last_update_s: F64,
        confirmed: npt.NDArray[np.bool_],
        position_cov: F64,
    ) -> npt.NDArray[np.bool_]:
        coast = time_s - last_update_s
        limit = np.where(confirmed, self.confirmed_max_coast_s, self.tentative_max_coast_s)
        a, b, d = position_cov[:, 0, 0], position_cov[:, 0, 1], position_cov[:, 1, 1]
        stale = coast > limit
        # Gershgorin: the larger eigenvalue is at most max(a, d) + |b|. Most of the time no
        # track is near the limit and the eigenvalues are not needed. NaN fails ``<=``.
        if bool((np.maximum(a, d) + np.abs(b) <= self.max_var).all()):
            return np.asarray(stale)
        largest = 0.5 * (a + d) + np.sqrt(0.25 * (a - d) ** 2 + b * b)
        healthy = np.isfinite(largest)
        return np.asarray(stale | ~healthy | (largest > self.max_var))
