"""``MOfNInitiator``: tentative tracks from unassociated observations, confirmed after M of N."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
U16 = npt.NDArray[np.uint16]

# Number of set bits of every 16-bit value (a hit history is at most 16 scans long).
_POPCOUNT16 = np.array([bin(i).count("1") for i in range(1 << 16)], np.uint8)
# Number of trailing zero bits of every 16-bit value (16 for zero): the misses recorded
# since the last hit.
_TRAILING_ZEROS16 = np.array(
    [16] + [(i & -i).bit_length() - 1 for i in range(1, 1 << 16)], np.uint8
)


class MOfNInitiator:
    """New tracks start at the observed position, at rest, with a wide velocity prior.

    A tentative track keeps a bit history of its last N opportunities (scans of sensors
    that have supported it): 1 for a hit, 0 for a miss; M hits among them confirm it.
    A scanning sensor (a radar reporting each plot as it sweeps) looks at a given track
    once per revisit interval, not at each of its scans: :meth:`missed_look` says which
    of its scans are a miss for which track.
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

    def missed_look(
        self, history: U16, since_update_s: F64, revisit_s: float
    ) -> npt.NDArray[np.bool_]:
        """Whether a scanning sensor that looks again every ``revisit_s`` has, by now,
        passed over each track without reporting it more often than the misses already
        in its history (``since_update_s``: time since the track's last hit). A look is
        only counted as missed half an interval after it was due (the target moves in
        azimuth, plots come in sweep order)."""
        if not revisit_s > 0:
            raise ValueError(f"revisit_s must be > 0, got {revisit_s}")
        looks = np.floor(since_update_s / revisit_s - 0.5)
        recorded = _TRAILING_ZEROS16[history & self._mask]
        return np.asarray(looks > recorded)

    def confirmed(self, history: U16) -> npt.NDArray[np.bool_]:
        return np.asarray(_POPCOUNT16[history & self._mask] >= self.hits)
