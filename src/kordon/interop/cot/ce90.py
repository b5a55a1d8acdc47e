"""``ce90_m``: the CoT circular error of a position from its 2×2 error covariance.

TAK clients (ATAK, WinTAK, iTAK) read ``ce`` as CE90: the radius of the circle around the
reported point that holds the true position with 90 % probability. For a circular
1-sigma ``s`` that is ``s * sqrt(-2 ln 0.1)`` = 2.1460 s; for an elongated ellipse it
lies between 1.6449 (the 1-D 90 % point) and 2.1460 times the major 1-sigma. It is
computed exactly for any covariance: the probability inside radius ``r`` of a zero-mean
Gaussian with principal sigmas ``a >= b`` is the angular average of
``(1 - exp(-r² q(θ) / 2)) / (a b q(θ))`` with ``q(θ) = cos²θ/a² + sin²θ/b²`` (a smooth
periodic integrand, so the trapezoid rule converges fast), solved for 0.9 by bisection.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt

from kordon.interop.cot.event import UNKNOWN_ERROR_M

F64 = npt.NDArray[np.float64]

CE90_CIRCULAR = math.sqrt(-2.0 * math.log(0.1))
"""CE90 of a circular Gaussian, in units of its 1-sigma (2.1460)."""
ONE_D_90 = 1.6448536269514722
"""90 % two-sided point of a 1-D Gaussian, in sigmas (the limit of a flat ellipse)."""
_ANGLES = np.linspace(0.0, np.pi / 2.0, 33)
_WEIGHTS = np.full(33, 1.0 / 32.0)
_WEIGHTS[[0, -1]] = 0.5 / 32.0
_TABLE_SIZE = 1025


def _inside(r: F64, a: F64, b: F64) -> F64:
    """P(|x| <= r) for principal sigmas ``a``, ``b`` (arrays of one shape)."""
    cos2 = np.cos(_ANGLES) ** 2
    sin2 = 1.0 - cos2
    q = cos2[None, :] / (a[:, None] ** 2) + sin2[None, :] / (b[:, None] ** 2)
    f = -np.expm1(-0.5 * (r[:, None] ** 2) * q) / (a[:, None] * b[:, None] * q)
    return np.asarray(f @ _WEIGHTS, dtype=np.float64)


def _solve(a: F64, b: F64) -> F64:
    """CE90 by bisection for principal sigmas ``a >= b > 0`` (arrays of one shape)."""
    low, high = ONE_D_90 * a, CE90_CIRCULAR * a
    for _ in range(44):
        mid = 0.5 * (low + high)
        below = _inside(mid, a, b) < 0.9
        low = np.where(below, mid, low)
        high = np.where(below, high, mid)
    return np.asarray(0.5 * (low + high), dtype=np.float64)


@functools.cache
def _table() -> tuple[F64, F64]:
    """CE90 / major sigma against minor / major sigma, on a fine grid (computed once)."""
    ratios = np.linspace(0.0, 1.0, _TABLE_SIZE) ** 2  # denser near a flat ellipse
    values = np.empty(_TABLE_SIZE)
    values[0] = ONE_D_90
    values[1:] = _solve(np.ones(_TABLE_SIZE - 1), ratios[1:])
    return ratios, values


def ce90_m(cov_m2: npt.ArrayLike) -> F64:
    """CE90 (m) of each (…, 2, 2) covariance; unknown (9,999,999) when not finite or huge.

    Interpolated in a table of the exact solution by the ratio of the principal sigmas
    (relative error below 1e-4, far below what a covariance is known to).
    """
    cov = np.asarray(cov_m2, dtype=np.float64).reshape(-1, 2, 2)
    out = np.full(cov.shape[0], UNKNOWN_ERROR_M)
    finite = np.all(np.isfinite(cov), axis=(1, 2))
    if not finite.any():
        return out
    sym = 0.5 * (cov[finite] + np.swapaxes(cov[finite], 1, 2))
    values = np.clip(np.linalg.eigvalsh(sym), 0.0, None)
    a = np.sqrt(values[:, 1])
    b = np.sqrt(values[:, 0])
    ratios, table = _table()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(a > 0.0, b / a, 1.0)
    result = a * np.interp(ratio, ratios, table)
    out[finite] = np.where(result >= UNKNOWN_ERROR_M, UNKNOWN_ERROR_M, result)
    return out


def ce90_exact_m(sigma_major_m: float, sigma_minor_m: float) -> float:
    """CE90 by bisection without the table (for tests and reference)."""
    a, b = max(sigma_major_m, sigma_minor_m), min(sigma_major_m, sigma_minor_m)
    if a <= 0.0:
        return 0.0
    if b <= 0.0:
        return ONE_D_90 * a
    return float(_solve(np.array([a]), np.array([b]))[0])
