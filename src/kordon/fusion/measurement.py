"""Measurement models: how a sensor's 2-D measurement relates to a track's state.

Every model maps states (T, 4) of (east, north, v_east, v_north) to predicted
measurements (T, 2), gives the Jacobian (T, 2, 4) used by the (extended) Kalman update, and
the residual between measurements (angles wrap). Cameras and area sensors report a
position (an area sensor with a wide covariance); a radar reports range and bearing.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


class MeasurementModel(Protocol):
    def measure(self, mean: F64) -> F64:
        """Predicted measurement of each state: (T, 4) → (T, 2)."""
        ...

    def jacobian(self, mean: F64) -> F64:
        """∂measurement/∂state at each state: (T, 4) → (T, 2, 4)."""
        ...

    def residual(self, z: F64, z_pred: F64) -> F64:
        """``z − z_pred`` (broadcasting over leading axes), wrapped where angular."""
        ...


class PositionModel:
    """The sensor measures (east, north) directly: linear, H = [I 0]."""

    _H = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])

    def measure(self, mean: F64) -> F64:
        return np.ascontiguousarray(mean[:, :2])

    def jacobian(self, mean: F64) -> F64:
        return np.broadcast_to(self._H, (mean.shape[0], 2, 4))

    def residual(self, z: F64, z_pred: F64) -> F64:
        return np.asarray(z - z_pred)


class RangeBearingModel:
    """A sensor at (``east_m``, ``north_m``) measures (range m, bearing rad clockwise
    from north). Non-linear: the updater linearises it at the predicted state (EKF)."""

    def __init__(self, east_m: float, north_m: float) -> None:
        self.origin = np.array([east_m, north_m], np.float64)

    def measure(self, mean: F64) -> F64:
        d = mean[:, :2] - self.origin
        return np.stack([np.hypot(d[:, 0], d[:, 1]), np.arctan2(d[:, 0], d[:, 1])], axis=1)

    def jacobian(self, mean: F64) -> F64:
        d = mean[:, :2] - self.origin
        r2 = np.maximum(d[:, 0] ** 2 + d[:, 1] ** 2, 1e-12)
        r = np.sqrt(r2)
        jac = np.zeros((mean.shape[0], 2, 4))
        jac[:, 0, 0] = d[:, 0] / r
        jac[:, 0, 1] = d[:, 1] / r
        jac[:, 1, 0] = d[:, 1] / r2
        jac[:, 1, 1] = -d[:, 0] / r2
        return jac

    def residual(self, z: F64, z_pred: F64) -> F64:
        out = np.array(z - z_pred, dtype=np.float64)
        out[..., 1] = (out[..., 1] + math.pi) % (2 * math.pi) - math.pi
        return out
