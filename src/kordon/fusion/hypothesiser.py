"""``MahalanobisHypothesiser``: every track–observation pair scored and gated at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kordon.fusion.linalg import det2, mahalanobis2
from kordon.fusion.measurement import MeasurementModel
from kordon.fusion.updater import KalmanUpdater

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Hypotheses:
    """``distance2`` (T, N) squared Mahalanobis distances; ``cost`` (T, N) the negative
    log-likelihood up to a constant (``d² + ln det S``), ``inf`` outside the gate."""

    distance2: F64
    cost: F64

    @property
    def gated(self) -> npt.NDArray[np.bool_]:
        return np.asarray(np.isfinite(self.cost))


class MahalanobisHypothesiser:
    """Score predicted tracks (T) against one scan's measurements (N) of one sensor."""

    def __init__(self, gate_mahalanobis2: float, updater: KalmanUpdater) -> None:
        if not gate_mahalanobis2 > 0:
            raise ValueError(f"gate_mahalanobis2 must be > 0, got {gate_mahalanobis2}")
        self.gate = gate_mahalanobis2
        self._updater = updater

    def hypothesise(
        self, mean: F64, cov: F64, z: F64, noise: F64, model: MeasurementModel
    ) -> Hypotheses:
        z_pred, hph, _ = self._updater.predict_measurement(mean, cov, model)
        s = hph[:, None, :, :] + noise[None, :, :, :]
        residual = model.residual(z[None, :, :], z_pred[:, None, :])
        d2 = mahalanobis2(residual, s)
        cost = np.where(d2 <= self.gate, d2 + np.log(det2(s)), np.inf)
        return Hypotheses(distance2=d2, cost=cost)
