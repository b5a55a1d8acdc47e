"""``FlightPlan``: where a simulated vehicle is on its route at a time, and the route it
flies for an uploaded mission.

A route is a list of :class:`Waypoint` (WGS84 degrees, metres above home). The vehicle
starts at the first at ``t = 0``, flies straight legs at ``speed_mps`` in the route's local
metric plane, waits ``hold_s`` at a waypoint that has one (a loiter: the copter hovers
there) and hovers at the last waypoint once done. :func:`flown_route` turns a received
mission into the route an autopilot in AUTO would fly from where the vehicle is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kordon.geo.frame import LocalFrame
from kordon.interop.missions.model import Command, Frame, Mission


@dataclass(frozen=True, slots=True)
class Waypoint:
    """A point of the route: WGS84 degrees, ``alt_m`` above home, ``hold_s`` spent there."""

    lat: float
    lon: float
    alt_m: float
    hold_s: float = 0.0


@dataclass(frozen=True, slots=True)
class PlanPoint:
    """The vehicle on its plan: position, altitude above home, heading of the leg it flies
    (or last flew), whether it is moving, and that leg's index."""

    lat: float
    lon: float
    relative_alt_m: float
    heading_deg: float
    moving: bool
    leg: int


class FlightPlan:
    """Straight legs at ``speed_mps`` with holds (see the module docstring)."""

    def __init__(self, route: Sequence[Waypoint], speed_mps: float) -> None:
        if len(route) < 2:
            raise ValueError("a route needs at least two waypoints")
        if not speed_mps > 0:
            raise ValueError("speed_mps must be > 0")
        holds = np.array([max(w.hold_s, 0.0) for w in route], dtype=np.float64)
        if not np.all(np.isfinite(holds)):
            raise ValueError("hold times must be finite")
        self.route = tuple(route)
        self.speed_mps = speed_mps
        self._frame = LocalFrame(route[0].lat, route[0].lon)
        xy = self._frame.lonlat_to_xy([(w.lon, w.lat) for w in route])
        self._xyz = np.column_stack([xy, [w.alt_m for w in route]])
        self._leg_m = np.linalg.norm(np.diff(self._xyz, axis=0), axis=1)
        flat = np.linalg.norm(np.diff(self._xyz[:, :2], axis=0), axis=1)
        self._headings = (
            np.degrees(np.arctan2(np.diff(self._xyz[:, 0]), np.diff(self._xyz[:, 1]))) % 360.0
        )
        # a vertical or zero leg has no direction of its own: the next leg's, else the last
        steered = np.flatnonzero(flat > 1e-6)
        for i in range(len(flat)):
            if flat[i] <= 1e-6 and len(steered):
                after = steered[steered > i]
                self._headings[i] = self._headings[after[0] if len(after) else steered[-1]]
        legs_s = self._leg_m / speed_mps
        self._arrive = np.zeros(len(route))
        self._depart = np.zeros(len(route))
        self._depart[0] = holds[0]
        for i, leg_s in enumerate(legs_s):
            self._arrive[i + 1] = self._depart[i] + leg_s
            self._depart[i + 1] = self._arrive[i + 1] + holds[i + 1]

    @property
    def duration_s(self) -> float:
        """Time to fly the whole route, holds included."""
        return float(self._depart[-1])

    def at(self, flight_s: float) -> PlanPoint:
        """Where the vehicle is ``flight_s`` seconds after starting the plan."""
        t = max(flight_s, 0.0)
        last = len(self._xyz) - 1
        k = int(np.searchsorted(self._arrive, t, side="right")) - 1  # last waypoint reached
        if k >= last:
            return self._point(self._xyz[last], last - 1, moving=False)
        if t < self._depart[k]:
            return self._point(self._xyz[k], max(k - 1, 0) if k else 0, moving=False)
        length = float(self._leg_m[k])
        f = 0.0 if length == 0 else min(1.0, (t - float(self._depart[k])) * self.speed_mps / length)
        a, b = self._xyz[k], self._xyz[k + 1]
        return self._point(a + f * (b - a), k, moving=True)

    def _point(self, p: np.ndarray, leg: int, *, moving: bool) -> PlanPoint:
        lonlat = self._frame.xy_to_lonlat([p[:2]])[0]
        return PlanPoint(
            lat=float(lonlat[1]),
            lon=float(lonlat[0]),
            relative_alt_m=float(p[2]),
            heading_deg=float(self._headings[leg]) % 360.0,  # -0.0 % 360 is 360.0
            moving=moving,
            leg=leg,
        )


def mission_speed_mps(mission: Mission, default_mps: float) -> float:
    """The ground speed a mission sets (its first ``DO_CHANGE_SPEED``), else ``default_mps``."""
    for item in mission.items:
        speed = item.params[1]
        if item.command == Command.DO_CHANGE_SPEED and math.isfinite(speed) and speed > 0:
            return float(speed)
    return default_mps


def flown_route(mission: Mission, *, start: Waypoint, home: Waypoint) -> list[Waypoint]:
    """The route an autopilot flies for ``mission`` from ``start`` (where the vehicle is):
    each navigation item's position (altitudes above home; an unset altitude keeps the
    previous one), a ``NAV_LOITER_TIME`` held for its time, and a return to launch back
    to ``home`` at the altitude it flew. ``mission.home`` (item 0) is not flown to: an
    autopilot keeps its own home."""
    route = [Waypoint(start.lat, start.lon, start.alt_m)]
    for item in mission.items:
        if item.command == Command.NAV_RETURN_TO_LAUNCH:
            route.append(Waypoint(home.lat, home.lon, route[-1].alt_m))
            continue
        if not item.has_position:
            continue
        alt = item.alt_m if math.isfinite(item.alt_m) else route[-1].alt_m
        if item.frame == Frame.GLOBAL:
            alt -= mission.home[2]
        hold = item.params[0] if item.command == Command.NAV_LOITER_TIME else 0.0
        route.append(Waypoint(item.lat, item.lon, alt, hold if math.isfinite(hold) else 0.0))
    if len(route) < 2:
        route.append(route[0])
    return route
