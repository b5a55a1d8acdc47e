"""Drone camera pixels → ground positions in the site frame, with covariance.

A pixel ``(u, v)`` (right, down) leaves a pinhole camera along ``(1, (u - cx)/fx,
(v - cy)/fy)`` in the camera's axes (forward, right, down: those of
:mod:`kordon.geo.footprint`), is turned by the pose's camera-to-NED rotation and
intersected with the ground: level at the pose's ground height (the home altitude) or,
when a terrain model is given, marched in ``step_m`` steps until it passes below the
terrain (bilinear heights, then linear interpolation inside the step). Offsets from the
drone are taken on its local tangent plane and converted through latitude/longitude into
the site frame, so a drone far from the site origin is not turned by the frame's meridian
convergence.

**Covariance by sigma points.** Nine independent error sources are perturbed one at a
time by ``±c·σ`` (``c = √3``): the pixel (u, v), three small rotations of the camera about
its own axes (attitude: about the optical axis, tilt, pan), the drone's east, north and
height above the ground (GPS and barometer, or the terrain model's error), and the
frame's time (time sync: the drone moves at its velocity and the camera turns at its rate
for that long). Each of the 18 perturbed rays is projected like the nominal one and the
covariance is ``Σ (yᵢ - y₀)(yᵢ - y₀)ᵀ / (2c²)`` around the nominal point: exact for a
linear map, and it follows the stretch of the ground ellipse at grazing angles. A pose
extrapolated past its telemetry adds the extrapolation to the time uncertainty.

**No position** (``valid`` false, with the reason) where the nominal ray looks at or above
the horizon (a gimbal pointed at the sky), reaches the ground beyond ``max_range_m``, or
a perturbed ray misses the ground (so close to the horizon that its position means
nothing), where the camera is not above the ground, or outside the terrain model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial.transform import Rotation

from kordon.geo.footprint import FlatGround, Ground, metres_per_degree
from kordon.geo.frame import LocalFrame
from kordon.geo.projection import GroundProjection
from kordon.sensors.dronecam.pose import DronePose

F64 = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SIGMA_SCALE = math.sqrt(3.0)
"""How many standard deviations each sigma point is moved (Julier's choice for Gaussians)."""

AT_THE_SKY = "the ray looks at or above the horizon"
NOT_ABOVE_GROUND = "the camera is not above the ground"
NO_GROUND = "no ground height is known (no home altitude and no terrain model)"
OFF_TERRAIN = "the ray leaves the terrain model before reaching the ground"
UNRELIABLE = (
    "too close to the horizon: within the pose uncertainty the ray misses the ground "
    "or passes the range limit"
)


@dataclass(frozen=True, slots=True)
class CameraIntrinsics:
    """A pinhole camera's image size (pixels) and fields of view (degrees); principal
    point at the image centre, no distortion."""

    width_px: int
    height_px: int
    hfov_deg: float
    vfov_deg: float

    def __post_init__(self) -> None:
        if self.width_px < 1 or self.height_px < 1:
            raise ValueError(
                f"camera intrinsics: image size {self.width_px}×{self.height_px} must be positive"
            )
        for name in ("hfov_deg", "vfov_deg"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0.0 < value < 180.0):
                raise ValueError(f"camera intrinsics: {name} must be in (0, 180), got {value}")

    @classmethod
    def from_fov(
        cls, image_size_wh: tuple[int, int], hfov_deg: float, vfov_deg: float | None = None
    ) -> CameraIntrinsics:
        """From the horizontal field of view, and the vertical one or square pixels."""
        w, h = image_size_wh
        if vfov_deg is None:
            if not (math.isfinite(hfov_deg) and 0.0 < hfov_deg < 180.0) or w < 1:
                raise ValueError(f"camera intrinsics: hfov_deg must be in (0, 180), got {hfov_deg}")
            half = math.atan(math.tan(math.radians(hfov_deg) / 2.0) * h / w)
            vfov_deg = math.degrees(2.0 * half)
        return cls(w, h, hfov_deg, vfov_deg)

    @property
    def fx(self) -> float:
        return (self.width_px / 2.0) / math.tan(math.radians(self.hfov_deg) / 2.0)

    @property
    def fy(self) -> float:
        return (self.height_px / 2.0) / math.tan(math.radians(self.vfov_deg) / 2.0)

    @property
    def cx(self) -> float:
        return self.width_px / 2.0

    @property
    def cy(self) -> float:
        return self.height_px / 2.0


@dataclass(frozen=True, slots=True)
class PoseUncertainty:
    """One standard deviation of each error source (see the module docstring)."""

    pixel_px: float = 2.0
    attitude_deg: float = 1.0
    horizontal_m: float = 1.5
    altitude_m: float = 2.0
    time_s: float = 0.05

    def __post_init__(self) -> None:
        for name in ("pixel_px", "attitude_deg", "horizontal_m", "altitude_m", "time_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise ValueError(f"pose uncertainty: {name} must be finite and >= 0, got {value}")


def _enu(ned: F64) -> F64:
    out: F64 = np.stack([ned[..., 1], ned[..., 0], -ned[..., 2]], axis=-1)
    return out


class GroundProjector:
    """Projects pixels of a drone camera to the site frame (see the module docstring).

    ``ground`` is a terrain model (e.g. an SRTM tile); without one the ground is level
    at each pose's ``ground_alt_m``.
    """

    def __init__(
        self,
        frame: LocalFrame,
        ground: Ground | None = None,
        *,
        uncertainty: PoseUncertainty | None = None,
        max_range_m: float = 3_000.0,
        step_m: float = 5.0,
    ) -> None:
        if not (max_range_m > 0 and step_m > 0):
            raise ValueError("max_range_m and step_m must be > 0")
        self.frame = frame
        self.ground = ground
        self.uncertainty = uncertainty or PoseUncertainty()
        self.max_range_m = max_range_m
        self.step_m = step_m

    # --- forward: ground → pixel ---------------------------------------------------------

    def to_pixel(
        self, pose: DronePose, intrinsics: CameraIntrinsics, points_enu: npt.ArrayLike
    ) -> tuple[F64, BoolArray]:
        """(N, 3) site points (east, north, metres above sea level) → (N, 2) pixels and
        whether each is in front of the camera (it may still be outside the image)."""
        pts = np.asarray(points_enu, dtype=np.float64).reshape(-1, 3)
        lon, lat = self.frame.to_wgs84(pts[:, 0], pts[:, 1])
        m_lon, m_lat = metres_per_degree(pose.lat)
        d_enu = np.stack(
            [(lon - pose.lon) * m_lon, (lat - pose.lat) * m_lat, pts[:, 2] - pose.alt_m], axis=1
        )
        d_ned = np.stack([d_enu[:, 1], d_enu[:, 0], -d_enu[:, 2]], axis=1)
        cam = d_ned @ pose.cam_to_ned  # = (Rᵀ d) for each row
        front = cam[:, 0] > 1e-9
        with np.errstate(divide="ignore", invalid="ignore"):
            u = intrinsics.cx + intrinsics.fx * cam[:, 1] / cam[:, 0]
            v = intrinsics.cy + intrinsics.fy * cam[:, 2] / cam[:, 0]
        uv: F64 = np.stack([u, v], axis=1)
        uv[~front] = np.nan
        return uv, front

    # --- inverse: pixel → ground ---------------------------------------------------------

    def project(
        self, pose: DronePose, intrinsics: CameraIntrinsics, uv_px: npt.ArrayLike
    ) -> GroundProjection:
        """(N, 2) pixels → ground positions (site east/north) with covariance and reasons."""
        uv = np.asarray(uv_px, dtype=np.float64).reshape(-1, 2)
        n = uv.shape[0]
        if n == 0:
            return GroundProjection(
                np.zeros((0, 2)), np.zeros((0, 2, 2)), np.zeros(0, bool), np.zeros(0, np.str_)
            )
        if not np.all(np.isfinite(uv)):
            raise ValueError("drone camera: pixels must be finite")
        sig = self.uncertainty
        time_sigma = math.hypot(sig.time_s, pose.extrapolated_s)
        c = SIGMA_SCALE
        # perturbations, one row per sigma point: du, dv, rotvec (camera axes), de, dn, dz, dt
        base = np.array(
            [sig.pixel_px, sig.pixel_px]
            + [math.radians(sig.attitude_deg)] * 3
            + [sig.horizontal_m, sig.horizontal_m, sig.altitude_m, time_sigma]
        )
        k = base.shape[0]
        delta = np.zeros((2 * k + 1, k))
        for i in range(k):
            delta[1 + 2 * i, i] = c * base[i]
            delta[2 + 2 * i, i] = -c * base[i]
        m = delta.shape[0]
        dt = delta[:, 8]
        turn = Rotation.from_rotvec(
            np.outer(dt * math.radians(pose.rotation_rate_dps), pose.rotation_axis)
        ).as_matrix()
        own = Rotation.from_rotvec(delta[:, 2:5]).as_matrix()
        rot = turn @ pose.cam_to_ned[None] @ own  # (M, 3, 3)
        u = uv[None, :, 0] + delta[:, 0:1]
        v = uv[None, :, 1] + delta[:, 1:2]
        cam = np.stack(
            [
                np.ones((m, n)),
                (u - intrinsics.cx) / intrinsics.fx,
                (v - intrinsics.cy) / intrinsics.fy,
            ],
            axis=-1,
        )
        rays = _enu(np.einsum("mij,mnj->mni", rot, cam))
        rays /= np.linalg.norm(rays, axis=-1, keepdims=True)
        vel = np.asarray(pose.velocity_enu_mps, dtype=np.float64)
        origin = np.stack([delta[:, 5], delta[:, 6], delta[:, 7]], axis=1) + dt[:, None] * vel
        offsets, ranges, reason = self._intersect(pose, origin, rays)
        # nominal verdicts first, then the sigma points' own failures
        nominal = reason[0]
        far = (nominal == "") & (ranges[0] > self.max_range_m)
        nominal = np.where(
            far,
            f"the ground is beyond the range limit ({self.max_range_m:.0f} m)",
            nominal,
        )
        spread_bad = np.any((reason[1:] != "") | (ranges[1:] > self.max_range_m), axis=0)
        final = np.where((nominal == "") & spread_bad, UNRELIABLE, nominal)
        valid = final == ""
        m_lon, m_lat = metres_per_degree(pose.lat)
        lon = pose.lon + offsets[..., 0] / m_lon
        lat = pose.lat + offsets[..., 1] / m_lat
        east, north = self.frame.to_local(lon, lat)
        xy = np.stack([east, north], axis=-1)  # (M, N, 2)
        dev = xy[1:] - xy[0][None]
        dev = np.where(np.isfinite(dev), dev, 0.0)
        cov = np.einsum("mni,mnj->nij", dev, dev) / (2.0 * c * c)
        out_xy: F64 = np.array(xy[0], dtype=np.float64)
        out_xy[~valid] = np.nan
        cov[~valid] = np.nan
        return GroundProjection(out_xy, cov, valid, final.astype(np.str_))

    def _intersect(
        self, pose: DronePose, origin: F64, rays: F64
    ) -> tuple[F64, F64, npt.NDArray[np.str_]]:
        """Ground offsets (M, N, 2) east/north from the nominal drone position, slant
        ranges (M, N) and reasons (M, N; ``""`` where the ray reaches the ground)."""
        m, n = rays.shape[:2]
        reason = np.full((m, n), "", dtype=object)
        ground = self.ground
        if ground is None and pose.ground_alt_m is not None:
            ground = FlatGround(pose.ground_alt_m)
        if ground is None:
            reason[:] = NO_GROUND
            return np.full((m, n, 2), np.nan), np.full((m, n), np.nan), reason.astype(np.str_)
        down = rays[..., 2] < -1e-9
        reason[~down] = AT_THE_SKY
        alt = pose.alt_m + origin[:, 2]  # (M,)
        if isinstance(ground, FlatGround):
            height = alt - ground.alt_m
            with np.errstate(divide="ignore", invalid="ignore"):
                ranges = np.where(down, height[:, None] / -rays[..., 2], np.inf)
            below = height <= 0
            reason[below, :] = NOT_ABOVE_GROUND
        else:
            ranges = self._march(pose, origin, rays, reason)
        ranges = np.where(reason == "", ranges, np.nan)
        offsets = origin[:, None, :2] + rays[..., :2] * ranges[..., None]
        return offsets, ranges, reason.astype(np.str_)

    def _march(
        self, pose: DronePose, origin: F64, rays: F64, reason: npt.NDArray[np.object_]
    ) -> F64:
        """Slant ranges to the first pass below the terrain (``reason`` is filled in)."""
        assert self.ground is not None
        m_lon, m_lat = metres_per_degree(pose.lat)
        lat0 = pose.lat + origin[:, 1] / m_lat
        lon0 = pose.lon + origin[:, 0] / m_lon
        alt = pose.alt_m + origin[:, 2]
        under = self.ground.height_m(lat0, lon0)
        off = ~np.isfinite(under)
        reason[off, :] = "the camera is outside the terrain model"
        reason[~off & (alt <= under), :] = NOT_ABOVE_GROUND
        s = np.arange(0.0, self.max_range_m + 2 * self.step_m, self.step_m)
        m, n = rays.shape[:2]
        ranges = np.full((m, n), np.inf)
        todo = np.argwhere(reason == "")
        if todo.shape[0] == 0:
            return ranges
        r = rays[todo[:, 0], todo[:, 1]]  # (K, 3)
        a = todo[:, 0]
        lat = lat0[a, None] + r[:, 1:2] * s[None] / m_lat
        lon = lon0[a, None] + r[:, 0:1] * s[None] / m_lon
        above = alt[a, None] + r[:, 2:3] * s[None] - self.ground.height_m(lat, lon)
        hit = ~(above > 0)
        first = np.argmax(hit, axis=1)
        found = hit[np.arange(len(first)), first]
        for j in np.flatnonzero(found):
            i = int(first[j])
            row, col = int(todo[j, 0]), int(todo[j, 1])
            if i == 0 or not math.isfinite(float(above[j, i])):
                reason[row, col] = OFF_TERRAIN if i > 0 else NOT_ABOVE_GROUND
                continue
            a0, a1 = float(above[j, i - 1]), float(above[j, i])
            ranges[row, col] = s[i - 1] + self.step_m * a0 / (a0 - a1)
        return ranges
