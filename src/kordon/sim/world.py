"""World-space multi-sensor scenarios with exact ground truth, for the site tracker.

People (or vehicles) follow :class:`~kordon.sim.trajectory.Trajectory` paths in the site's
local frame (metres). Each camera is modelled as a position sensor over a ground-plane
sector (apex, heading, field of view, range) at its own frame rate and phase: an object
inside the sector is detected with some probability, its position perturbed by Gaussian
noise that grows with range (deeper along the line of sight than across it, as a
pixel-to-ground projection does) and reported with that very covariance. Each camera
gives its own local track ids (a new one at every re-entry), adds clutter, and delivers
each frame after a latency with jitter, so frames of different cameras arrive out of
order. Truth (object id and exact position) is kept for every observation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kordon.domain.observations import Observations
from kordon.sim.errors import SimulationError
from kordon.sim.trajectory import Trajectory, Waypoint

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class WorldCamera:
    """A camera seen as a position sensor over a ground sector.

    ``heading_deg`` is the compass direction of the optical axis (0 = north, 90 = east);
    ``fov_deg`` the sector's full angle; objects from ``min_range_m`` to ``max_range_m``
    are visible. Position noise along the line of sight is ``sigma_floor_m +
    sigma_per_m · range``; across it, ``cross_ratio`` times that.
    """

    sensor_id: str
    east_m: float
    north_m: float
    heading_deg: float
    fov_deg: float = 70.0
    max_range_m: float = 60.0
    min_range_m: float = 2.0
    rate_hz: float = 10.0
    phase_s: float = 0.0
    sigma_floor_m: float = 0.2
    sigma_per_m: float = 0.01
    cross_ratio: float = 0.5
    detection_probability: float = 0.95
    clutter_per_frame: float = 0.02
    latency_s: float = 0.05
    latency_jitter_s: float = 0.05

    def __post_init__(self) -> None:
        checks = {
            "fov_deg": 0 < self.fov_deg <= 360,
            "max_range_m": self.max_range_m > self.min_range_m >= 0,
            "rate_hz": self.rate_hz > 0,
            "sigma_floor_m": self.sigma_floor_m > 0,
            "sigma_per_m": self.sigma_per_m >= 0,
            "cross_ratio": self.cross_ratio > 0,
            "detection_probability": 0 <= self.detection_probability <= 1,
            "clutter_per_frame": self.clutter_per_frame >= 0,
            "latency_s": self.latency_s >= 0 and self.latency_jitter_s >= 0,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise SimulationError(f"camera {self.sensor_id!r}: invalid {', '.join(bad)}")

    def sees(self, xy: F64) -> npt.NDArray[np.bool_]:
        """Which points (N, 2) lie inside the sector."""
        d = xy - np.array([self.east_m, self.north_m])
        rng = np.hypot(d[:, 0], d[:, 1])
        bearing = np.degrees(np.arctan2(d[:, 0], d[:, 1]))
        off = (bearing - self.heading_deg + 180.0) % 360.0 - 180.0
        return np.asarray(
            (rng >= self.min_range_m)
            & (rng <= self.max_range_m)
            & (np.abs(off) <= self.fov_deg / 2.0)
        )

    def covariance(self, xy: F64) -> F64:
        """(N, 2, 2) position error covariance at each point (range-dependent, rotated)."""
        d = xy - np.array([self.east_m, self.north_m])
        rng = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-6)
        u = d / rng[:, None]  # unit line of sight
        v = np.stack([-u[:, 1], u[:, 0]], axis=1)
        s_along = self.sigma_floor_m + self.sigma_per_m * rng
        s_across = self.cross_ratio * s_along
        return np.asarray(
            (s_along**2)[:, None, None] * (u[:, :, None] * u[:, None, :])
            + (s_across**2)[:, None, None] * (v[:, :, None] * v[:, None, :])
        )

    def sample_in_view(self, rng: np.random.Generator, n: int) -> F64:
        """``n`` points uniform over the sector's area (for clutter)."""
        r = np.sqrt(rng.uniform(self.min_range_m**2, self.max_range_m**2, n))
        half = math.radians(self.fov_deg / 2.0)
        bearing = math.radians(self.heading_deg) + rng.uniform(-half, half, n)
        return np.stack(
            [self.east_m + r * np.sin(bearing), self.north_m + r * np.cos(bearing)], axis=1
        )


@dataclass(frozen=True, slots=True)
class Actor:
    """One real object with an exact path; ``actor_id`` is its truth id (>= 0)."""

    actor_id: int
    trajectory: Trajectory
    class_name: str = "person"

    def knots(self) -> tuple[F64, F64]:
        """Times (K,) and positions (K, 2) between which motion is linear."""
        legs = self.trajectory.legs
        t = [legs[0].t0_s, *(leg.t1_s for leg in legs)]
        xy = [legs[0].start_xy, *(leg.end_xy for leg in legs)]
        return np.asarray(t, np.float64), np.asarray(xy, np.float64)

    def positions(self, time_s: F64) -> tuple[F64, npt.NDArray[np.bool_]]:
        """Exact positions (N, 2) at ``time_s`` (N,) and whether the actor exists then."""
        kt, kxy = self.knots()
        xy = np.stack([np.interp(time_s, kt, kxy[:, 0]), np.interp(time_s, kt, kxy[:, 1])], 1)
        return xy, (time_s >= kt[0]) & (time_s <= kt[-1])


@dataclass(frozen=True, slots=True)
class WorldScenario:
    """Cameras and actors over ``duration_s`` seconds from ``start_s`` (POSIX seconds)."""

    cameras: tuple[WorldCamera, ...]
    actors: tuple[Actor, ...]
    duration_s: float
    start_s: float = 1_700_000_000.0

    def __post_init__(self) -> None:
        ids = [c.sensor_id for c in self.cameras]
        if len(set(ids)) != len(ids):
            raise SimulationError(f"duplicate camera ids in {ids}")
        actor_ids = [a.actor_id for a in self.actors]
        if len(set(actor_ids)) != len(actor_ids) or any(i < 0 for i in actor_ids):
            raise SimulationError("actor ids must be unique and >= 0")
        if not self.duration_s > 0:
            raise SimulationError(f"duration_s must be > 0, got {self.duration_s}")

    def truth_at(self, offset_s: float) -> tuple[I64, F64]:
        """Ids and exact positions of the actors that exist at ``offset_s``."""
        ids: list[int] = []
        xy: list[F64] = []
        t = np.array([offset_s])
        for actor in self.actors:
            p, alive = actor.positions(t)
            if alive[0]:
                ids.append(actor.actor_id)
                xy.append(p[0])
        if not ids:
            return np.zeros(0, np.int64), np.zeros((0, 2))
        return np.asarray(ids, np.int64), np.asarray(xy)

    def visible_truth_at(self, offset_s: float) -> tuple[I64, F64]:
        """Like :meth:`truth_at`, only actors inside at least one camera's view."""
        ids, xy = self.truth_at(offset_s)
        if ids.size == 0:
            return ids, xy
        seen = np.zeros(ids.size, np.bool_)
        for cam in self.cameras:
            seen |= cam.sees(xy)
        return ids[seen], xy[seen]


@dataclass(frozen=True, slots=True)
class SimulatedObservations:
    """Observations sorted by ``arrival_s`` (POSIX seconds of delivery), with truth:
    ``truth_id`` (-1 for clutter) and the exact ``truth_xy`` behind each one."""

    observations: Observations
    arrival_s: F64
    truth_id: I64
    truth_xy: F64


def simulate(scenario: WorldScenario, seed: int = 0) -> SimulatedObservations:
    """Every camera frame of the scenario as observations, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    parts: list[tuple[Observations, F64, I64, F64]] = []
    for cam in scenario.cameras:
        frames = np.arange(cam.phase_s, scenario.duration_s, 1.0 / cam.rate_hz)
        parts.append(_camera_frames(cam, scenario, frames, rng))
    obs = Observations.concatenate([p[0] for p in parts])
    arrival = np.concatenate([p[1] for p in parts])
    truth_id = np.concatenate([p[2] for p in parts])
    truth_xy = np.concatenate([p[3] for p in parts])
    order = np.argsort(arrival, kind="stable")
    return SimulatedObservations(obs[order], arrival[order], truth_id[order], truth_xy[order])


def _camera_frames(
    cam: WorldCamera, scenario: WorldScenario, frames: F64, rng: np.random.Generator
) -> tuple[Observations, F64, I64, F64]:
    times: list[F64] = []
    xys: list[F64] = []
    ids: list[I64] = []
    local: list[npt.NDArray[np.str_]] = []
    classes: list[str] = []
    next_local = 0
    for actor in scenario.actors:
        xy, alive = actor.positions(frames)
        inside = alive & cam.sees(xy)
        if not inside.any():
            continue
        # A new local id at every entry into the view (runs of consecutive frames).
        entry = inside & ~np.concatenate([[False], inside[:-1]])
        visit = np.cumsum(entry) - 1 + next_local
        next_local += int(entry.sum())
        detected = inside & (rng.random(frames.shape[0]) < cam.detection_probability)
        times.append(frames[detected])
        xys.append(xy[detected])
        ids.append(np.full(int(detected.sum()), actor.actor_id, np.int64))
        local.append(np.char.add(f"{cam.sensor_id}/", visit[detected].astype(str)))
        classes.extend([actor.class_name] * int(detected.sum()))
    n_clutter = np.asarray(rng.poisson(cam.clutter_per_frame, frames.shape[0]), np.int64)
    total_clutter = int(n_clutter.sum())
    if total_clutter:
        times.append(np.repeat(frames, n_clutter))
        xys.append(cam.sample_in_view(rng, total_clutter))
        ids.append(np.full(total_clutter, -1, np.int64))
        local.append(np.char.add(f"{cam.sensor_id}/c", np.arange(total_clutter).astype(str)))
        classes.extend(["person"] * total_clutter)
    if not times:
        empty = Observations.empty()
        return empty, np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 2))
    t = np.concatenate(times) + scenario.start_s
    truth_xy = np.concatenate(xys)
    cov = cam.covariance(truth_xy)
    noise = np.einsum("nij,nj->ni", np.linalg.cholesky(cov), rng.standard_normal(truth_xy.shape))
    conf = np.clip(rng.normal(0.8, 0.1, t.shape[0]), 0.3, 1.0)
    # One latency per frame: every observation of a frame arrives together.
    frame_latency = np.asarray(
        cam.latency_s + rng.uniform(0.0, cam.latency_jitter_s, frames.shape[0]), np.float64
    )
    frame_index = np.clip(
        np.rint((t - scenario.start_s - cam.phase_s) * cam.rate_hz).astype(np.int64),
        0,
        frames.shape[0] - 1,
    )
    obs = Observations.from_arrays(
        time_s=t,
        sensor_id=cam.sensor_id,
        east_north_m=truth_xy + noise,
        cov_m2=cov,
        class_name=np.asarray(classes, np.str_),
        confidence=conf,
        local_id=np.concatenate(local),
    )
    return obs, t + frame_latency[frame_index], np.concatenate(ids), truth_xy


# -- scenario builders ---------------------------------------------------------------


def _walk(
    actor_id: int, points: Sequence[tuple[float, float]], speed: float, start_s: float
) -> Actor:
    return Actor(actor_id, Trajectory([Waypoint(x, y, speed) for x, y in points], start_s=start_s))


def corridor_cameras(
    n: int, spacing_m: float = 50.0, overlap: bool = True
) -> tuple[WorldCamera, ...]:
    """``n`` cameras along the east axis looking north over a corridor, each at its own
    phase; with ``overlap`` neighbouring views overlap, otherwise they only touch."""
    reach = 60.0 if overlap else 45.0
    return tuple(
        WorldCamera(
            sensor_id=f"cam-{i + 1}",
            east_m=i * spacing_m,
            north_m=0.0,
            heading_deg=0.0,
            fov_deg=90.0,
            max_range_m=reach,
            rate_hz=10.0,
            phase_s=0.013 * (i + 1),
        )
        for i in range(n)
    )


def handover_walks(
    n_walkers: int = 6, n_cameras: int = 3, duration_s: float = 110.0
) -> WorldScenario:
    """People walking the length of a corridor of cameras (overlapping and adjacent
    views), both ways, at different depths and starts: every walk is a chain of handovers."""
    cameras = corridor_cameras(n_cameras)
    east_end = (n_cameras - 1) * 50.0 + 20.0
    actors = []
    for i in range(n_walkers):
        north = 25.0 + 5.0 * (i % 5)
        forward = i % 2 == 0
        path = (
            [(-20.0, north), (east_end, north)] if forward else [(east_end, north), (-20.0, north)]
        )
        actors.append(_walk(i, path, 1.3 + 0.1 * (i % 3), start_s=2.0 * i))
    return WorldScenario(cameras, tuple(actors), duration_s)


def crossing_and_groups(duration_s: float = 40.0) -> WorldScenario:
    """Two overlapping cameras; two people crossing each other's paths, a pair walking
    along together, and a group of three that walks together, then splits three ways."""
    cameras = corridor_cameras(2)
    actors = [
        _walk(0, [(-10.0, 25.0), (60.0, 50.0)], 1.4, 0.0),
        _walk(1, [(-10.0, 50.0), (60.0, 25.0)], 1.4, 0.0),
        _walk(2, [(-15.0, 35.0), (70.0, 35.0)], 1.2, 3.0),
        _walk(3, [(-15.0, 37.0), (70.0, 37.0)], 1.2, 3.0),
    ]
    start = (0.0, 42.0)
    split = (25.0, 42.0)
    for k, end in enumerate([(60.0, 55.0), (65.0, 42.0), (55.0, 26.0)]):
        offset = (0.0, 1.2 * (k - 1))
        s = (start[0] + offset[0], start[1] + offset[1])
        m = (split[0] + offset[0], split[1] + offset[1])
        actors.append(_walk(4 + k, [s, m, end], 1.3, 1.0))
    return WorldScenario(cameras, tuple(actors), duration_s)


def dense_site(
    n_actors: int,
    *,
    grid: int = 5,
    spacing_m: float = 80.0,
    duration_s: float = 20.0,
    seed: int = 0,
) -> WorldScenario:
    """A ``grid × grid`` field of cameras (each looking north) and ``n_actors`` people
    walking straight lines in random directions through it (for load tests)."""
    rng = np.random.default_rng(seed)
    cameras = tuple(
        WorldCamera(
            sensor_id=f"cam-{r}-{c}",
            east_m=c * spacing_m,
            north_m=r * spacing_m - 40.0,
            heading_deg=0.0,
            fov_deg=100.0,
            max_range_m=80.0,
            rate_hz=10.0,
            phase_s=float(rng.uniform(0.0, 0.1)),
        )
        for r in range(grid)
        for c in range(grid)
    )
    size = grid * spacing_m
    actors = []
    for i in range(n_actors):
        start = rng.uniform(0.0, size, 2)
        heading = rng.uniform(0.0, 2 * math.pi)
        speed = float(rng.uniform(0.8, 2.0))
        end = start + speed * duration_s * np.array([math.sin(heading), math.cos(heading)])
        actors.append(_walk(i, [(start[0], start[1]), (end[0], end[1])], speed, 0.0))
    return WorldScenario(cameras, tuple(actors), duration_s)
