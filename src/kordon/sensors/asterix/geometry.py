"""``RadarGeometry``: a radar's polar measurements (range, azimuth) in the site's local frame.

A plot at slant range ``r`` and azimuth ``a`` (the radar's own, clockwise from its azimuth
zero) lies along the ground at ``rho = sqrt(r² - h²)`` (``h``: antenna height above the
ground it watches) in grid bearing ``b = a + rotation_deg``, i.e. at
``P + rho · (sin b, cos b)`` from the radar's position ``P`` in the local frame.
``rotation_deg`` is the radar's north offset (its alignment against true north) plus the
meridian convergence at ``P`` (the local frame is a transverse Mercator plane centred on
the site origin, so true north at ``P`` is not exactly grid north).

The error of a plot is ``range_sigma_m`` along the line of sight and ``rho · azimuth_sigma``
across it: the covariance is the diagonal polar one rotated into east/north,
``Σ = σr² u uᵀ + (rho σa)² v vᵀ`` with ``u = (sin b, cos b)`` and ``v = (cos b, -sin b)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kordon.config.integrations import AsterixRadar
from kordon.geo.frame import LocalFrame

F64 = npt.NDArray[np.float64]

MIN_CROSS_RANGE_M = 1.0
"""Ground range below which the cross-range error stops shrinking (a plot on the antenna)."""
_NORTH_STEP_DEG = 1e-4


def meridian_convergence_deg(frame: LocalFrame, lon: float, lat: float) -> float:
    """Grid bearing of true north at ``(lon, lat)`` in ``frame``, degrees clockwise."""
    e0, n0 = frame.to_local(lon, lat)
    e1, n1 = frame.to_local(lon, lat + _NORTH_STEP_DEG)
    return math.degrees(math.atan2(float(e1 - e0), float(n1 - n0)))


@dataclass(frozen=True, slots=True)
class RadarGeometry:
    """Where a radar stands in the local frame and how its polar reports map into it."""

    east_m: float
    north_m: float
    rotation_deg: float = 0.0
    """Grid bearing of the radar's azimuth 0: north offset plus meridian convergence."""
    height_m: float = 0.0
    range_sigma_m: float = 15.0
    azimuth_sigma_deg: float = 0.5

    def __post_init__(self) -> None:
        values = (self.east_m, self.north_m, self.rotation_deg, self.height_m)
        if not all(math.isfinite(v) for v in values):
            raise ValueError("radar position, rotation and height must be finite")
        if self.height_m < 0:
            raise ValueError(f"height_m must be >= 0, got {self.height_m}")
        if not (self.range_sigma_m > 0 and self.azimuth_sigma_deg > 0):
            raise ValueError("range_sigma_m and azimuth_sigma_deg must be > 0")

    @classmethod
    def of(cls, radar: AsterixRadar, frame: LocalFrame) -> RadarGeometry:
        """The geometry of a configured radar in the site's local frame."""
        east, north = frame.to_local(radar.lon, radar.lat)
        return cls(
            east_m=float(east),
            north_m=float(north),
            rotation_deg=radar.north_offset_deg
            + meridian_convergence_deg(frame, radar.lon, radar.lat),
            height_m=radar.height_m,
            range_sigma_m=radar.range_sigma_m,
            azimuth_sigma_deg=radar.azimuth_sigma_deg,
        )

    def ground_range_m(self, slant_range_m: npt.ArrayLike) -> F64:
        """Range along the ground of slant ranges (0 for a plot nearer than the height)."""
        r = np.asarray(slant_range_m, dtype=np.float64)
        if self.height_m == 0.0:
            return r.copy()
        return np.sqrt(np.maximum(r * r - self.height_m * self.height_m, 0.0))

    def bearing_rad(self, azimuth_deg: npt.ArrayLike) -> F64:
        """Grid bearings (radians, clockwise from grid north) of the radar's azimuths."""
        return np.radians(np.asarray(azimuth_deg, dtype=np.float64) + self.rotation_deg)

    def to_local(self, slant_range_m: npt.ArrayLike, azimuth_deg: npt.ArrayLike) -> F64:
        """(N, 2) east/north metres of plots at these slant ranges and azimuths."""
        rho = self.ground_range_m(slant_range_m).reshape(-1)
        b = self.bearing_rad(azimuth_deg).reshape(-1)
        out = np.empty((rho.shape[0], 2), np.float64)
        out[:, 0] = self.east_m + rho * np.sin(b)
        out[:, 1] = self.north_m + rho * np.cos(b)
        return out

    def covariance(self, slant_range_m: npt.ArrayLike, azimuth_deg: npt.ArrayLike) -> F64:
        """(N, 2, 2) east/north covariance (m²) of plots at these ranges and azimuths."""
        rho = self.ground_range_m(slant_range_m).reshape(-1)
        b = self.bearing_rad(azimuth_deg).reshape(-1)
        along = self.range_sigma_m**2
        cross = (np.maximum(rho, MIN_CROSS_RANGE_M) * math.radians(self.azimuth_sigma_deg)) ** 2
        s, c = np.sin(b), np.cos(b)
        cov = np.empty((rho.shape[0], 2, 2), np.float64)
        cov[:, 0, 0] = along * s * s + cross * c * c
        cov[:, 1, 1] = along * c * c + cross * s * s
        cov[:, 0, 1] = cov[:, 1, 0] = (along - cross) * s * c
        return cov

    def to_polar(self, east_north_m: npt.ArrayLike) -> tuple[F64, F64]:
        """Slant range (m) and radar azimuth (degrees in [0, 360)) of local points (N, 2):
        the inverse of :meth:`to_local` (what a radar would measure, before noise)."""
        xy = np.asarray(east_north_m, dtype=np.float64).reshape(-1, 2)
        de, dn = xy[:, 0] - self.east_m, xy[:, 1] - self.north_m
        rho = np.hypot(de, dn)
        slant = np.sqrt(rho * rho + self.height_m * self.height_m)
        azimuth = np.mod(np.degrees(np.arctan2(de, dn)) - self.rotation_deg, 360.0)
        return slant, azimuth
