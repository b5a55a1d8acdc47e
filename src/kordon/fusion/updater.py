"""``KalmanUpdater``: (extended) Kalman update of tracks with their associated measurements."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kordon.fusion.linalg import inv2, symmetrise
from kordon.fusion.measurement import MeasurementModel, PositionModel

F64 = npt.NDArray[np.float64]


class KalmanUpdater:
    """Update K states with K measurements (one each) of 2-D measurement models.

    Joseph form, ``(I − KH) P (I − KH)ᵀ + K R Kᵀ``, keeps covariances symmetric positive
    definite under round-off. Linear models give the exact Kalman update; non-linear ones
    are linearised at the predicted state (EKF). A :class:`PositionModel` (H = [I 0])
    takes a shortcut that skips the products with H; the result is the same.
    """

    def predicted_position(self, mean: F64, cov: F64, model: MeasurementModel) -> tuple[F64, F64]:
        """Predicted measurement (T, 2) and its covariance ``H P Hᵀ`` (T, 2, 2)."""
        if isinstance(model, PositionModel):
            return mean[:, :2], cov[:, :2, :2]
        z_pred, hph, _ = self.predict_measurement(mean, cov, model)
        return z_pred, hph

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
        if isinstance(model, PositionModel):
            return self._update_position(mean, cov, z, noise)
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

    def update_late(
        self,
        mean: F64,
        cov: F64,
        *,
        past_mean: F64,
        past_cov: F64,
        dt_s: F64,
        z: F64,
        noise: F64,
        model: MeasurementModel,
    ) -> tuple[F64, F64]:
        """Update K tracks at their own time with reports from ``dt_s`` (< 0) earlier.

        ``past_mean``/``past_cov``: each track retrodicted to its report's time (the
        predictor run backwards). The innovation and its covariance S are those of the
        report against the retrodicted state; the gain is taken from the covariance of the
        *current* state with the report, ``P Fᵀ Hᵀ`` (F the backward transition), so the
        update lands on the current state without predicting it forward again:
        ``x + W ν`` and ``P − W S Wᵀ`` with ``W = P Fᵀ Hᵀ S⁻¹``. This is the standard
        one-lag out-of-sequence update with the process noise's cross-covariance left
        out (its S includes that noise, so the gain is a little smaller than the exact
        one, never larger); unlike retrodict-update-predict it never adds uncertainty.
        """
        dt = np.asarray(dt_s, np.float64).reshape(-1)
        z_pred, hph, h = self.predict_measurement(past_mean, past_cov, model)
        s = hph + noise
        # H F for F = [[I, dt I], [0, I]]: the velocity columns gain dt times the position ones.
        hf = h.copy()
        hf[:, :, 2:] += h[:, :, :2] * dt[:, None, None]
        p_xz = np.matmul(cov, np.swapaxes(hf, 1, 2))
        gain = np.matmul(p_xz, inv2(s))
        residual = model.residual(z, z_pred)
        new_mean = mean + np.matmul(gain, residual[:, :, None])[:, :, 0]
        new_cov = cov - np.matmul(np.matmul(gain, s), np.swapaxes(gain, 1, 2))
        return new_mean, symmetrise(new_cov)

    @staticmethod
    def _update_position(mean: F64, cov: F64, z: F64, noise: F64) -> tuple[F64, F64]:
        """The same Joseph-form update with H = [I 0], multiplied out: ``P Hᵀ`` is
        ``P[:, :, :2]``, ``H P Hᵀ`` is ``P[:, :2, :2]``, and
        ``(I − KH) P (I − KH)ᵀ + K R Kᵀ = P − K H P − (K H P)ᵀ + K S Kᵀ``."""
        s = cov[:, :2, :2] + noise
        gain = np.matmul(cov[:, :, :2], inv2(s))
        residual = z - mean[:, :2]
        new_mean = mean + np.matmul(gain, residual[:, :, None])[:, :, 0]
        khp = np.matmul(gain, cov[:, :2, :])
        new_cov = (
            cov
            - khp
            - np.swapaxes(khp, 1, 2)
            + np.matmul(np.matmul(gain, s), np.swapaxes(gain, 1, 2))
        )
        return new_mean, symmetrise(new_cov)
