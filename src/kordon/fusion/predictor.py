"""``ConstantVelocityPredictor``: Kalman prediction of (east, north, v_east, v_north)."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


class Predictor(Protocol):
    def predict(self, mean: F64, cov: F64, dt_s: F64) -> tuple[F64, F64]:
        """States (T, 4) and covariances (T, 4, 4) moved forward by ``dt_s`` (T,)."""
        ...


def _linear_maps() -> F64:
    """(51, 16) matrix K with vec(F P Fᵀ + Q) = [vec P, dt·vec P, dt²·vec P, q·dt³/3,
    q·dt²/2, q·dt] @ K, for F = I + dt·D (D moves velocity into position)."""
    d = np.zeros((4, 4))
    d[0, 2] = d[1, 3] = 1.0
    k = np.zeros((51, 16))
    for index in range(16):
        e = np.zeros(16)
        e[index] = 1.0
        p = e.reshape(4, 4)
        k[index] = p.reshape(16)
        k[16 + index] = (d @ p + p @ d.T).reshape(16)
        k[32 + index] = (d @ p @ d.T).reshape(16)
    for row, (a, b) in ((48, (0, 0)), (49, (0, 2)), (50, (2, 2))):
        pattern = np.zeros((4, 4))
        for i in (0, 1):
            pattern[a + i, b + i] = pattern[b + i, a + i] = 1.0
        k[row] = pattern.reshape(16)
    return k


class ConstantVelocityPredictor:
    """Nearly-constant velocity in metres, continuous white-noise acceleration.

    State order is (east, north, v_east, v_north). ``F P Fᵀ + Q`` is a polynomial in
    ``dt`` that is linear in P, so it is one matrix product over all tracks at once (see
    ``_linear_maps``). The discretised noise is exact for any ``dt``, so predicting in
    one step or several gives the same result. A negative ``dt`` retrodicts: the state at
    an earlier time, for a report that arrives after its track has moved on.
    """

    def __init__(self, acceleration_noise_mps2: float) -> None:
        if not (np.isfinite(acceleration_noise_mps2) and acceleration_noise_mps2 > 0):
            raise ValueError(f"acceleration_noise_mps2 must be > 0, got {acceleration_noise_mps2}")
        self._q = acceleration_noise_mps2**2
        self._maps = _linear_maps()

    def transition(self, dt_s: float) -> F64:
        """The 4×4 transition matrix (for reference and tests)."""
        f = np.eye(4)
        f[0, 2] = f[1, 3] = dt_s
        return f

    def noise(self, dt_s: float) -> F64:
        """The 4×4 process noise for a step of ``dt_s`` (backwards for a negative one:
        the same variances, the position-velocity covariance of the opposite sign)."""
        q, dt = self._q * abs(dt_s), dt_s
        n = np.zeros((4, 4))
        for i in (0, 1):
            n[i, i] = q * dt**2 / 3.0
            n[i, i + 2] = n[i + 2, i] = q * dt / 2.0
            n[i + 2, i + 2] = q
        return n

    def predict(self, mean: F64, cov: F64, dt_s: F64) -> tuple[F64, F64]:
        dt = np.asarray(dt_s, np.float64).reshape(-1)
        n = dt.shape[0]
        out_mean = mean.copy()
        out_mean[:, :2] += mean[:, 2:] * dt[:, None]
        # The feature rows of ``_linear_maps``, written in place (no stacking).
        features = np.empty((n, 51))
        flat = cov.reshape(n, 16)
        dt_col = dt[:, None]
        features[:, :16] = flat
        np.multiply(flat, dt_col, out=features[:, 16:32])
        np.multiply(features[:, 16:32], dt_col, out=features[:, 32:48])
        # |dt|: a negative dt retrodicts (a report older than the track), and the noise
        # of the interval between them is added whichever way it is crossed.
        q_dt = self._q * np.abs(dt)
        features[:, 50] = q_dt
        features[:, 49] = 0.5 * q_dt * dt
        features[:, 48] = (2.0 / 3.0) * features[:, 49] * dt
        return out_mean, (features @ self._maps).reshape(n, 4, 4)

    def predict_position(self, mean: F64, cov: F64, dt_s: F64) -> tuple[F64, F64]:
        """Like :meth:`predict`, but only the position block (T, 2, 2) of the covariance
        (what a snapshot of the tracks needs), which is cheaper to compute."""
        dt = np.asarray(dt_s, np.float64).reshape(-1)
        out_mean = mean.copy()
        out_mean[:, :2] += mean[:, 2:] * dt[:, None]
        d3 = dt[:, None, None]
        cross = cov[:, :2, 2:]
        pos_cov = (
            cov[:, :2, :2] + d3 * (cross + np.swapaxes(cross, 1, 2)) + (d3 * d3) * cov[:, 2:, 2:]
        )
        extra = self._q * np.abs(dt) * dt * dt / 3.0
        pos_cov[:, 0, 0] += extra
        pos_cov[:, 1, 1] += extra
        return out_mean, pos_cov
