"""``KalmanUpdater``: (extended) Kalman update of tracks with their associated measurements."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kordon.fusion.linalg import inv2, symmetrise
from kordon.fusion.measurement import MeasurementModel

F64 = npt.NDArray[np.float64]


class KalmanUpdater:
    """Update K states with K measurements (one each) of 2-D measurement models.

    Joseph form, ``(I − KH) P (I − KH)ᵀ + K R Kᵀ``, keeps covariances symmetric positive
    definite under round-off. Linear models give the exact Kalman update; non-linear ones
    are linearised at the predicted state (EKF).
    """

    def predict_measurement(
        self, mean: F64, cov: F64, model: MeasurementModel
    ) -> tuple[F64, F64, F64]:
        """Predicted measurement (T, 2), its covariance ``H P Hᵀ`` (T, 2, 2) and H."""
        h = model.jacobian(mean)
        hp = np.matmul(h, cov)
        return model.measure(mean), np.matmul(hp, np.swapaxes(h, 1, 2)), h

    def update(
        self, mean: F64, cov: F64, z: F64, noise: F64, model: MeasurementModel
    ) -> tuple[F64, F64]:
        z_pred, hph, h = self.predict_measurement(mean, cov, model)
        s = hph + noise
        ht = np.swapaxes(h, 1, 2)
        gain = np.matmul(np.matmul(cov, ht), inv2(s))
        residual = model.residual(z, z_pred)
        new_mean = mean + np.matmul(gain, residual[:, :, None])[:, :, 0]
        i_kh = np.eye(mean.shape[1]) - np.matmul(gain, h)
        new_cov = np.matmul(np.matmul(i_kh, cov), np.swapaxes(i_kh, 1, 2)) + np.matmul(
            np.matmul(gain, noise), np.swapaxes(gain, 1, 2)
        )
        return new_mean, symmetrise(new_cov)
