"""A simulated MAVLink drone: flies waypoints at a set speed and streams MAVLink 2 telemetry.

The kinematics are exact and time is an argument (:meth:`SimulatedDrone.pose_at`), so tests
know the truth: the vehicle starts at the first waypoint at ``t = 0`` and flies straight legs
at ``speed_mps`` (in the site's local metric plane; :class:`~kordon.sim.flight_plan.FlightPlan`,
holding ``hold_s`` at a waypoint that has one), then hovers at the last one. The battery
falls linearly. :meth:`SimulatedDrone.frames_at` encodes what an autopilot would send at
that time (``kordon.sim.drone_telemetry``). An uploaded mission replaces the route from
where the vehicle is (:meth:`SimulatedDrone.fly`). The gimbal holds its pitch and either
follows the heading or locks onto a bearing (``gimbal_yaw_deg``: a patrol camera kept on
the border).

Sending it over UDP is ``kordon.sim.drone_radio``; running it in the demo node, answering
mission uploads on the same link, is ``kordon.sim.drone_service`` (its camera is rendered
by ``kordon.sim.drone_camera``); the vehicle's side of a mission upload is
``kordon.sim.mission_receiver``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kordon.geo.frame import LocalFrame
from kordon.interop.missions.model import Frame, Mission
from kordon.sim.drone_telemetry import DroneTelemetry
from kordon.sim.flight_plan import FlightPlan, Waypoint, flown_route, mission_speed_mps


@dataclass(frozen=True, slots=True)
class SimPose:
    """The simulated vehicle's truth at a time."""

    time_s: float
    lat: float
    lon: float
    alt_m: float
    """Above mean sea level."""
    relative_alt_m: float
    heading_deg: float
    speed_mps: float
    battery_pct: float
    leg: int


def waypoints_of(mission: Mission) -> list[Waypoint]:
    """The navigation points of ``mission`` (altitudes above home), home first."""
    home = Waypoint(mission.home[0], mission.home[1], 0.0)
    points = [home]
    for item in mission.items:
        if item.has_position:
            alt = item.alt_m if math.isfinite(item.alt_m) else points[-1].alt_m
            if item.frame == Frame.GLOBAL:
                alt -= mission.home[2]
            points.append(Waypoint(item.lat, item.lon, alt))
    return points


def mission_duration_s(route: Sequence[Waypoint], speed_mps: float) -> float:
    """How long flying ``route`` takes at ``speed_mps`` (straight legs, in 3-D)."""
    if len(route) < 2 or not speed_mps > 0:
        return 0.0
    frame = LocalFrame(route[0].lat, route[0].lon)
    xy = frame.lonlat_to_xy([(w.lon, w.lat) for w in route])
    xyz = np.column_stack([xy, [w.alt_m for w in route]])
    return float(np.linalg.norm(np.diff(xyz, axis=0), axis=1).sum()) / speed_mps


class SimulatedDrone:
    """A vehicle flying ``route`` from ``t = 0`` (see the module docstring)."""

    def __init__(
        self,
        route: Sequence[Waypoint],
        *,
        home_alt_m: float,
        speed_mps: float,
        system_id: int = 1,
        hfov_deg: float = 60.0,
        vfov_deg: float = 34.0,
        gimbal_pitch_deg: float = -90.0,
        gimbal_yaw_deg: float | None = None,
        battery_drain_pct_per_s: float = 0.05,
        repeat_after_s: float | None = None,
    ) -> None:
        if len(route) < 2:
            raise ValueError("a route needs at least two waypoints")
        if not speed_mps > 0 or not 1 <= system_id <= 255:
            raise ValueError("speed_mps must be > 0 and system_id in 1..255")
        self.route = tuple(route)
        self.home_alt_m = home_alt_m
        self.speed_mps = speed_mps
        self.system_id = system_id
        self.hfov_deg = hfov_deg
        self.vfov_deg = vfov_deg
        self.gimbal_pitch_deg = gimbal_pitch_deg
        self.gimbal_yaw_deg = None if gimbal_yaw_deg is None else gimbal_yaw_deg % 360.0
        """The camera's bearing (clockwise from north) when its gimbal holds one (yaw lock,
        reported in the earth frame); ``None``: it looks where the vehicle heads."""
        self.drain = battery_drain_pct_per_s
        self.repeat_after_s = repeat_after_s
        """When set, the flight starts again every so many seconds (the vehicle's clock and
        battery run on)."""
        self.home = Waypoint(route[0].lat, route[0].lon, 0.0)
        """Where it took off (sent as HOME_POSITION; a return to launch comes back here)."""
        self._plan = FlightPlan(route, speed_mps)
        self._uploaded: tuple[float, FlightPlan] | None = None
        self._telemetry = DroneTelemetry(system_id)

    @property
    def duration_s(self) -> float:
        """Time to fly the whole (first) route."""
        return self._plan.duration_s

    @property
    def flying(self) -> FlightPlan:
        """The plan flown now: the last uploaded mission's, else the first route."""
        uploaded = self._uploaded
        return uploaded[1] if uploaded is not None else self._plan

    def fly(self, mission: Mission, *, from_s: float) -> FlightPlan:
        """From ``from_s`` on, fly ``mission`` once from where the vehicle is then (an
        upload replaces the route; the clock and battery run on, no repeat)."""
        pose = self.pose_at(from_s)
        start = Waypoint(pose.lat, pose.lon, pose.relative_alt_m)
        plan = FlightPlan(
            flown_route(mission, start=start, home=self.home),
            mission_speed_mps(mission, self.speed_mps),
        )
        self._uploaded = (from_s, plan)
        return plan

    def pose_at(self, time_s: float) -> SimPose:
        """The truth at ``time_s`` seconds after the start."""
        plan, flight_s = self._plan, time_s
        uploaded = self._uploaded
        if uploaded is not None and time_s >= uploaded[0]:
            plan, flight_s = uploaded[1], time_s - uploaded[0]
        elif self.repeat_after_s is not None and self.repeat_after_s > 0:
            flight_s = time_s % self.repeat_after_s
        point = plan.at(flight_s)
        return SimPose(
            time_s=time_s,
            lat=point.lat,
            lon=point.lon,
            alt_m=self.home_alt_m + point.relative_alt_m,
            relative_alt_m=point.relative_alt_m,
            heading_deg=point.heading_deg,
            speed_mps=plan.speed_mps if point.moving else 0.0,
            battery_pct=max(0.0, 100.0 - self.drain * max(time_s, 0.0)),
            leg=point.leg,
        )

    def camera_at(self, time_s: float) -> tuple[float, float, float]:
        """The camera's (yaw, pitch, roll) in degrees at ``time_s``, as the vehicle reports
        it: a stabilised gimbal (no roll), its yaw locked to a bearing or the heading."""
        yaw = self.gimbal_yaw_deg
        if yaw is None:
            yaw = self.pose_at(time_s).heading_deg
        return yaw, self.gimbal_pitch_deg, 0.0

    def frames_at(self, time_s: float) -> list[bytes]:
        """The MAVLink 2 frames the vehicle sends at ``time_s`` (see the module docstring)."""
        return self._telemetry.frames(
            time_s,
            self.pose_at(time_s),
            home=self.home,
            home_alt_m=self.home_alt_m,
            gimbal_pitch_deg=self.gimbal_pitch_deg,
            gimbal_yaw_deg=self.gimbal_yaw_deg,
            hfov_deg=self.hfov_deg,
            vfov_deg=self.vfov_deg,
        )
