"""``Projector``: maps the path plane (where actors walk) to image pixels.

A scenario's waypoints live in one plane: the site's local metric frame for world scenes
(east_m, north_m), or the image itself for image-space scenes. A projector says where a
ground point lands in the picture and how many metres one pixel spans there, which sets the
drawn size of the actors. A georeferenced pose camera plugs in by implementing the protocol.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from kordon.sim.errors import SimulationError


@dataclass(frozen=True, slots=True)
class ProjectedPoint:
    """A ground point in the picture: pixel position and the local scale (metres per pixel)."""

    u_px: float
    v_px: float
    m_per_px: float


class Projector(Protocol):
    """World ground point → pixel. ``None`` when the point cannot be seen (behind the camera)."""

    def project(self, east_m: float, north_m: float) -> ProjectedPoint | None: ...


@dataclass(frozen=True, slots=True)
class FlatImageProjector:
    """Image-space scenes: the path plane *is* the image (x = u, y = v, in pixels).

    The scale varies linearly from ``m_per_px_top`` (row 0) to ``m_per_px_bottom`` (the last
    row) to fake perspective, so people near the bottom are drawn taller.
    """

    height_px: int
    m_per_px_top: float = 1.75 / 60.0
    m_per_px_bottom: float = 1.75 / 150.0

    def __post_init__(self) -> None:
        if self.height_px <= 1:
            raise SimulationError(
                f"FlatImageProjector: height_px must be > 1, got {self.height_px}"
            )
        for name in ("m_per_px_top", "m_per_px_bottom"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise SimulationError(f"FlatImageProjector: {name} must be > 0, got {value}")

    def project(self, east_m: float, north_m: float) -> ProjectedPoint:
        f = min(max(north_m / (self.height_px - 1), 0.0), 1.0)
        scale = self.m_per_px_top + f * (self.m_per_px_bottom - self.m_per_px_top)
        return ProjectedPoint(u_px=east_m, v_px=north_m, m_per_px=scale)


@dataclass(frozen=True, slots=True)
class GroundPinholeProjector:
    """A level-roll pinhole camera over flat ground (a stand-in until a real pose camera).

    The camera stands at (``east_m``, ``north_m``) at ``height_m`` above the ground, looks
    along compass ``heading_deg`` (0 = north, 90 = east), tilted ``tilt_deg`` below the
    horizon; ``focal_px`` is the focal length in pixels, the principal point is the centre.
    """

    east_m: float
    north_m: float
    height_m: float
    heading_deg: float
    tilt_deg: float
    focal_px: float
    width_px: int
    height_px: int
    min_range_m: float = 1.0

    def __post_init__(self) -> None:
        if not self.height_m > 0:
            raise SimulationError(
                f"GroundPinholeProjector: height_m must be > 0, got {self.height_m}"
            )
        if not self.focal_px > 0:
            raise SimulationError(
                f"GroundPinholeProjector: focal_px must be > 0, got {self.focal_px}"
            )
        if not -89.0 <= self.tilt_deg <= 89.0:
            raise SimulationError(
                f"GroundPinholeProjector: tilt_deg {self.tilt_deg} not in [-89, 89]"
            )

    @property
    def horizon_v_px(self) -> float:
        """Image row of the horizon (may lie outside the picture)."""
        return self.height_px / 2.0 - self.focal_px * math.tan(math.radians(self.tilt_deg))

    def project(self, east_m: float, north_m: float) -> ProjectedPoint | None:
        h = math.radians(self.heading_deg)
        de, dn = east_m - self.east_m, north_m - self.north_m
        forward = de * math.sin(h) + dn * math.cos(h)
        right = de * math.cos(h) - dn * math.sin(h)
        down = self.height_m
        t = math.radians(self.tilt_deg)
        # Camera axes: z along the tilted view direction, y pointing down in the image.
        z = forward * math.cos(t) + down * math.sin(t)
        y = -forward * math.sin(t) + down * math.cos(t)
        if z < self.min_range_m:
            return None
        u = self.width_px / 2.0 + self.focal_px * right / z
        v = self.height_px / 2.0 + self.focal_px * y / z
        return ProjectedPoint(u_px=u, v_px=v, m_per_px=z / self.focal_px)
