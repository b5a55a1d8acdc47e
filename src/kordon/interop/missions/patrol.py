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
import numpy.typing as npt
import shapely

from kordon.config.site import SiteConfig
from kordon.domain.errors import KordonError
from kordon.geo.border import Border
from kordon.geo.frame import LocalFrame
from kordon.geo.sectors import BorderStretchSector
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.missions.clearance import MissionClearance
from kordon.interop.missions.model import Command, Frame, Mission, MissionItem
from kordon.interop.missions.transit import home_clearance_m, home_side_route

F64 = npt.NDArray[np.float64]
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


def _waypoint(lat: float, lon: float, spec: PatrolSpec) -> MissionItem:
    return _item(
        Command.NAV_WAYPOINT, Frame.GLOBAL_RELATIVE_ALT, (0, 0, 0, NAN, lat, lon, spec.altitude_m)
    )


def _refuse(clearance: MissionClearance, mission: Mission, what: str) -> None:
    violations = clearance.check(mission)
    if violations:
        shown = "; ".join(str(v) for v in violations[:5])
        more = f" (and {len(violations) - 5} more)" if len(violations) > 5 else ""
        raise PatrolError(f"{what}: {shown}{more}")


def _check_point(
    frame: LocalFrame, borders: list[Border], spec: PatrolSpec, name: str, pos: tuple[float, float]
) -> F64:
    """``name`` (the drone, its home) in the site frame, refused when it is not a WGS84
    position on the home side at least ``buffer_m`` from every border."""
    lat, lon = pos
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        raise PatrolError(f"the {name} {lat}, {lon} is not a WGS84 position")
    xy = frame.lonlat_to_xy([(lon, lat)])
    clear = float(home_clearance_m(borders, xy)[0])
    if clear < spec.buffer_m:
        where = "on the far side of" if clear < 0 else f"{clear:.0f} m from"
        raise PatrolError(
            f"the {name} is {where} the border: a patrol is flown from the home side, at "
            f"least {spec.buffer_m:g} m from every border"
        )
    out: F64 = xy[0]
    return out


def plan_patrol(
    sector: BorderStretchSector,
    borders: list[Border],
    spec: PatrolSpec,
    *,
    launch_latlon: tuple[float, float] | None = None,
    home_latlon: tuple[float, float] | None = None,
) -> Mission:
    """A patrol along ``sector``, checked against every border in ``borders`` (all of the
    site's); raises :class:`PatrolError` rather than return a mission that is not clear.

    Without ``launch_latlon`` the mission starts and ends at the patrol's first waypoint
    (the sector's mission, as exported). With it (where the drone is, the mission's home),
    the drone takes off where it is (latitude and longitude 0, the MAVLink convention),
    flies a **transit** on the home side to the patrol
    (:func:`~kordon.interop.missions.transit.home_side_route`), flies the patrol, then a
    **return** on the home side to ``home_latlon`` (its home; the launch point when
    unknown) and lands there (``NAV_LAND`` at that position rather than a return to
    launch: every leg the vehicle flies is then in the mission, and the flight path of the
    mission, from its home, is the path flown)."""
    spec.check()
    route = _route_xy(sector, spec)
    border = sector.border
    frame = border.frame
    lonlat = frame.xy_to_lonlat(route)
    line = shapely.LineString(border.vertices_xy)
    along = shapely.line_locate_point(line, shapely.points(route))
    roi = frame.xy_to_lonlat(border.point_at_along(along))
    out_and_back = list(range(len(route))) + list(range(len(route) - 2, -1, -1))
    patrol_items: list[MissionItem] = []
    for i in out_and_back:
        patrol_items.append(
            _item(
                Command.DO_SET_ROI_LOCATION,
                Frame.GLOBAL_RELATIVE_ALT,
                (0, 0, 0, 0, float(roi[i, 1]), float(roi[i, 0]), 0),
            )
        )
        patrol_items.append(_waypoint(float(lonlat[i, 1]), float(lonlat[i, 0]), spec))
    patrol_items.append(_item(Command.DO_SET_ROI_NONE, Frame.MISSION, ()))
    speed = _item(Command.DO_CHANGE_SPEED, Frame.MISSION, (1, spec.speed_mps, -1, 0))
    rtl = _item(Command.NAV_RETURN_TO_LAUNCH, Frame.MISSION, ())
    start = (float(lonlat[0, 1]), float(lonlat[0, 0]))
    clearance = MissionClearance(frame, borders, spec.buffer_m)

    def takeoff(at: tuple[float, float]) -> MissionItem:
        return _item(
            Command.NAV_TAKEOFF,
            Frame.GLOBAL_RELATIVE_ALT,
            (0, 0, 0, NAN, at[0], at[1], spec.altitude_m),
        )

    patrol = Mission(
        (*start, 0.0), (takeoff(start), speed, *patrol_items, rtl), cruise_speed_mps=spec.speed_mps
    )
    _refuse(
        clearance,
        patrol,
        f"sector {sector.sector_id!r}: refused, the patrol at {spec.offset_m:g} m would "
        f"not keep {spec.buffer_m:g} m from the border",
    )
    if launch_latlon is None:
        return patrol
    home = home_latlon if home_latlon is not None else launch_latlon
    launch_xy = _check_point(frame, borders, spec, "drone", launch_latlon)
    home_xy = _check_point(frame, borders, spec, "drone's home", home)
    # plan the ways a quarter of the room between the buffer and the patrol line clear
    keep_m = spec.buffer_m + 0.25 * (spec.offset_m - spec.buffer_m)

    def way(a: F64, b: F64) -> list[MissionItem]:
        xy = home_side_route(a, b, borders, along=border, offset_m=spec.offset_m, keep_m=keep_m)
        return [_waypoint(float(lat), float(lon), spec) for lon, lat in frame.xy_to_lonlat(xy)]

    transit = way(launch_xy, route[0])
    back = way(route[0], home_xy)  # the patrol is flown out and back: it ends at its start
    land = _item(Command.NAV_LAND, Frame.GLOBAL_RELATIVE_ALT, (0, 0, 0, NAN, *home, 0))
    mission = Mission(
        (launch_latlon[0], launch_latlon[1], 0.0),
        (
            takeoff((0.0, 0.0)),  # where the drone is when it flies the mission
            speed,
            *transit,
            *patrol_items,
            *back,
            _waypoint(*home, spec),
            land,
        ),
        cruise_speed_mps=spec.speed_mps,
    )
    _refuse(
        clearance,
        mission,
        f"sector {sector.sector_id!r}: refused, no way from the drone to the patrol and back "
        f"home keeps {spec.buffer_m:g} m from the border",
    )
    return mission
