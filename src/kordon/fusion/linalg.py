"""Closed-form 2×2 helpers, vectorised over leading axes (faster than ``np.linalg``)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


def det2(m: F64) -> F64:
    """Determinant of each 2×2 matrix in ``m`` (…, 2, 2)."""
    return np.asarray(m[..., 0, 0] * m[..., 1, 1] - m[..., 0, 1] * m[..., 1, 0])


def inv2(m: F64) -> F64:
    """Inverse of each 2×2 matrix in ``m`` (…, 2, 2); assumes none is singular."""
    det = det2(m)
    out = np.empty_like(m)
    out[..., 0, 0] = m[..., 1, 1] / det
    out[..., 1, 1] = m[..., 0, 0] / det
    out[..., 0, 1] = -m[..., 0, 1] / det
    out[..., 1, 0] = -m[..., 1, 0] / det
    return out


def mahalanobis2(residual: F64, cov: F64) -> F64:
    """Squared Mahalanobis length of each residual (…, 2) under each covariance (…, 2, 2)."""
    a, b, c, d = cov[..., 0, 0], cov[..., 0, 1], cov[..., 1, 0], cov[..., 1, 1]
    r0, r1 = residual[..., 0], residual[..., 1]
    det = a * d - b * c
    return np.asarray((d * r0 * r0 - (b + c) * r0 * r1 + a * r1 * r1) / det)


def symmetrise(m: F64) -> F64:
    return np.asarray(0.5 * (m + np.swapaxes(m, -1, -2)))
