"""Scenario description: a background and a cast of actors, deterministic from a seed."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kordon.sim.errors import SimulationError
from kordon.sim.trajectory import Trajectory, Waypoint


class ActorClass(StrEnum):
    """What an actor is (names match COCO labels so detector output can be compared)."""

    PERSON = "person"
    CAR = "car"
    BOAT = "boat"
    ANIMAL = "animal"
    """A boar- or deer-sized four-legged animal (nuisance: must never raise an alarm)."""


DEFAULT_SIZE_M: dict[ActorClass, tuple[float, float]] = {
    ActorClass.PERSON: (0.5, 1.75),
    ActorClass.CAR: (4.5, 1.5),
    ActorClass.BOAT: (5.0, 1.2),
    ActorClass.ANIMAL: (1.3, 0.9),
}
"""(width_m, height_m) of each class; a car's width is its length (seen from the side)."""

Colour = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Appearance:
    """Colours (BGR) of an actor's parts and a seed for small per-actor variations."""

    seed: int = 0
    top_bgr: Colour = (60, 90, 150)
    bottom_bgr: Colour = (50, 45, 40)
    skin_bgr: Colour = (120, 150, 200)
    hair_bgr: Colour = (30, 30, 40)

    @classmethod
    def random(cls, rng: np.random.Generator) -> Appearance:
        """A plausible outfit drawn from ``rng`` (clothes, skin and hair tones)."""
        tops: list[Colour] = [
            (60, 90, 150),
            (40, 40, 40),
            (150, 110, 60),
            (70, 120, 70),
            (180, 180, 180),
            (40, 60, 120),
            (100, 80, 70),
            (30, 120, 200),
            (90, 90, 100),
        ]
        bottoms: list[Colour] = [(50, 45, 40), (90, 70, 50), (40, 50, 60), (80, 90, 100)]
        skins: list[Colour] = [(120, 150, 200), (90, 120, 170), (60, 90, 130), (140, 170, 215)]
        hairs: list[Colour] = [(30, 30, 40), (40, 60, 90), (20, 20, 20), (120, 120, 120)]
        return cls(
            seed=int(rng.integers(0, 2**31 - 1)),
            top_bgr=tops[int(rng.integers(len(tops)))],
            bottom_bgr=bottoms[int(rng.integers(len(bottoms)))],
            skin_bgr=skins[int(rng.integers(len(skins)))],
            hair_bgr=hairs[int(rng.integers(len(hairs)))],
        )


@dataclass(frozen=True)
class Actor:
    """One moving object: class, path (in the scenario's path plane), start, size, look."""

    actor_id: int
    kind: ActorClass
    waypoints: tuple[Waypoint, ...]
    start_s: float = 0.0
    width_m: float | None = None
    height_m: float | None = None
    appearance: Appearance = field(default_factory=Appearance)

    def __post_init__(self) -> None:
        if self.actor_id < 1:
            raise SimulationError(
                f"actor_id must be >= 1 (MOT ids are positive), got {self.actor_id}"
            )
        for name in ("width_m", "height_m"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise SimulationError(f"actor {self.actor_id}: {name} must be > 0, got {value}")
        _ = self.trajectory  # validate the path now, with the actor's id in the message

    @cached_property
    def trajectory(self) -> Trajectory:
        try:
            return Trajectory(self.waypoints, self.start_s)
        except SimulationError as exc:
            raise SimulationError(f"actor {self.actor_id}: {exc}") from exc

    @property
    def size_m(self) -> tuple[float, float]:
        """(width_m, height_m), class defaults where not given."""
        dw, dh = DEFAULT_SIZE_M[self.kind]
        return (self.width_m or dw, self.height_m or dh)


class Cast(Protocol):
    """Which actors exist; finite or endless (new actors keep arriving)."""

    def actors_between(self, t0_s: float, t1_s: float) -> Sequence[Actor]:
        """Every actor whose active interval overlaps [t0_s, t1_s]."""
        ...


@dataclass(frozen=True)
class FixedCast:
    """A finite list of actors."""

    actors: tuple[Actor, ...]

    def __post_init__(self) -> None:
        ids = [a.actor_id for a in self.actors]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise SimulationError(f"duplicate actor ids in cast: {dupes}")

    def actors_between(self, t0_s: float, t1_s: float) -> list[Actor]:
        return [
            a for a in self.actors if a.trajectory.start_s <= t1_s and a.trajectory.end_s >= t0_s
        ]


EpisodeFactory = Callable[[int, np.random.Generator], Sequence[Actor]]
"""Builds episode ``n``'s actors (times relative to the episode start, ids from 1)."""


class EpisodicCast:
    """An endless cast: every ``episode_s`` seconds a new episode of actors starts.

    Episode ``n`` is built by ``factory(n, rng)`` with ``rng`` seeded from (seed, n), so any
    time can be rendered without replaying the past. Actor ids become ``n * 1000 + id`` and
    start times are shifted by ``n * episode_s``. An episode's actors must finish within
    ``max_span_s`` of its start.
    """

    ID_STRIDE = 1000

    def __init__(
        self, factory: EpisodeFactory, episode_s: float, seed: int, max_span_s: float
    ) -> None:
        if not episode_s > 0:
            raise SimulationError(f"episode_s must be > 0, got {episode_s}")
        if max_span_s < episode_s:
            raise SimulationError(f"max_span_s ({max_span_s}) must be >= episode_s ({episode_s})")
        self._factory = factory
        self.episode_s = episode_s
        self.seed = seed
        self.max_span_s = max_span_s
        self._cache: dict[int, tuple[Actor, ...]] = {}

    def episode(self, n: int) -> tuple[Actor, ...]:
        """Episode ``n``'s actors in scenario time (cached; only recent episodes are kept)."""
        if n in self._cache:
            return self._cache[n]
        rng = np.random.default_rng([self.seed, n])
        offset = n * self.episode_s
        actors: list[Actor] = []
        for a in self._factory(n, rng):
            if not 1 <= a.actor_id < self.ID_STRIDE:
                raise SimulationError(
                    f"episode actor ids must be in [1, {self.ID_STRIDE}), got {a.actor_id}"
                )
            moved = Actor(
                actor_id=n * self.ID_STRIDE + a.actor_id,
                kind=a.kind,
                waypoints=a.waypoints,
                start_s=a.start_s + offset,
                width_m=a.width_m,
                height_m=a.height_m,
                appearance=a.appearance,
            )
            if moved.trajectory.end_s > offset + self.max_span_s:
                raise SimulationError(
                    f"actor {moved.actor_id} ends at {moved.trajectory.end_s:.1f} s, after its "
                    f"episode's max span ({offset + self.max_span_s:.1f} s)"
                )
            actors.append(moved)
        if len(self._cache) > 16:
            self._cache.clear()
        self._cache[n] = tuple(actors)
        return self._cache[n]

    def actors_between(self, t0_s: float, t1_s: float) -> list[Actor]:
        first = max(math.floor((t0_s - self.max_span_s) / self.episode_s), 0)
        last = math.floor(t1_s / self.episode_s)
        found: list[Actor] = []
        for n in range(first, last + 1):
            found.extend(
                a
                for a in self.episode(n)
                if a.trajectory.start_s <= t1_s and a.trajectory.end_s >= t0_s
            )
        return found


@dataclass(frozen=True, slots=True)
class IlluminationChange:
    """Global brightness ramps linearly to ``gain`` over ``ramp_s`` starting at ``time_s``."""

    time_s: float
    gain: float
    ramp_s: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.gain) and 0.1 <= self.gain <= 3.0):
            raise SimulationError(f"illumination gain must be in [0.1, 3], got {self.gain}")
        if not self.ramp_s >= 0:
            raise SimulationError(f"illumination ramp_s must be >= 0, got {self.ramp_s}")


@dataclass(frozen=True)
class BackgroundSpec:
    """How the background is made: procedural from ``seed`` or a given BGR image.

    ``road_px`` is a polyline (image pixels) drawn as a dirt track; ``horizon_v_px`` adds a
    sky above that row (pose cameras); ``image`` replaces the procedural ground.
    """

    seed: int = 0
    road_px: tuple[tuple[float, float], ...] = ()
    road_width_px: float = 40.0
    bushes: int = 12
    horizon_v_px: float | None = None
    noise_sigma: float = 2.0
    image: npt.NDArray[np.uint8] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.image is not None and (
            self.image.ndim != 3 or self.image.shape[2] != 3 or self.image.dtype != np.uint8
        ):
            raise SimulationError(
                "background image must be H×W×3 uint8 BGR, "
                f"got {self.image.shape} {self.image.dtype}"
            )
        if not 0 <= self.noise_sigma <= 50:
            raise SimulationError(f"noise_sigma must be in [0, 50], got {self.noise_sigma}")
        if self.bushes < 0:
            raise SimulationError(f"bushes must be >= 0, got {self.bushes}")


@dataclass(frozen=True, slots=True)
class SwayPatch:
    """A patch of vegetation (image pixels) that sways in the wind: its pixels shift
    sideways by up to ``amplitude_px`` at ``frequency_hz``."""

    u_px: float
    v_px: float
    radius_px: float
    amplitude_px: float = 1.5
    frequency_hz: float = 0.4
    phase_rad: float = 0.0

    def __post_init__(self) -> None:
        values = (self.u_px, self.v_px, self.radius_px, self.amplitude_px, self.frequency_hz)
        if not all(math.isfinite(v) for v in values) or self.radius_px <= 0:
            raise SimulationError(f"sway patch needs finite values and radius > 0, got {self}")


class OccluderKind(StrEnum):
    REEDS = "reeds"
    TREE = "tree"


@dataclass(frozen=True, slots=True)
class Occluder:
    """A static object standing in front of the actors (drawn over them): a clump of reeds
    or a tree whose foot is at (``u_px``, ``v_px``)."""

    kind: OccluderKind
    u_px: float
    v_px: float
    height_px: float
    width_px: float
    seed: int = 0

    def __post_init__(self) -> None:
        values = (self.u_px, self.v_px, self.height_px, self.width_px)
        if not all(math.isfinite(v) for v in values) or self.height_px <= 0 or self.width_px <= 0:
            raise SimulationError(f"occluder needs finite position and a positive size: {self}")


@dataclass(frozen=True)
class Scenario:
    """Everything needed to render a scene: size, rate, background, cast, lighting, duration
    (``None`` = endless), and how the sensor sees it.

    ``thermal`` renders a thermal camera's picture (white-hot figures on a cool background);
    ``contrast`` < 1 pulls every pixel toward a haze grey (fog, rain, dust); ``sway``
    patches of vegetation move in the wind; ``occluders`` stand in front of the actors.
    """

    name: str
    resolution_wh: tuple[int, int]
    fps: float
    background: BackgroundSpec
    cast: Cast
    illumination: tuple[IlluminationChange, ...] = ()
    duration_s: float | None = None
    thermal: bool = False
    contrast: float = 1.0
    sway: tuple[SwayPatch, ...] = ()
    occluders: tuple[Occluder, ...] = ()

    def __post_init__(self) -> None:
        w, h = self.resolution_wh
        if not (16 <= w <= 8192 and 16 <= h <= 8192):
            raise SimulationError(f"scenario {self.name!r}: resolution {w}×{h} outside 16..8192")
        if not (math.isfinite(self.fps) and 0 < self.fps <= 240):
            raise SimulationError(
                f"scenario {self.name!r}: fps must be in (0, 240], got {self.fps}"
            )
        if self.duration_s is not None and not self.duration_s > 0:
            raise SimulationError(
                f"scenario {self.name!r}: duration_s must be > 0, got {self.duration_s}"
            )
        if not (math.isfinite(self.contrast) and 0.05 <= self.contrast <= 1.0):
            raise SimulationError(
                f"scenario {self.name!r}: contrast must be in [0.05, 1], got {self.contrast}"
            )
        times = [c.time_s for c in self.illumination]
        if times != sorted(times):
            raise SimulationError(
                f"scenario {self.name!r}: illumination changes must be in time order"
            )

    @property
    def frame_count(self) -> int | None:
        """Number of frames (``None`` when endless)."""
        if self.duration_s is None:
            return None
        return math.floor(self.duration_s * self.fps + 1e-9)

    def frame_time_s(self, frame_index: int) -> float:
        return frame_index / self.fps

    def gain_at(self, time_s: float) -> float:
        """Global illumination gain at ``time_s`` (1.0 = unchanged)."""
        gain = 1.0
        for change in self.illumination:
            if time_s <= change.time_s:
                break
            if change.ramp_s == 0 or time_s >= change.time_s + change.ramp_s:
                gain = change.gain
            else:
                f = (time_s - change.time_s) / change.ramp_s
                gain = gain + f * (change.gain - gain)
                break
        return gain
