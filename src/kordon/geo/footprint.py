"""The ground footprint of a drone camera: its four corner rays intersected with the ground.

The camera's orientation is yaw (clockwise from north), pitch (up > 0; -90 looks straight
down) and roll, applied in that order (aerospace Z-Y-X) to a camera whose optical axis is
"forward", image right is "right" and image down is "down". A corner ray leaves the camera
at (1, ±tan(hfov/2), ±tan(vfov/2)) in that frame. The ground is either flat (a height above
mean sea level, e.g. the home altitude) or an SRTM ``.hgt`` terrain tile, read here with
NumPy: a square grid of 1201 or 3601 big-endian int16 heights (metres), rows from north to
south, named after its south-west corner (``N51E024.hgt``); heights are interpolated
bilinearly and the rays are marched until they pass below the terrain.

A footprint exists only when all four corners reach the ground within ``max_range_m``; a
camera pointing at the sky or at the horizon gets :class:`NoFootprint` with the reason.
Distances of a few kilometres are converted to degrees on the local tangent plane (WGS84
radii of curvature at the camera's latitude), which is accurate to well under a metre there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kordon.domain.drone import Attitude, GimbalAttitude
from kordon.domain.errors import KordonError

Array = npt.NDArray[np.float64]

_WGS84_A = 6_378_137.0
_WGS84_E2 = 6.694_379_990_14e-3
_SRTM_VOID = -32768
_SRTM_SIZES = (1201, 3601)
_SRTM_NAME = re.compile(r"^([NS])(\d{2})([EW])(\d{3})$", re.IGNORECASE)
#: Image corners in ring order: top-left, top-right, bottom-right, bottom-left.
_CORNERS = ((-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0))


class TerrainError(KordonError, ValueError):
    """A terrain file cannot be used (wrong size, name or unreadable)."""


class Ground(Protocol):
    """Ground height above mean sea level (m) at WGS84 points; NaN where unknown."""

    def height_m(self, lat: Array, lon: Array) -> Array: ...


@dataclass(frozen=True, slots=True)
class FlatGround:
    """Level ground at ``alt_m`` above mean sea level (e.g. the drone's home altitude)."""

    alt_m: float

    def height_m(self, lat: Array, lon: Array) -> Array:  # noqa: ARG002 (level everywhere)
        return np.full(np.shape(lat), self.alt_m, dtype=np.float64)


class SrtmTile:
    """One SRTM ``.hgt`` tile: a 1°×1° grid of heights; NaN outside it and at voids."""

    def __init__(self, heights: npt.NDArray[np.int16], *, south_lat: int, west_lon: int) -> None:
        n = heights.shape[0]
        if heights.ndim != 2 or heights.shape != (n, n) or n not in _SRTM_SIZES:
            raise TerrainError(
                f"an SRTM tile is 1201×1201 or 3601×3601 heights, got {heights.shape}"
            )
        if not (-90 <= south_lat < 90 and -180 <= west_lon < 180):
            raise TerrainError(f"SRTM tile corner {south_lat}, {west_lon} is out of range")
        self._h = heights
        self._n = n
        self.south_lat = south_lat
        self.west_lon = west_lon

    @classmethod
    def read(cls, path: Path) -> SrtmTile:
        """Read ``path`` (``N51E024.hgt``); its corner comes from the file name."""
        match = _SRTM_NAME.match(path.stem)
        if match is None:
            raise TerrainError(
                f"{path}: an SRTM file is named after its south-west corner, e.g. N51E024.hgt"
            )
        ns, lat_s, ew, lon_s = match.groups()
        south = int(lat_s) * (1 if ns.upper() == "N" else -1)
        west = int(lon_s) * (1 if ew.upper() == "E" else -1)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise TerrainError(f"{path}: cannot read: {exc.strerror or exc}") from None
        sides = [n for n in _SRTM_SIZES if size == 2 * n * n]
        if not sides:
            raise TerrainError(
                f"{path}: {size} bytes is not an SRTM tile (expected 2×1201² or 2×3601²)"
            )
        raw = np.fromfile(path, dtype=">i2").astype(np.int16).reshape(sides[0], sides[0])
        return cls(raw, south_lat=south, west_lon=west)

    def height_m(self, lat: Array, lon: Array) -> Array:
        steps = self._n - 1
        row = (self.south_lat + 1.0 - np.asarray(lat, dtype=np.float64)) * steps
        col = (np.asarray(lon, dtype=np.float64) - self.west_lon) * steps
        inside = (row >= 0) & (row <= steps) & (col >= 0) & (col <= steps)
        r0 = np.clip(np.floor(np.where(inside, row, 0)), 0, steps - 1).astype(np.intp)
        c0 = np.clip(np.floor(np.where(inside, col, 0)), 0, steps - 1).astype(np.intp)
        fr = np.where(inside, row, 0) - r0
        fc = np.where(inside, col, 0) - c0
        corners = [self._h[r0 + dr, c0 + dc].astype(np.float64) for dr in (0, 1) for dc in (0, 1)]
        void = np.zeros(np.shape(r0), dtype=bool)
        for h in corners:
            void |= h == _SRTM_VOID
        h00, h01, h10, h11 = corners
        top = h00 * (1 - fc) + h01 * fc
        bottom = h10 * (1 - fc) + h11 * fc
        height = top * (1 - fr) + bottom * fr
        found: Array = np.where(inside & ~void, height, np.nan)
        return found


@dataclass(frozen=True, slots=True)
class CameraPose:
    """Where a camera is (WGS84, ``alt_m`` above mean sea level), where it looks, and its
    field of view (degrees)."""

    lat: float
    lon: float
    alt_m: float
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    hfov_deg: float
    vfov_deg: float

    def __post_init__(self) -> None:
        for name in ("lat", "lon", "alt_m", "yaw_deg", "pitch_deg", "roll_deg"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"camera pose: {name} must be finite")
        for name in ("hfov_deg", "vfov_deg"):
            value = getattr(self, name)
            if not 0.0 < value < 180.0:
                raise ValueError(f"camera pose: {name} must be in (0, 180), got {value}")


@dataclass(frozen=True, slots=True)
class Footprint:
    """The ground seen by the camera: four [lon, lat] corners in ring order (image
    top-left, top-right, bottom-right, bottom-left) and each corner's slant range (m)."""

    corners_lonlat: tuple[tuple[float, float], ...]
    ranges_m: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class NoFootprint:
    """Why the camera has no footprint on the ground."""

    reason: str


def camera_orientation(
    vehicle: Attitude | None, gimbal: GimbalAttitude | None, *, mount_pitch_deg: float = -90.0
) -> tuple[float, float, float]:
    """(yaw, pitch, roll) of the camera in degrees.

    A gimbal is stabilised: its roll and pitch are the camera's, its yaw is added to the
    vehicle's heading unless it is absolute. Without a gimbal the camera is fixed to the
    body, looking ``mount_pitch_deg`` below the nose (nadir by default), so the vehicle's
    pitch adds to it.
    """
    heading = vehicle.yaw_deg if vehicle is not None else 0.0
    if gimbal is not None:
        yaw = gimbal.yaw_deg if gimbal.yaw_absolute else heading + gimbal.yaw_deg
        return yaw % 360.0, gimbal.pitch_deg, gimbal.roll_deg
    if vehicle is None:
        return 0.0, mount_pitch_deg, 0.0
    return heading, mount_pitch_deg + vehicle.pitch_deg, vehicle.roll_deg


def corner_rays(pose: CameraPose) -> Array:
    """(4, 3) unit vectors (east, north, up) of the image corners, in ring order."""
    yaw, pitch, roll = (math.radians(v) for v in (pose.yaw_deg, pose.pitch_deg, pose.roll_deg))
    cy, sy, cp, sp, cr, sr = (
        math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch), math.cos(roll),
        math.sin(roll),
    )  # fmt: skip
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cr, -sr], [0.0, sr, cr]])
    body_to_ned = rz @ ry @ rx
    th = math.tan(math.radians(pose.hfov_deg) / 2.0)
    tv = math.tan(math.radians(pose.vfov_deg) / 2.0)
    cam = np.array([[1.0, sx * th, sz * tv] for sx, sz in _CORNERS])
    ned = cam @ body_to_ned.T
    enu = np.stack([ned[:, 1], ned[:, 0], -ned[:, 2]], axis=1)
    unit: Array = enu / np.linalg.norm(enu, axis=1, keepdims=True)
    return unit


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of longitude, of latitude) on the WGS84 ellipsoid at ``lat``."""
    phi = math.radians(lat)
    w = math.sqrt(1.0 - _WGS84_E2 * math.sin(phi) ** 2)
    prime = _WGS84_A / w
    meridian = _WGS84_A * (1.0 - _WGS84_E2) / w**3
    return prime * math.cos(phi) * math.pi / 180.0, meridian * math.pi / 180.0


def camera_footprint(
    pose: CameraPose, ground: Ground, *, max_range_m: float = 5_000.0, step_m: float = 5.0
) -> Footprint | NoFootprint:
    """The footprint of ``pose`` on ``ground``, or why there is none (see the module)."""
    if not (max_range_m > 0 and step_m > 0):
        raise ValueError("max_range_m and step_m must be > 0")
    rays = corner_rays(pose)
    if np.any(rays[:, 2] >= -1e-9):
        return NoFootprint(
            f"the camera looks at the sky: {int(np.sum(rays[:, 2] >= -1e-9))} of its image "
            f"corners are at or above the horizon (pitch {pose.pitch_deg:.1f}°)"
        )
    m_lon, m_lat = metres_per_degree(pose.lat)
    below = float(ground.height_m(np.array([pose.lat]), np.array([pose.lon]))[0])
    if math.isnan(below):
        return NoFootprint("the camera is outside the terrain model")
    if pose.alt_m <= below:
        return NoFootprint(
            f"the camera ({pose.alt_m:.1f} m) is not above the ground ({below:.1f} m)"
        )
    if isinstance(ground, FlatGround):
        ranges = (pose.alt_m - ground.alt_m) / -rays[:, 2]
    else:
        found = _march(pose, ground, rays, (m_lon, m_lat), max_range_m=max_range_m, step_m=step_m)
        if isinstance(found, NoFootprint):
            return found
        ranges = found
    if np.any(ranges > max_range_m):
        return NoFootprint(
            f"the camera looks near the horizon: a corner reaches the ground "
            f"{float(np.max(ranges)):.0f} m away (limit {max_range_m:.0f} m)"
        )
    east = rays[:, 0] * ranges
    north = rays[:, 1] * ranges
    corners = tuple(
        (pose.lon + float(e) / m_lon, pose.lat + float(n) / m_lat)
        for e, n in zip(east, north, strict=True)
    )
    return Footprint(corners, tuple(float(r) for r in ranges))


def _march(
    pose: CameraPose,
    ground: Ground,
    rays: Array,
    m_per_deg: tuple[float, float],
    *,
    max_range_m: float,
    step_m: float,
) -> Array | NoFootprint:
    """Slant range of each ray to where it first passes below the terrain."""
    m_lon, m_lat = m_per_deg
    s = np.arange(0.0, max_range_m + step_m, step_m)
    out = np.empty(len(rays))
    for i, ray in enumerate(rays):
        lat = pose.lat + ray[1] * s / m_lat
        lon = pose.lon + ray[0] * s / m_lon
        above = pose.alt_m + ray[2] * s - ground.height_m(lat, lon)
        hit = np.flatnonzero(~(above > 0))
        if len(hit) == 0:
            out[i] = math.inf
            continue
        k = int(hit[0])
        if math.isnan(above[k]):
            return NoFootprint("a corner ray leaves the terrain model before reaching the ground")
        a0, a1 = above[k - 1], above[k]
        out[i] = s[k - 1] + step_m * a0 / (a0 - a1)
    return out
