"""Named scenarios: ``border_walk`` (test scene), ``demo`` (endless), ``world_border_walk``."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from kordon.sim.errors import SimulationError
from kordon.sim.projector import FlatImageProjector, Projector
from kordon.sim.scenario import (
    Actor,
    ActorClass,
    Appearance,
    BackgroundSpec,
    EpisodicCast,
    FixedCast,
    IlluminationChange,
    Scenario,
)
from kordon.sim.trajectory import Waypoint

Point = tuple[float, float]


@dataclass(frozen=True)
class Scene:
    """A scenario with its projector and the line that matters (in the path plane).

    ``clearance`` is the hysteresis distance (path-plane units) under which wobbling across
    ``line`` must not count as a crossing.
    """

    scenario: Scenario
    projector: Projector
    line: tuple[Point, ...]
    clearance: float


_W, _H = 768, 576
_LINE_V = 300.0
_ROAD_V = 150.0


def _person(
    actor_id: int,
    points: Sequence[tuple[float, float]],
    speed: float,
    start_s: float,
    rng: np.random.Generator,
    *,
    pauses: Sequence[float] = (),
    height_m: float | None = None,
) -> Actor:
    wps = tuple(
        Waypoint(x, y, speed, pauses[i] if i < len(pauses) else 0.0)
        for i, (x, y) in enumerate(points)
    )
    return Actor(
        actor_id,
        ActorClass.PERSON,
        wps,
        start_s=start_s,
        height_m=height_m,
        appearance=Appearance.random(rng),
    )


def _car(
    actor_id: int, start_s: float, left_to_right: bool, speed: float, rng: np.random.Generator
) -> Actor:
    xs = (-120.0, _W + 120.0) if left_to_right else (_W + 120.0, -120.0)
    v = _ROAD_V + (4.0 if left_to_right else -4.0)
    return Actor(
        actor_id,
        ActorClass.CAR,
        (Waypoint(xs[0], v, speed), Waypoint(xs[1], v)),
        start_s=start_s,
        appearance=Appearance.random(rng),
    )


def _background(seed: int) -> BackgroundSpec:
    return BackgroundSpec(
        seed=seed,
        road_px=((0.0, _ROAD_V - 6), (_W / 2, _ROAD_V), (_W, _ROAD_V + 8)),
        road_width_px=34.0,
    )


def border_walk(seed: int = 0, *, fps: float = 10.0) -> Scene:
    """Image-space test scene (768×576, 45 s) around the horizontal line v = 300 px.

    Six counted crossings with a 20 px clearance: two single walkers (down at 40 px/s, up
    at 25 px/s), two people crossing each other mid-frame (occlusion), two walking up side
    by side. Not counted: a loiterer who stays above the line, and a person wobbling a few
    pixels back and forth across it. A car drives along the road at v ≈ 150 px, and the light
    dims at 30 s.
    """
    rng = np.random.default_rng([seed, 1])
    actors = (
        _person(1, [(150, 40), (190, 570)], 40.0, 0.0, rng),
        _person(2, [(640, 570), (600, 40)], 25.0, 2.0, rng, height_m=1.9),
        _person(3, [(300, 60), (460, 570)], 35.0, 6.0, rng),
        _person(4, [(470, 560), (310, 60)], 35.0, 6.0, rng, height_m=1.6),
        _person(
            5, [(700, 240), (650, 275), (720, 262), (690, 230)], 15.0, 1.0, rng, pauses=(0, 5, 4, 3)
        ),
        _person(
            6,
            [(240, 255), (250, 309), (258, 292), (266, 311), (274, 290), (282, 255)],
            12.0,
            3.0,
            rng,
            pauses=(0, 1, 1, 1, 1, 2),
        ),
        _car(7, 12.0, True, 90.0, rng),
        _person(8, [(520, 575), (505, 40)], 45.0, 22.0, rng),
        _person(9, [(560, 580), (545, 45)], 45.0, 22.0, rng, height_m=1.65),
    )
    scenario = Scenario(
        name="border_walk",
        resolution_wh=(_W, _H),
        fps=fps,
        background=_background(seed),
        cast=FixedCast(actors),
        illumination=(IlluminationChange(time_s=30.0, gain=0.8, ramp_s=2.0),),
        duration_s=45.0,
    )
    return Scene(scenario, FlatImageProjector(_H), ((0.0, _LINE_V), (float(_W), _LINE_V)), 20.0)


DEMO_EPISODE_S = 25.0


def _demo_episode(n: int, rng: np.random.Generator) -> list[Actor]:
    """Episode ``n``: one walker (sometimes two together) crossing, alternating direction;
    now and then a car on the road."""
    down = n % 2 == 0
    x = float(rng.uniform(80, _W - 120))
    speed = float(rng.uniform(28, 45))
    start = float(rng.uniform(0, 6))
    drift = float(rng.uniform(-80, 80))
    path = [(x, 40.0), (x + drift, 570.0)] if down else [(x + drift, 570.0), (x, 40.0)]
    actors = [_person(1, path, speed, start, rng)]
    if rng.uniform() < 0.3:
        buddy = [(px + 32.0, py + 10.0) for px, py in path]
        actors.append(_person(2, buddy, speed, start + 0.3, rng))
    if rng.uniform() < 0.3:
        actors.append(
            _car(
                3,
                float(rng.uniform(0, 10)),
                bool(rng.integers(2)),
                float(rng.uniform(60, 110)),
                rng,
            )
        )
    return actors


def demo(seed: int = 0, *, fps: float = 10.0) -> Scene:
    """Endless scene for the live demo: someone crosses the line every 25 s, alternating
    directions, sometimes in pairs, with an occasional car along the road."""
    scenario = Scenario(
        name="demo",
        resolution_wh=(_W, _H),
        fps=fps,
        background=_background(seed),
        cast=EpisodicCast(_demo_episode, DEMO_EPISODE_S, seed, max_span_s=40.0),
    )
    return Scene(scenario, FlatImageProjector(_H), ((0.0, _LINE_V), (float(_W), _LINE_V)), 20.0)


def _point_along(line: Sequence[Point], distance_m: float) -> tuple[Point, Point]:
    """Point at ``distance_m`` along ``line`` and the unit normal (left of its direction)."""
    remaining = distance_m
    for (x0, y0), (x1, y1) in itertools.pairwise(line):
        seg = math.hypot(x1 - x0, y1 - y0)
        if remaining <= seg or (x1, y1) == line[-1]:
            f = min(remaining / seg, 1.0)
            return (x0 + f * (x1 - x0), y0 + f * (y1 - y0)), (-(y1 - y0) / seg, (x1 - x0) / seg)
        remaining -= seg
    raise SimulationError("empty border line")


def world_border_walk(
    projector: Projector,
    border_xy: Sequence[Point],
    *,
    seed: int = 0,
    intruders: int = 4,
    spacing_s: float = 20.0,
    approach_m: float = 40.0,
    resolution_wh: tuple[int, int] = (_W, _H),
    fps: float = 10.0,
    horizon_v_px: float | None = None,
) -> Scene:
    """World-space scene: ``intruders`` people walk straight across ``border_xy`` (a polyline
    in local metres), perpendicular to it, alternating directions, one every ``spacing_s``.

    Intruder ``i`` (id ``i + 1``) crosses at the point ``(i + 1) / (intruders + 1)`` of the
    border's length, ``approach_m`` after setting out; the exact times and points come from
    ``ground_truth.crossings``.
    """
    line = tuple((float(x), float(y)) for x, y in border_xy)
    if len(line) < 2:
        raise SimulationError(f"border_xy needs at least 2 points, got {len(line)}")
    if intruders < 1:
        raise SimulationError(f"intruders must be >= 1, got {intruders}")
    if not approach_m > 0:
        raise SimulationError(f"approach_m must be > 0, got {approach_m}")
    length = sum(math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(line))
    if length <= 0:
        raise SimulationError("border_xy has zero length")
    rng = np.random.default_rng([seed, 3])
    actors: list[Actor] = []
    for i in range(intruders):
        (px, py), (nx, ny) = _point_along(line, length * (i + 1) / (intruders + 1))
        sign = 1.0 if i % 2 == 0 else -1.0
        start = (px - sign * nx * approach_m, py - sign * ny * approach_m)
        end = (px + sign * nx * approach_m, py + sign * ny * approach_m)
        speed = float(rng.uniform(1.0, 1.6))
        actors.append(_person(i + 1, [start, end], speed, i * spacing_s, rng))
    duration = (intruders - 1) * spacing_s + 2 * approach_m / 1.0 + 1.0
    scenario = Scenario(
        name="world_border_walk",
        resolution_wh=resolution_wh,
        fps=fps,
        background=BackgroundSpec(seed=seed, horizon_v_px=horizon_v_px, bushes=20),
        cast=FixedCast(tuple(actors)),
        duration_s=duration,
    )
    return Scene(scenario, projector, line, 2.0)


SCENES: dict[str, Callable[[int], Scene]] = {
    "border_walk": border_walk,
    "demo": demo,
}
"""Scenes that need no arguments but a seed (``world_border_walk`` needs a camera)."""


def get_scene(name: str, seed: int = 0) -> Scene:
    """The named scene; an unknown name raises an error listing the valid ones."""
    try:
        factory = SCENES[name]
    except KeyError:
        valid = ", ".join(sorted(SCENES))
        raise SimulationError(f"unknown scene {name!r}: choose one of {valid}") from None
    return factory(seed)
