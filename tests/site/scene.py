"""A site-picture test scene on the real Volyn border: world cameras near km 10, people
with exact paths, and their scans (every frame of every camera, empty or not)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kordon.domain.observations import Observations
from kordon.domain.scan import SensorScan
from kordon.geo.site_geometry import SiteGeometry
from kordon.sim.trajectory import Trajectory, Waypoint
from kordon.sim.world import Actor, WorldCamera, WorldScenario, simulate

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BorderFrame:
    """The border at one km post: its point, unit tangent and unit normal to home."""

    point: F64
    tangent: F64
    home: F64

    def at(self, along_m: float, home_m: float) -> tuple[float, float]:
        p = self.point + along_m * self.tangent + home_m * self.home
        return float(p[0]), float(p[1])

    def heading_deg(self, vector: F64) -> float:
        return math.degrees(math.atan2(float(vector[0]), float(vector[1]))) % 360.0


def border_frame(geometry: SiteGeometry, km: float) -> BorderFrame:
    border = geometry.borders["ua-by"]
    a, b = border.point_at_km(np.array([km - 0.01, km + 0.01]))
    t = (b - a) / np.linalg.norm(b - a)
    left = np.array([-t[1], t[0]])
    home = left if border.home_side == border.left_side else -left
    return BorderFrame(border.point_at_km(np.array([km]))[0], t, home)


def two_overlapping_cameras(frame: BorderFrame, **kwargs: float) -> tuple[WorldCamera, ...]:
    """Two towers 60 m inside, 70 m apart along the border, both looking across it; their
    views overlap over the middle 30 m or so."""
    out = []
    for name, along in (("cam-a", -35.0), ("cam-b", 35.0)):
        east, north = frame.at(along, 60.0)
        out.append(
            WorldCamera(
                sensor_id=name,
                east_m=east,
                north_m=north,
                heading_deg=frame.heading_deg(-frame.home),
                fov_deg=70.0,
                max_range_m=120.0,
                rate_hz=5.0,
                phase_s=0.05 if name == "cam-a" else 0.12,
                clutter_per_frame=0.0,
                **kwargs,
            )
        )
    return tuple(out)


def walk(actor_id: int, points: list[tuple[float, float]], speed: float, start_s: float) -> Actor:
    return Actor(actor_id, Trajectory([Waypoint(x, y, speed) for x, y in points], start_s=start_s))


def scans_of(scenario: WorldScenario, seed: int = 0) -> list[tuple[float, SensorScan]]:
    """Every frame of every camera as a scan, with its arrival time, in arrival order."""
    sim = simulate(scenario, seed)
    obs = sim.observations
    out: list[tuple[float, SensorScan]] = []
    for cam in scenario.cameras:
        frames = np.arange(cam.phase_s, scenario.duration_s, 1.0 / cam.rate_hz)
        mine = obs.sensor_id == cam.sensor_id
        for t in frames + scenario.start_s:
            rows = mine & (np.abs(obs.time_s - t) < 1e-3)
            batch = obs[rows] if rows.any() else Observations.empty()
            out.append((float(t) + cam.latency_s, SensorScan(cam.sensor_id, float(t), batch)))
    out.sort(key=lambda item: item[0])
    return out
