"""The image ↔ ground interface shared by every camera model, and planar-homography math.

A camera over flat ground maps image pixels to ground metres by a homography, whichever
way it was found (ground control points or a known pose), so the Jacobian and the
covariance propagation live here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kordon.domain.errors import KordonError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

ABOVE_HORIZON = "above horizon"
BEYOND_MAX_RANGE = "beyond max range"


class CameraModelError(KordonError, ValueError):
    """A camera model was given input it cannot use."""


@dataclass(frozen=True)
class GroundProjection:
    """N image points projected onto the ground.

    ``xy_m`` (N, 2) east/north metres (NaN where invalid), ``covariance_m2`` (N, 2, 2),
    ``valid`` (N,), ``reason`` (N,) why a point is invalid (``""`` when valid).
    """

    xy_m: FloatArray
    covariance_m2: FloatArray
    valid: BoolArray
    reason: npt.NDArray[np.str_]


class ImageToGround(Protocol):
    """What georeferencing needs from a camera model."""

    @property
    def camera_id(self) -> str: ...

    @property
    def image_size_wh(self) -> tuple[int, int]: ...

    def pixel_to_ground(self, uv: npt.ArrayLike) -> GroundProjection:
        """(N, 2) pixels → ground points with covariance; rays above the horizon invalid."""
        ...

    def ground_to_pixel(self, xy_m: npt.ArrayLike) -> tuple[FloatArray, BoolArray]:
        """(N, 2) ground metres → (N, 2) pixels and whether each is in front of the camera.

        Points in front may still fall outside the image; check against ``image_size_wh``.
        """
        ...


def as_points(values: npt.ArrayLike, what: str, owner: str) -> FloatArray:
    """(N, 2) float array or a ``CameraModelError`` naming the camera."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1 and arr.shape[0] == 2:
        arr = arr.reshape(1, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise CameraModelError(f"camera {owner!r}: {what} must have shape (N, 2), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise CameraModelError(f"camera {owner!r}: {what} contains NaN or infinite values")
    return arr


def apply_homography(h: FloatArray, pts: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Map (N, 2) points by a 3×3 homography; also returns the denominators w (N,)."""
    x = pts[:, 0]
    y = pts[:, 1]
    w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        ox = (h[0, 0] * x + h[0, 1] * y + h[0, 2]) / w
        oy = (h[1, 0] * x + h[1, 1] * y + h[1, 2]) / w
    return np.stack([ox, oy], axis=1), w


def homography_jacobian(h: FloatArray, pts: FloatArray) -> FloatArray:
    """(N, 2, 2) Jacobian d(out)/d(in) of the homography at (N, 2) input points."""
    out, w = apply_homography(h, pts)
    jac = np.empty((pts.shape[0], 2, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        for r in range(2):
            for c in range(2):
                jac[:, r, c] = (h[r, c] - out[:, r] * h[2, c]) / w
    return jac


def propagate_covariance(
    jac: FloatArray, pixel_sigma_px: float, range_m: FloatArray, range_sigma_fraction: float
) -> FloatArray:
    """Ground covariance: pixel noise through the Jacobian plus isotropic range-growing noise."""
    cov: FloatArray = (pixel_sigma_px**2) * np.einsum("nij,nkj->nik", jac, jac)
    extra = (range_sigma_fraction * range_m) ** 2
    cov[:, 0, 0] += extra
    cov[:, 1, 1] += extra
    return cov


def ground_projection(  # noqa: PLR0917 (the pieces every image→ground model computes)
    xy: FloatArray,
    range_m: FloatArray,
    above: npt.NDArray[np.bool_],
    max_range_m: float,
    jacobian: FloatArray,
    pixel_sigma_px: float,
    range_sigma_fraction: float,
) -> GroundProjection:
    """Assemble a projection: validity and reason per point, covariance, NaN where invalid."""
    far = ~above & (range_m > max_range_m)
    valid = ~(above | far)
    reason = np.where(above, ABOVE_HORIZON, np.where(far, BEYOND_MAX_RANGE, ""))
    cov = propagate_covariance(jacobian, pixel_sigma_px, range_m, range_sigma_fraction)
    xy[~valid] = np.nan
    cov[~valid] = np.nan
    return GroundProjection(xy, cov, valid, reason)


def normalise_sign(h: FloatArray, inside_uv: FloatArray) -> FloatArray:
    """Scale a homography so its denominator is positive at a point known to be valid."""
    _, w = apply_homography(h, inside_uv.reshape(1, 2))
    if w[0] == 0:
        return h
    out: FloatArray = h / w[0]
    return out
