"""Camera georeferencing from ground control points (GCPs): an image → ground homography.

``calibrate_from_gcps`` fits the homography with RANSAC (``cv2.findHomography``) from
≥ 4 GCPs (pixel ↔ lon/lat, converted to the site's local metres) and reports the
reprojection error in metres and pixels. ``HomographyCamera`` is the resulting
``ImageToGround`` model.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from kordon.domain.errors import KordonError
from kordon.geo.frame import LocalFrame
from kordon.geo.projection import (
    BoolArray,
    CameraModelError,
    FloatArray,
    GroundProjection,
    apply_homography,
    as_points,
    ground_projection,
    homography_jacobian,
    normalise_sign,
)

logger = logging.getLogger(__name__)


class GcpError(KordonError, ValueError):
    """Ground control points cannot give a usable homography."""


@dataclass(frozen=True)
class GroundControlPoint:
    """One pixel whose ground position is known."""

    u_px: float
    v_px: float
    lon: float
    lat: float


@dataclass(frozen=True)
class CalibrationResult:
    """A fitted image → ground (local metres) homography and how well it fits.

    Errors are per GCP (outliers included); the RMS values are over inliers only.
    """

    camera_id: str
    homography: FloatArray  # 3×3, pixels → east/north metres
    inliers: BoolArray
    per_point_error_m: FloatArray
    per_point_error_px: FloatArray
    rms_error_m: float
    rms_error_px: float


def _check_spread(pts: FloatArray, what: str, camera_id: str, min_extent: float) -> None:
    """Reject duplicated and (nearly) collinear point sets."""
    n = pts.shape[0]
    diff = pts[:, None, :] - pts[None, :, :]
    dist = np.hypot(diff[..., 0], diff[..., 1])
    np.fill_diagonal(dist, np.inf)
    if np.any(dist < min_extent * 1e-3):
        i, j = np.unravel_index(int(np.argmin(dist)), dist.shape)
        raise GcpError(f"camera {camera_id!r}: GCPs {i} and {j} have the same {what}")
    centred = pts - pts.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    if s[1] < 1e-3 * s[0]:
        raise GcpError(
            f"camera {camera_id!r}: GCP {what}s are collinear (a homography needs points "
            "spread over an area, no 3 of 4 on one line)"
        )
    if n == 4:
        for k in range(4):
            tri = np.delete(pts, k, axis=0)
            a = tri[1] - tri[0]
            b = tri[2] - tri[0]
            area = abs(a[0] * b[1] - a[1] * b[0]) / 2.0
            if area < 1e-3 * s[0] ** 2 / n:
                raise GcpError(
                    f"camera {camera_id!r}: with only 4 GCPs, 3 of them have collinear {what}s"
                )


def _check_orientation(h: FloatArray, uv: FloatArray, camera_id: str) -> None:
    """A real camera keeps every GCP in front and mirrors image axes onto the ground."""
    _, w = apply_homography(h, uv)
    if not (np.all(w > 0) or np.all(w < 0)):
        raise GcpError(
            f"camera {camera_id!r}: degenerate homography, the horizon passes through the GCPs"
        )
    det = np.linalg.det(homography_jacobian(h, uv))
    # Image axes (u right, v down) are left-handed seen from above, so det < 0.
    if np.any(det >= 0):
        raise GcpError(
            f"camera {camera_id!r}: the homography maps the GCPs mirrored (flipped "
            "orientation); check lon/lat order and that pixels match their ground points"
        )


def calibrate_from_gcps(
    camera_id: str,
    gcps: Sequence[GroundControlPoint],
    frame: LocalFrame,
    *,
    ransac_threshold_m: float = 1.0,
) -> CalibrationResult:
    """Fit the image → ground homography from GCPs with RANSAC."""
    if len(gcps) < 4:
        raise GcpError(f"camera {camera_id!r}: need at least 4 GCPs, got {len(gcps)}")
    uv = np.array([[g.u_px, g.v_px] for g in gcps], dtype=np.float64)
    lonlat = np.array([[g.lon, g.lat] for g in gcps], dtype=np.float64)
    if not (np.all(np.isfinite(uv)) and np.all(np.isfinite(lonlat))):
        raise GcpError(f"camera {camera_id!r}: GCPs contain NaN or infinite values")
    if np.any(np.abs(lonlat[:, 0]) > 180.0) or np.any(np.abs(lonlat[:, 1]) > 90.0):
        raise GcpError(f"camera {camera_id!r}: GCP lon/lat out of range")
    xy = frame.lonlat_to_xy(lonlat)
    _check_spread(uv, "pixel", camera_id, min_extent=1.0)
    _check_spread(xy, "ground position", camera_id, min_extent=1.0)
    centre = xy.mean(axis=0)
    h_local, mask = cv2.findHomography(
        uv, xy - centre, cv2.RANSAC, ransacReprojThreshold=ransac_threshold_m
    )
    if h_local is None:
        raise GcpError(f"camera {camera_id!r}: no homography fits these GCPs")
    shift = np.array([[1.0, 0.0, centre[0]], [0.0, 1.0, centre[1]], [0.0, 0.0, 1.0]])
    h = shift @ np.asarray(h_local, dtype=np.float64)
    inliers = mask.ravel().astype(bool)
    if inliers.sum() < 4:
        raise GcpError(f"camera {camera_id!r}: only {int(inliers.sum())} GCPs agree (need 4)")
    if np.linalg.cond(h_local) > 1e12:
        raise GcpError(f"camera {camera_id!r}: degenerate homography (near singular)")
    h = normalise_sign(h, uv[inliers].mean(axis=0))
    _check_orientation(h, uv[inliers], camera_id)
    ground, _ = apply_homography(h, uv)
    err_m = np.hypot(*(ground - xy).T)
    back, _ = apply_homography(np.asarray(np.linalg.inv(h), dtype=np.float64), xy)
    err_px = np.hypot(*(back - uv).T)
    result = CalibrationResult(
        camera_id=camera_id,
        homography=h,
        inliers=inliers,
        per_point_error_m=err_m,
        per_point_error_px=err_px,
        rms_error_m=float(np.sqrt(np.mean(err_m[inliers] ** 2))),
        rms_error_px=float(np.sqrt(np.mean(err_px[inliers] ** 2))),
    )
    logger.info(
        "camera %s calibrated: %d/%d inliers, RMS %.3f m / %.2f px",
        camera_id,
        int(inliers.sum()),
        len(gcps),
        result.rms_error_m,
        result.rms_error_px,
    )
    return result


class HomographyCamera:
    """``ImageToGround`` from an image → ground homography (flat ground).

    Covariance = pixel noise ``pixel_sigma_px`` through the Jacobian, plus isotropic noise
    growing as ``range_sigma_fraction`` × distance from ``camera_xy_m`` (default: the
    ground point under the image's bottom-centre pixel). Pixels whose ray misses the
    ground (denominator ≤ 0) or lands beyond ``max_range_m`` are invalid.
    """

    def __init__(
        self,
        camera_id: str,
        image_to_ground: npt.ArrayLike,
        image_size_wh: tuple[int, int],
        *,
        pixel_sigma_px: float = 1.0,
        range_sigma_fraction: float = 0.01,
        max_range_m: float = 5_000.0,
        camera_xy_m: tuple[float, float] | None = None,
    ) -> None:
        h = np.asarray(image_to_ground, dtype=np.float64)
        if h.shape != (3, 3) or not np.all(np.isfinite(h)):
            raise CameraModelError(f"camera {camera_id!r}: homography must be a finite 3×3")
        if abs(np.linalg.det(h)) < 1e-300 or np.linalg.cond(h) > 1e15:
            raise CameraModelError(f"camera {camera_id!r}: homography is singular")
        w_px, h_px = image_size_wh
        if w_px <= 0 or h_px <= 0:
            raise CameraModelError(f"camera {camera_id!r}: image size must be positive")
        if pixel_sigma_px < 0 or range_sigma_fraction < 0 or max_range_m <= 0:
            raise CameraModelError(f"camera {camera_id!r}: noise and range must be positive")
        self._camera_id = camera_id
        self._size = (int(w_px), int(h_px))
        bottom = np.array([w_px / 2.0, h_px - 1.0])
        self._h = normalise_sign(h, bottom)
        self._h_inv = np.asarray(np.linalg.inv(self._h), dtype=np.float64)
        self.pixel_sigma_px = pixel_sigma_px
        self.range_sigma_fraction = range_sigma_fraction
        self.max_range_m = max_range_m
        if camera_xy_m is None:
            ref, _ = apply_homography(self._h, bottom.reshape(1, 2))
            self._ref_xy = ref[0]
        else:
            self._ref_xy = np.asarray(camera_xy_m, dtype=np.float64)

    @classmethod
    def from_calibration(
        cls,
        result: CalibrationResult,
        image_size_wh: tuple[int, int],
        *,
        pixel_sigma_px: float = 1.0,
        range_sigma_fraction: float = 0.01,
        max_range_m: float = 5_000.0,
    ) -> HomographyCamera:
        return cls(
            result.camera_id,
            result.homography,
            image_size_wh,
            pixel_sigma_px=pixel_sigma_px,
            range_sigma_fraction=range_sigma_fraction,
            max_range_m=max_range_m,
        )

    @property
    def camera_id(self) -> str:
        return self._camera_id

    @property
    def image_size_wh(self) -> tuple[int, int]:
        return self._size

    @property
    def homography(self) -> FloatArray:
        return self._h.copy()

    def pixel_to_ground(self, uv: npt.ArrayLike) -> GroundProjection:
        pts = as_points(uv, "pixels", self._camera_id)
        xy, w = apply_homography(self._h, pts)
        rng = np.hypot(*(xy - self._ref_xy).T)
        above = w <= 0
        return ground_projection(
            xy,
            rng,
            above,
            self.max_range_m,
            homography_jacobian(self._h, pts),
            self.pixel_sigma_px,
            self.range_sigma_fraction,
        )

    def ground_to_pixel(self, xy_m: npt.ArrayLike) -> tuple[FloatArray, BoolArray]:
        pts = as_points(xy_m, "ground points", self._camera_id)
        uv, w = apply_homography(self._h_inv, pts)
        # H is scaled so that w > 0 for valid pixels; then the inverse's w has the same sign.
        in_front = w > 0
        return uv, in_front
