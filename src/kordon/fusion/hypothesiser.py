"""``MahalanobisHypothesiser``: every track–observation pair scored and gated at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kordon.fusion.measurement import MeasurementModel, PositionModel
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
        z_pred, hph = self._updater.predicted_position(mean, cov, model)
        # S = H P Hᵀ + R for every pair, written out per element (2×2, symmetric).
        a = hph[:, None, 0, 0] + noise[None, :, 0, 0]
        b = hph[:, None, 0, 1] + noise[None, :, 0, 1]
        c = hph[:, None, 1, 0] + noise[None, :, 1, 0]
        d = hph[:, None, 1, 1] + noise[None, :, 1, 1]
        if isinstance(model, PositionModel):
            r0 = z[None, :, 0] - z_pred[:, None, 0]
            r1 = z[None, :, 1] - z_pred[:, None, 1]
        else:
            residual = model.residual(z[None, :, :], z_pred[:, None, :])
            r0, r1 = residual[..., 0], residual[..., 1]
        det = a * d - b * c
        d2 = (d * r0 * r0 - (b + c) * r0 * r1 + a * r1 * r1) / det
        inside = d2 <= self.gate
        cost = np.full(d2.shape, np.inf)
        cost[inside] = d2[inside] + np.log(det[inside])
        return Hypotheses(distance2=np.asarray(d2), cost=cost)
