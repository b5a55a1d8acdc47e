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
