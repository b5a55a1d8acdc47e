"""Calibration overlay: the border and the GCPs drawn into a camera image.

Used by ``kordon camera calibrate`` to let a person check a georeferencing by eye: the
border (local metres) is sampled densely, projected with ``ground_to_pixel`` and drawn
where it is in front of the camera; each GCP is drawn as a circle at its pixel and a cross
at its reprojected ground position, joined by a line and labelled with its error.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from kordon.geo.frame import LocalFrame
from kordon.geo.homography import CalibrationResult, GroundControlPoint
from kordon.geo.projection import CameraModelError, FloatArray, ImageToGround

BORDER_BGR = (0, 215, 255)
INLIER_BGR = (0, 200, 0)
OUTLIER_BGR = (0, 0, 255)
_MAX_PX = 1e5  # pixel coordinates beyond this are not drawn (near the horizon)


def _px(u: float, v: float) -> tuple[int, int]:
    return int(np.rint(u)), int(np.rint(v))


def densify(polyline_xy: npt.ArrayLike, step_m: float) -> FloatArray:
    """Insert points so consecutive points are at most ``step_m`` apart."""
    pts = np.asarray(polyline_xy, dtype=np.float64).reshape(-1, 2)
    if pts.shape[0] < 2:
        return pts
    seg = np.diff(pts, axis=0)
    n = np.maximum(1, np.ceil(np.hypot(seg[:, 0], seg[:, 1]) / step_m).astype(np.int64))
    parts = [pts[i] + np.outer(np.arange(k) / k, seg[i]) for i, k in enumerate(n)]
    return np.vstack([*parts, pts[-1:]])


def draw_ground_polyline(
    image: npt.NDArray[np.uint8],
    camera: ImageToGround,
    polyline_xy: npt.ArrayLike,
    *,
    step_m: float = 2.0,
    color_bgr: tuple[int, int, int] = BORDER_BGR,
    thickness: int = 2,
) -> int:
    """Draw a ground polyline into ``image`` in place; returns the segments drawn."""
    pts = densify(polyline_xy, step_m)
    uv, ok = camera.ground_to_pixel(pts)
    ok &= np.all(np.abs(uv) < _MAX_PX, axis=1)
    h, w = image.shape[:2]
    drawn = 0
    for i in np.flatnonzero(ok[:-1] & ok[1:]):
        p0 = _px(uv[i, 0], uv[i, 1])
        p1 = _px(uv[i + 1, 0], uv[i + 1, 1])
        inside, c0, c1 = cv2.clipLine((0, 0, w, h), p0, p1)
        if inside:
            cv2.line(image, c0, c1, color_bgr, thickness, cv2.LINE_AA)
            drawn += 1
    return drawn


def render_calibration_overlay(
    image: npt.NDArray[np.uint8],
    camera: ImageToGround,
    border_xy: npt.ArrayLike | None,
    frame: LocalFrame,
    *,
    gcps: Sequence[GroundControlPoint] = (),
    calibration: CalibrationResult | None = None,
) -> npt.NDArray[np.uint8]:
    """A copy of ``image`` (H×W×3 BGR uint8) with the border and GCPs drawn on it."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise CameraModelError(
            f"camera {camera.camera_id!r}: overlay needs an H×W×3 uint8 image, got "
            f"{image.shape} {image.dtype}"
        )
    out = image.copy()
    if border_xy is not None:
        draw_ground_polyline(out, camera, border_xy)
    if not gcps:
        return out
    lonlat = np.array([[g.lon, g.lat] for g in gcps], dtype=np.float64)
    reproj, ok = camera.ground_to_pixel(frame.lonlat_to_xy(lonlat))
    for i, g in enumerate(gcps):
        inlier = calibration is None or bool(calibration.inliers[i])
        color = INLIER_BGR if inlier else OUTLIER_BGR
        p = _px(g.u_px, g.v_px)
        cv2.circle(out, p, 6, color, 2, cv2.LINE_AA)
        label = f"{i}"
        if calibration is not None:
            label += f" {calibration.per_point_error_m[i]:.2f} m"
        if ok[i] and np.all(np.abs(reproj[i]) < _MAX_PX):
            q = _px(reproj[i, 0], reproj[i, 1])
            cv2.drawMarker(out, q, color, cv2.MARKER_CROSS, 12, 2)
            cv2.line(out, p, q, color, 1, cv2.LINE_AA)
        cv2.putText(
            out, label, (p[0] + 8, p[1] - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, 1, cv2.LINE_AA
        )
    return out
