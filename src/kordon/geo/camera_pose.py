"""``PinholeCamera``: a camera georeferenced by its pose over a flat ground plane (z = 0).

World axes are the site's local frame: x east, y north, z up (metres). Camera axes are
x right, y down, z forward. Yaw is the compass bearing of the optical axis (degrees,
clockwise from north), pitch its elevation (negative = looking down), roll a rotation
about the optical axis (positive = the image's right side tilts down).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kordon.domain.errors import KordonError
from kordon.geo.frame import LocalFrame
from kordon.geo.projection import (
    BoolArray,
    FloatArray,
    GroundProjection,
    as_points,
    ground_projection,
    homography_jacobian,
)

_EPS = 1e-12


class PoseError(KordonError, ValueError):
    """A camera pose or intrinsics cannot describe a camera over the ground."""


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics in pixels."""

    fx: float
    fy: float
    cx: float
    cy: float

    @classmethod
    def from_hfov(cls, hfov_deg: float, image_size_wh: tuple[int, int]) -> Intrinsics:
        w, h = image_size_wh
        f = (w / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
        return cls(f, f, w / 2.0, h / 2.0)


@dataclass(frozen=True)
class CameraPose:
    """Where the camera is and where it looks."""

    lat: float
    lon: float
    height_m: float
    yaw_deg: float
    pitch_deg: float
    roll_deg: float = 0.0


def _rotation(yaw_deg: float, pitch_deg: float, roll_deg: float) -> FloatArray:
    """World → camera rotation (rows: camera right, down, forward in world axes)."""
    yaw, pitch, roll = (math.radians(v) for v in (yaw_deg, pitch_deg, roll_deg))
    fwd = np.array(
        [math.sin(yaw) * math.cos(pitch), math.cos(yaw) * math.cos(pitch), math.sin(pitch)]
    )
    right = np.array([math.cos(yaw), -math.sin(yaw), 0.0])
    down = np.cross(fwd, right)
    r2 = math.cos(roll) * right + math.sin(roll) * down
    d2 = -math.sin(roll) * right + math.cos(roll) * down
    return np.stack([r2, d2, fwd])


class PinholeCamera:
    """``ImageToGround`` from a known pose; see the module docstring for conventions."""

    def __init__(
        self,
        camera_id: str,
        pose: CameraPose,
        frame: LocalFrame,
        image_size_wh: tuple[int, int],
        *,
        hfov_deg: float | None = None,
        intrinsics: Intrinsics | None = None,
        pixel_sigma_px: float = 1.0,
        range_sigma_fraction: float = 0.01,
        max_range_m: float = 5_000.0,
    ) -> None:
        self._camera_id = camera_id
        w, h = image_size_wh
        if w <= 0 or h <= 0:
            raise PoseError(f"camera {camera_id!r}: image size must be positive, got {w}x{h}")
        if not pose.height_m > 0.0:
            raise PoseError(
                f"camera {camera_id!r}: height above ground must be > 0 m, got {pose.height_m}"
            )
        if not -90.0 <= pose.pitch_deg <= 90.0:
            raise PoseError(f"camera {camera_id!r}: pitch {pose.pitch_deg}° outside [-90, 90]")
        if (hfov_deg is None) == (intrinsics is None):
            raise PoseError(f"camera {camera_id!r}: give exactly one of hfov_deg or intrinsics")
        if hfov_deg is not None:
            if not 1.0 < hfov_deg < 179.0:
                raise PoseError(
                    f"camera {camera_id!r}: horizontal FOV {hfov_deg}° outside (1°, 179°)"
                )
            intrinsics = Intrinsics.from_hfov(hfov_deg, (w, h))
        assert intrinsics is not None
        if intrinsics.fx <= 0 or intrinsics.fy <= 0:
            raise PoseError(f"camera {camera_id!r}: focal lengths must be positive")
        if max_range_m <= 0 or pixel_sigma_px < 0 or range_sigma_fraction < 0:
            raise PoseError(f"camera {camera_id!r}: noise and max range must be positive")
        self.pose = pose
        self.frame = frame
        self.intrinsics = intrinsics
        self._size = (int(w), int(h))
        self.pixel_sigma_px = pixel_sigma_px
        self.range_sigma_fraction = range_sigma_fraction
        self.max_range_m = max_range_m
        east, north = frame.to_local(pose.lon, pose.lat)
        self.position_m = np.array([float(east), float(north), pose.height_m])
        self._r = _rotation(pose.yaw_deg, pose.pitch_deg, pose.roll_deg)
        self._k = np.array(
            [
                [intrinsics.fx, 0.0, intrinsics.cx],
                [0.0, intrinsics.fy, intrinsics.cy],
                [0.0, 0.0, 1.0],
            ]
        )
        corners = np.array([[0.0, 0.0], [w, 0.0], [0.0, h], [w, h]])
        if not np.any(self._ray_world(corners)[:, 2] < -_EPS):
            raise PoseError(
                f"camera {camera_id!r}: the pose looks at the sky, no ground is visible "
                f"(pitch {pose.pitch_deg}°, roll {pose.roll_deg}°)"
            )
        # Ground (z = 0) → image homography: K [r1 r2 t] with t = -R C.
        t = -self._r @ self.position_m
        g2i = self._k @ np.column_stack([self._r[:, 0], self._r[:, 1], t])
        self._image_to_ground = np.linalg.inv(g2i)

    @property
    def camera_id(self) -> str:
        return self._camera_id

    @property
    def image_size_wh(self) -> tuple[int, int]:
        return self._size

    @property
    def image_to_ground_homography(self) -> FloatArray:
        return self._image_to_ground.copy()

    def _ray_world(self, uv: FloatArray) -> FloatArray:
        k = self.intrinsics
        cam = np.stack(
            [(uv[:, 0] - k.cx) / k.fx, (uv[:, 1] - k.cy) / k.fy, np.ones(uv.shape[0])], axis=1
        )
        return cam @ self._r  # R^T applied to each row

    def project(self, xyz_m: npt.ArrayLike) -> tuple[FloatArray, BoolArray]:
        """(N, 3) world points, or (N, 2) ground points at z = 0 → pixels and ``in_front``."""
        arr = np.asarray(xyz_m, dtype=np.float64)
        if arr.ndim == 2 and arr.shape[1] == 2:
            arr = np.column_stack([arr, np.zeros(arr.shape[0])])
        if arr.ndim != 2 or arr.shape[1] != 3 or not np.all(np.isfinite(arr)):
            raise PoseError(
                f"camera {self._camera_id!r}: points must be finite (N, 2) or (N, 3), "
                f"got shape {arr.shape}"
            )
        cam = (arr - self.position_m) @ self._r.T
        in_front = cam[:, 2] > _EPS
        with np.errstate(divide="ignore", invalid="ignore"):
            u = self.intrinsics.fx * cam[:, 0] / cam[:, 2] + self.intrinsics.cx
            v = self.intrinsics.fy * cam[:, 1] / cam[:, 2] + self.intrinsics.cy
        return np.stack([u, v], axis=1), in_front

    def ground_to_pixel(self, xy_m: npt.ArrayLike) -> tuple[FloatArray, BoolArray]:
        return self.project(as_points(xy_m, "ground points", self._camera_id))

    def pixel_to_ground(self, uv: npt.ArrayLike) -> GroundProjection:
        pts = as_points(uv, "pixels", self._camera_id)
        ray = self._ray_world(pts)
        above = ray[:, 2] >= -_EPS
        with np.errstate(divide="ignore", invalid="ignore"):
            s = -self.position_m[2] / ray[:, 2]
        xy = self.position_m[:2] + s[:, None] * ray[:, :2]
        rng = np.hypot(*(xy - self.position_m[:2]).T)
        return ground_projection(
            xy,
            rng,
            above,
            self.max_range_m,
            homography_jacobian(self._image_to_ground, pts),
            self.pixel_sigma_px,
            self.range_sigma_fraction,
        )

    def horizon_v(self, u: npt.ArrayLike) -> FloatArray:
        """Image row of the horizon at columns ``u`` (NaN where the horizon is vertical)."""
        uu = np.asarray(u, dtype=np.float64)
        k = self.intrinsics
        # World z of the camera ray (a, b, 1): R[0,2] a + R[1,2] b + R[2,2] = 0.
        a = (uu - k.cx) / k.fx
        rz = self._r[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            b = np.where(abs(rz[1]) > _EPS, -(rz[0] * a + rz[2]) / rz[1], np.nan)
        return np.asarray(k.cy + k.fy * b, dtype=np.float64)

    def ground_footprint_xy(self, max_range_m: float, samples_per_edge: int = 32) -> FloatArray:
        """The field of view on the ground, (M, 2) east/north ring, rays clipped to range."""
        w, h = self._size
        t = np.linspace(0.0, 1.0, samples_per_edge, endpoint=False)
        border = np.concatenate(
            [
                np.stack([t * w, np.zeros_like(t)], axis=1),
                np.stack([np.full_like(t, w), t * h], axis=1),
                np.stack([(1 - t) * w, np.full_like(t, h)], axis=1),
                np.stack([np.zeros_like(t), (1 - t) * h], axis=1),
            ]
        )
        ray = self._ray_world(border)
        c = self.position_m
        horiz = np.hypot(ray[:, 0], ray[:, 1])
        pts: list[FloatArray] = []
        for r, hz in zip(ray, horiz, strict=True):
            hit_range = math.inf
            if r[2] < -_EPS:
                hit_range = float(-c[2] / r[2] * hz)
            if hit_range <= max_range_m:
                pts.append(c[:2] + (-c[2] / r[2]) * r[:2])
            elif hz > _EPS:
                pts.append(c[:2] + r[:2] / hz * max_range_m)
        if len(pts) < 3:
            pts.append(c[:2].copy())
        ring = np.array(pts)
        return np.vstack([ring, ring[:1]])

    def ground_footprint_polygon(self, max_range_m: float) -> FloatArray:
        """The field of view on the ground as a closed (M, 2) lon/lat ring, for the map."""
        if max_range_m <= 0:
            raise PoseError(f"camera {self._camera_id!r}: max range must be > 0 m")
        return self.frame.xy_to_lonlat(self.ground_footprint_xy(max_range_m))
