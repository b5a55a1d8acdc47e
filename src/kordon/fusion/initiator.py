"""``MOfNInitiator``: tentative tracks from unassociated observations, confirmed after M of N."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
U16 = npt.NDArray[np.uint16]

# Number of set bits of every 16-bit value (a hit history is at most 16 scans long).
_POPCOUNT16 = np.array([bin(i).count("1") for i in range(1 << 16)], np.uint8)


class MOfNInitiator:
    """New tracks start at the observed position, at rest, with a wide velocity prior.

    A tentative track keeps a bit history of its last N opportunities (scans of sensors
    that have supported it): 1 for a hit, 0 for a miss; M hits among them confirm it.
    """

    def __init__(self, hits: int, window: int, initial_speed_sigma_mps: float) -> None:
        if not 1 <= hits <= window <= 16:
            raise ValueError(f"need 1 <= hits <= window <= 16, got {hits} of {window}")
        self.hits = hits
        self.window = window
        self._mask = np.uint16((1 << window) - 1)
        self._speed_var = initial_speed_sigma_mps**2

    def initiate(self, z: F64, noise: F64) -> tuple[F64, F64]:
        """States (K, 4) and covariances (K, 4, 4) of new tracks from positions (K, 2)."""
        k = z.shape[0]
        mean = np.zeros((k, 4))
        mean[:, :2] = z
        cov = np.zeros((k, 4, 4))
        cov[:, :2, :2] = noise
        cov[:, 2, 2] = cov[:, 3, 3] = self._speed_var
        return mean, cov

    def record(self, history: U16, hit: npt.NDArray[np.bool_]) -> U16:
        """Shift one opportunity (hit or miss) into each history."""
        shifted = (history.astype(np.uint32) << 1) | hit.astype(np.uint32)
        return (shifted & np.uint32(self._mask)).astype(np.uint16)

    def confirmed(self, history: U16) -> npt.NDArray[np.bool_]:
        return np.asarray(_POPCOUNT16[history & self._mask] >= self.hits)
