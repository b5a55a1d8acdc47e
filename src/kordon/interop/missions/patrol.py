"""``plan_patrol``: a border patrol along one sector, on the home side, clear of the border.

The route is the sector's stretch of border offset by ``offset_m`` towards the home side
(shapely's offset curve, which trims the loops an inside bend makes), simplified to
waypoints, flown out and back so the return never cuts across a bend. At each waypoint the
camera is pointed (``DO_SET_ROI_LOCATION``) at the nearest point of the border. Every leg,
in the site's metric frame, is then checked by :class:`MissionClearance` against every
border of the site: a patrol that would come within ``buffer_m`` of a border, or cross it,
is refused, never returned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from kordon.config.site import SiteConfig
from kordon.domain.errors import KordonError
from kordon.geo.border import Border
from kordon.geo.sectors import BorderStretchSector
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.missions.clearance import MissionClearance
from kordon.interop.missions.model import Command, Frame, Mission, MissionItem

NAN = math.nan


class PatrolError(KordonError, ValueError):
    """No safe patrol can be planned (unknown sector, bad option, border too close)."""


@dataclass(frozen=True)
class PatrolSpec:
    """How to fly a patrol: distance from the border, safety buffer, altitude, speed."""

    offset_m: float = 300.0
    buffer_m: float = 100.0
    altitude_m: float = 80.0
    speed_mps: float = 10.0
    simplify_m: float = 20.0

    def check(self) -> None:
        values = (self.offset_m, self.buffer_m, self.altitude_m, self.speed_mps, self.simplify_m)
        if not all(math.isfinite(v) for v in values):
            raise PatrolError("patrol options must be finite numbers")
        if self.buffer_m < 0 or self.simplify_m < 0:
            raise PatrolError("buffer and simplification must be >= 0 m")
        if self.offset_m <= self.buffer_m:
            raise PatrolError(
                f"offset {self.offset_m:g} m must be larger than the buffer {self.buffer_m:g} m"
            )
        if not 0 < self.altitude_m <= 10_000:
            raise PatrolError(f"altitude {self.altitude_m:g} m is outside (0, 10000]")
        if not 0 < self.speed_mps <= 100:
            raise PatrolError(f"speed {self.speed_mps:g} m/s is outside (0, 100]")


def _item(command: Command, frame: Frame, params: tuple[float, ...]) -> MissionItem:
    p = (*params, *([0.0] * (7 - len(params))))
    return MissionItem(int(command), int(frame), (p[0], p[1], p[2], p[3], p[4], p[5], p[6]))


def _route_xy(sector: BorderStretchSector, spec: PatrolSpec) -> np.ndarray:
    border = sector.border
    lo, hi = sorted((sector.from_km, sector.to_km))
    stretch = border.substring(lo, hi)  # in the line's own direction: sides as named
    # shapely: a positive offset lies left of the line.
    distance = spec.offset_m if border.home_side == border.left_side else -spec.offset_m
    curve = shapely.offset_curve(shapely.LineString(stretch), distance, join_style="round")
    if isinstance(curve, shapely.MultiLineString):
        curve = max(curve.geoms, key=lambda g: g.length)
    if not isinstance(curve, shapely.LineString) or curve.is_empty:
        raise PatrolError(f"sector {sector.sector_id!r}: the offset route is empty")
    curve = shapely.simplify(curve, spec.simplify_m, preserve_topology=True)
    xy = np.asarray(shapely.get_coordinates(curve), dtype=np.float64)
    if sector.from_km > sector.to_km:
        xy = xy[::-1]
    # shapely returns a left offset in the line's direction, a right one reversed.
    start = border.point_at_km(sector.from_km)[0]
    if np.hypot(*(xy[0] - start)) > np.hypot(*(xy[-1] - start)):
        xy = xy[::-1]
    return xy


def patrol_sector(site: SiteConfig, geometry: SiteGeometry, sector_id: str) -> BorderStretchSector:
    """The site's sector ``sector_id`` as a stretch of border; errors list the valid ids."""
    for cfg in site.sectors:
        if cfg.id != sector_id:
            continue
        border = geometry.borders.get(cfg.border or "")
        if border is None or cfg.from_km is None or cfg.to_km is None:
            raise PatrolError(
                f"sector {sector_id!r} is a polygon: a patrol needs a sector along a border "
                "(border, from_km, to_km)"
            )
        return BorderStretchSector(cfg.id, border, cfg.from_km, cfg.to_km)
    valid = ", ".join(s.id for s in site.sectors) or "none"
    raise PatrolError(f"unknown sector {sector_id!r} (valid: {valid})")


def plan_patrol(sector: BorderStretchSector, borders: list[Border], spec: PatrolSpec) -> Mission:
    """A patrol along ``sector``, checked against every border in ``borders`` (all of the
    site's); raises :class:`PatrolError` rather than return a mission that is not clear."""
    spec.check()
    route = _route_xy(sector, spec)
    border = sector.border
    frame = border.frame
    lonlat = frame.xy_to_lonlat(route)
    line = shapely.LineString(border.vertices_xy)
    along = shapely.line_locate_point(line, shapely.points(route))
    roi = frame.xy_to_lonlat(border.point_at_along(along))
    out_and_back = list(range(len(route))) + list(range(len(route) - 2, -1, -1))
    home = (float(lonlat[0, 1]), float(lonlat[0, 0]), 0.0)
    items = [
        _item(
            Command.NAV_TAKEOFF,
            Frame.GLOBAL_RELATIVE_ALT,
            (0, 0, 0, NAN, home[0], home[1], spec.altitude_m),
        ),
        _item(Command.DO_CHANGE_SPEED, Frame.MISSION, (1, spec.speed_mps, -1, 0)),
    ]
    for i in out_and_back:
        items.append(
            _item(
                Command.DO_SET_ROI_LOCATION,
                Frame.GLOBAL_RELATIVE_ALT,
                (0, 0, 0, 0, float(roi[i, 1]), float(roi[i, 0]), 0),
            )
        )
        items.append(
            _item(
                Command.NAV_WAYPOINT,
                Frame.GLOBAL_RELATIVE_ALT,
                (0, 0, 0, NAN, float(lonlat[i, 1]), float(lonlat[i, 0]), spec.altitude_m),
            )
        )
    items.append(_item(Command.DO_SET_ROI_NONE, Frame.MISSION, ()))
    items.append(_item(Command.NAV_RETURN_TO_LAUNCH, Frame.MISSION, ()))
    mission = Mission(home, tuple(items), cruise_speed_mps=spec.speed_mps)
    clearance = MissionClearance(frame, borders, spec.buffer_m)
    violations = clearance.check(mission)
    if violations:
        shown = "; ".join(str(v) for v in violations[:5])
        more = f" (and {len(violations) - 5} more)" if len(violations) > 5 else ""
        raise PatrolError(
            f"sector {sector.sector_id!r}: refused, the patrol at {spec.offset_m:g} m would "
            f"not keep {spec.buffer_m:g} m from the border: {shown}{more}"
        )
    return mission
