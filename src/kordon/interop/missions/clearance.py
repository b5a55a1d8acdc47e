"""``MissionClearance``: does a mission stay on the home side, clear of a border buffer?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from kordon.geo.border import Border
from kordon.geo.frame import LocalFrame
from kordon.interop.missions.model import Mission


@dataclass(frozen=True)
class ClearanceViolation:
    """One leg (between flight-path points ``leg`` and ``leg + 1``) that breaks clearance."""

    leg: int
    border_id: str
    reason: str
    min_distance_m: float

    def __str__(self) -> str:
        return f"leg {self.leg}→{self.leg + 1}: {self.reason} (border {self.border_id!r})"


def sides_of(line: shapely.LineString, xy: np.ndarray) -> np.ndarray:
    """+1 left of ``line``, -1 right, 0 on it, for (N, 2) points.

    Uses the foot of each point on the line and the line's direction across a short
    stretch around it (so at a vertex, the bisector of its two segments). Cheaper for a
    handful of points than building the border's grid index.
    """
    out = np.zeros(len(xy), dtype=np.int8)
    step = min(1.0, line.length / 4)
    for i, (x, y) in enumerate(xy):
        along = float(line.project(shapely.Point(x, y)))
        a = line.interpolate(max(along - step, 0.0))
        b = line.interpolate(min(along + step, line.length))
        foot = line.interpolate(along)
        dx, dy = b.x - a.x, b.y - a.y
        cross = dx * (y - foot.y) - dy * (x - foot.x)
        out[i] = 0 if cross == 0 else (1 if cross > 0 else -1)
    return out


class MissionClearance:
    """Checks every leg of a mission, in the site's local metric frame, against borders.

    A leg breaks clearance when it comes within ``buffer_m`` of a border line (so also when
    it crosses it), or when either end lies on the far side of the border.
    """

    def __init__(self, frame: LocalFrame, borders: list[Border], buffer_m: float) -> None:
        if not buffer_m >= 0:
            raise ValueError(f"buffer_m must be >= 0, got {buffer_m}")
        self._frame = frame
        self._borders = borders
        self._buffer_m = buffer_m
        self._zones = [shapely.LineString(b.vertices_xy).buffer(buffer_m) for b in borders]
        self._lines = [shapely.LineString(b.vertices_xy) for b in borders]

    def path_xy(self, mission: Mission) -> np.ndarray:
        lat_lon = np.asarray(mission.flight_path(), dtype=np.float64)
        return self._frame.lonlat_to_xy(lat_lon[:, ::-1])

    def check(self, mission: Mission) -> list[ClearanceViolation]:
        """Every violation, legs in flight order; an empty list means the mission is clear."""
        xy = self.path_xy(mission)
        violations: list[ClearanceViolation] = []
        for border, zone, line in zip(self._borders, self._zones, self._lines, strict=True):
            home_code = 1 if border.home_side == border.left_side else -1
            sides = sides_of(line, xy)
            for i in range(max(len(xy) - 1, 0)):
                leg = (
                    shapely.LineString(xy[i : i + 2])
                    if np.any(xy[i] != xy[i + 1])
                    else shapely.Point(xy[i])
                )
                distance = float(shapely.distance(leg, line))
                if shapely.intersects(leg, line):
                    reason = "crosses the border"
                elif sides[i] == -home_code or sides[i + 1] == -home_code:
                    far = border.right_side if home_code > 0 else border.left_side
                    reason = f"lies on the {far} side"
                elif shapely.intersects(leg, zone):
                    reason = (
                        f"comes within {distance:.0f} m of the border "
                        f"(buffer {self._buffer_m:.0f} m)"
                    )
                else:
                    continue
                violations.append(ClearanceViolation(i, border.border_id, reason, distance))
        violations.sort(key=lambda v: v.leg)
        return violations
