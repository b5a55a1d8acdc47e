"""``plan_cue``: "send drone" — a short mission to look at an incident from the home side.

The drone takes off at its launch point, flies to an **approach** waypoint inland of a
**loiter** point, points its camera at the incident (``DO_SET_ROI_LOCATION``), loiters
there for ``loiter_s`` seconds, releases the camera, flies back through the approach
waypoint and returns to launch. The loiter point is the incident itself when that is on
the home side at least ``buffer_m + margin_m + loiter_radius_m`` from every border;
otherwise the nearest point that is (searched on rings around the incident, every
``ring_step_m`` metres out to ``max_standoff_m``, 5° apart), so an incident across the
border is watched from the home side, never overflown. The approach waypoint lies
``approach_m`` further from the nearest border, so the drone arrives from inland.

Every candidate mission passes :class:`MissionClearance` against every border of the site
(no leg crosses a border, comes within ``buffer_m`` of one or ends on the far side)
before it is returned; when none does — the incident is beyond camera reach from the
home side, or the launch point is itself not clear — :class:`CueError` says why. Nothing
is uploaded here: the mission goes to the operator for confirmation
(:class:`~kordon.sensors.mavlink.mission_upload.MissionUploader`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.ops import substring

from kordon.domain.errors import KordonError
from kordon.geo.border import Border
from kordon.interop.missions.clearance import MissionClearance
from kordon.interop.missions.model import Command, Frame, Mission, MissionItem
from kordon.interop.missions.transit import home_side_curve

F64 = npt.NDArray[np.float64]
NAN = math.nan
_BEARINGS = np.radians(np.arange(0.0, 360.0, 5.0))
_MAX_TRIES = 40
_CORRIDOR_TRIES = 3
_CORRIDOR_OFFSETS = (300.0, 1_000.0)


class CueError(KordonError, ValueError):
    """No safe cue mission exists for this incident (or the options are bad)."""


@dataclass(frozen=True)
class CueSpec:
    """How to fly a cue: the border buffer, the margin kept beyond it, altitude (m above
    home), speed, loiter time and radius, approach distance and the farthest stand-off
    from the incident (the camera's useful reach)."""

    buffer_m: float = 100.0
    margin_m: float = 50.0
    altitude_m: float = 80.0
    speed_mps: float = 12.0
    loiter_s: float = 120.0
    loiter_radius_m: float = 30.0
    approach_m: float = 200.0
    max_standoff_m: float = 1_500.0
    ring_step_m: float = 25.0

    def check(self) -> None:
        values = (
            self.buffer_m,
            self.margin_m,
            self.altitude_m,
            self.speed_mps,
            self.loiter_s,
            self.loiter_radius_m,
            self.approach_m,
            self.max_standoff_m,
            self.ring_step_m,
        )
        if not all(math.isfinite(v) for v in values):
            raise CueError("cue options must be finite numbers")
        if min(self.buffer_m, self.margin_m, self.loiter_radius_m, self.approach_m) < 0:
            raise CueError("buffer, margin, loiter radius and approach must be >= 0 m")
        if not 0 < self.altitude_m <= 10_000:
            raise CueError(f"altitude {self.altitude_m:g} m is outside (0, 10000]")
        if not 0 < self.speed_mps <= 100:
            raise CueError(f"speed {self.speed_mps:g} m/s is outside (0, 100]")
        if not 0 < self.loiter_s <= 3_600:
            raise CueError(f"loiter time {self.loiter_s:g} s is outside (0, 3600]")
        if not (self.max_standoff_m > 0 and self.ring_step_m > 0):
            raise CueError("max_standoff_m and ring_step_m must be > 0")

    @property
    def keep_m(self) -> float:
        """How far from every border the loiter point stays."""
        return self.buffer_m + self.margin_m + self.loiter_radius_m


@dataclass(frozen=True)
class Cue:
    """A cue mission and where it looks from: the loiter and approach points (lat, lon),
    the stand-off from the incident (m) and whether the incident is across a border."""

    mission: Mission
    incident_latlon: tuple[float, float]
    loiter_latlon: tuple[float, float]
    approach_latlon: tuple[float, float]
    standoff_m: float
    incident_across: bool


def _item(command: Command, frame: Frame, params: tuple[float, ...]) -> MissionItem:
    p = (*params, *([0.0] * (7 - len(params))))
    return MissionItem(int(command), int(frame), (p[0], p[1], p[2], p[3], p[4], p[5], p[6]))


def _home_clearance(borders: list[Border], xy: F64) -> F64:
    """For (N, 2) points: the smallest distance to a border, negative when a point is on
    a border's far side."""
    out = np.full(xy.shape[0], np.inf)
    for border in borders:
        home = 1.0 if border.home_side == border.left_side else -1.0
        out = np.minimum(out, home * border.signed_distance_m(xy).distance_m)
    return out


def _mission(
    launch: tuple[float, float],
    outbound: list[tuple[float, float]],
    loiter: tuple[float, float],
    incident: tuple[float, float],
    spec: CueSpec,
) -> Mission:
    """Take off, fly ``outbound`` (lat, lon), loiter looking at the incident, fly
    ``outbound`` back in reverse, return to launch."""
    rel = Frame.GLOBAL_RELATIVE_ALT
    alt = spec.altitude_m

    def waypoint(p: tuple[float, float]) -> MissionItem:
        return _item(Command.NAV_WAYPOINT, rel, (0, 0, 0, NAN, p[0], p[1], alt))

    items = [
        _item(Command.NAV_TAKEOFF, rel, (0, 0, 0, NAN, launch[0], launch[1], alt)),
        _item(Command.DO_CHANGE_SPEED, Frame.MISSION, (1, spec.speed_mps, -1, 0)),
        *(waypoint(p) for p in outbound),
        _item(Command.DO_SET_ROI_LOCATION, rel, (0, 0, 0, 0, incident[0], incident[1], 0)),
        _item(
            Command.NAV_LOITER_TIME,
            rel,
            (spec.loiter_s, 0, spec.loiter_radius_m, NAN, loiter[0], loiter[1], alt),
        ),
        _item(Command.DO_SET_ROI_NONE, Frame.MISSION, ()),
        *(waypoint(p) for p in reversed(outbound)),
        _item(Command.NAV_RETURN_TO_LAUNCH, Frame.MISSION, ()),
    ]
    return Mission((launch[0], launch[1], 0.0), tuple(items), cruise_speed_mps=spec.speed_mps)


def _corridor(
    border: Border, start_xy: F64, end_xy: F64, offset_m: float, simplify_m: float = 50.0
) -> F64:
    """The border offset ``offset_m`` towards its home side, from the point nearest
    ``start_xy`` to the one nearest ``end_xy`` (simplified): a way along the home side."""
    curve = home_side_curve(border, offset_m)
    if curve is None:
        return np.zeros((0, 2))
    a = float(shapely.line_locate_point(curve, shapely.Point(start_xy)))
    b = float(shapely.line_locate_point(curve, shapely.Point(end_xy)))
    part = substring(curve, a, b)
    if not isinstance(part, shapely.LineString):
        return np.zeros((0, 2))
    part = shapely.simplify(part, simplify_m, preserve_topology=True)
    out: F64 = np.asarray(shapely.get_coordinates(part), dtype=np.float64)
    return out


def plan_cue(
    *,
    incident_lat: float,
    incident_lon: float,
    launch_lat: float,
    launch_lon: float,
    borders: list[Border],
    spec: CueSpec | None = None,
) -> Cue:
    """A cue mission to the incident from the launch point (see the module docstring),
    checked against every border in ``borders`` (all of the site's)."""
    spec = spec or CueSpec()
    spec.check()
    if not borders:
        raise CueError("a cue needs the site's borders")
    for name, lat, lon in (
        ("incident", incident_lat, incident_lon),
        ("launch point", launch_lat, launch_lon),
    ):
        if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
            raise CueError(f"the {name} {lat}, {lon} is not a WGS84 position")
    frame = borders[0].frame
    incident_xy = frame.lonlat_to_xy([(incident_lon, incident_lat)])[0]
    launch_xy = frame.lonlat_to_xy([(launch_lon, launch_lat)])[0]
    launch_clear = float(_home_clearance(borders, launch_xy[None])[0])
    if launch_clear < spec.buffer_m:
        where = "on the far side of" if launch_clear < 0 else f"{launch_clear:.0f} m from"
        raise CueError(
            f"the launch point is {where} a border (it must be on the home side, at least "
            f"{spec.buffer_m:g} m away)"
        )
    incident_clear = float(_home_clearance(borders, incident_xy[None])[0])
    radii = np.arange(0.0, spec.max_standoff_m + 1e-9, spec.ring_step_m)
    rings = [incident_xy[None]] + [
        incident_xy + r * np.stack([np.sin(_BEARINGS), np.cos(_BEARINGS)], axis=1)
        for r in radii[1:]
    ]
    candidates = np.concatenate(rings)
    standoff = np.concatenate([[0.0], np.repeat(radii[1:], len(_BEARINGS))])  # ring radii
    clear = _home_clearance(borders, candidates)
    ok = np.flatnonzero(clear >= spec.keep_m)
    if ok.shape[0] == 0:
        raise CueError(
            f"the incident is more than {spec.max_standoff_m:g} m from any point on the home "
            f"side {spec.keep_m:g} m clear of the border: out of reach"
        )
    to_launch = np.linalg.norm(candidates[ok] - launch_xy, axis=1)
    order = ok[np.lexsort((to_launch, standoff[ok]))]
    lines = [shapely.LineString(b.vertices_xy) for b in borders]
    clearance = MissionClearance(frame, borders, spec.buffer_m)
    incident = (incident_lat, incident_lon)
    launch = (launch_lat, launch_lon)

    def latlon(xy: F64) -> list[tuple[float, float]]:
        return [(float(lat), float(lon)) for lon, lat in frame.xy_to_lonlat(xy)]

    last_reason = ""
    tries = order[:_MAX_TRIES]
    # direct first (the shortest flight); then, for the nearest few loiter points, along
    # the home side of the border (a launch far along a winding border)
    plans = [(i, None) for i in tries] + [
        (i, k) for i in tries[:_CORRIDOR_TRIES] for k in _CORRIDOR_OFFSETS
    ]
    for index, corridor in plans:
        loiter_xy = candidates[index]
        point = shapely.Point(loiter_xy)
        b = min(range(len(borders)), key=lambda j: float(shapely.distance(point, lines[j])))
        foot = np.asarray(shapely.get_coordinates(shapely.shortest_line(lines[b], point)))[0]
        away = loiter_xy - foot
        approach_xy = loiter_xy + spec.approach_m * away / max(float(np.hypot(*away)), 1e-9)
        loiter = latlon(loiter_xy[None])[0]
        if corridor is None:
            routes = [[approach_xy], []] if spec.approach_m > 0 else [[]]
        else:
            offset = spec.keep_m + corridor
            way = _corridor(borders[b], launch_xy, approach_xy, offset)
            routes = [[*way, approach_xy]] if len(way) else []
        for route in routes:
            outbound = latlon(np.asarray(route).reshape(-1, 2))
            mission = _mission(launch, outbound, loiter, incident, spec)
            violations = clearance.check(mission)
            if not violations:
                return Cue(
                    mission=mission,
                    incident_latlon=incident,
                    loiter_latlon=loiter,
                    approach_latlon=outbound[-1] if outbound else loiter,
                    standoff_m=float(standoff[index]),
                    incident_across=incident_clear < 0,
                )
            last_reason = str(violations[0])
    raise CueError(
        "no cue mission from the launch point keeps clear of the border "
        f"(tried {len(tries)} loiter points; last: {last_reason})"
    )
