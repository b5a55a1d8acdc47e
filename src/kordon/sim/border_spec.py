"""``BorderSceneSpec``: the knobs of a simulated border crossing scene (the test range).

One frozen value says who crosses (direction, speed, groups, crossing rate), what else moves
(patrols, animals, swaying vegetation), what stands in the way (reeds and trees) and how the
sensor sees it (thermal, lighting gain, sensor noise, contrast loss from haze or rain). The
defaults reproduce the demo's scene: one walker every 20 s, perpendicular to the border, a
patrol along the home side every other episode, a clear day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from kordon.sim.errors import SimulationError


class WalkDirection(StrEnum):
    """How an intruder's path meets the border (angle from the border's normal)."""

    RADIAL = "radial"
    """Perpendicular to the border: toward or away from a camera that faces it."""
    OBLIQUE = "oblique"
    """45° to the normal."""
    ALONG = "along"
    """A shallow crossing, 70° from the normal: mostly walking along the strip."""

    @property
    def angle_deg(self) -> float:
        return {"radial": 0.0, "oblique": 45.0, "along": 70.0}[self.value]


@dataclass(frozen=True, slots=True)
class BorderSceneSpec:
    """Everything a border scene varies besides the camera (see the module docstring).

    Speeds are in m/s (drawn uniformly from ``speed_mps``); ``group_size`` people cross
    together, a metre or two apart; ``gain`` scales the picture's brightness (0.25: dusk);
    ``contrast`` < 1 pulls every pixel toward a haze grey; ``noise_sigma`` is the sensor
    noise in grey levels. ``occluders`` reeds and trees stand near the crossing line in
    front of the walkers; ``animals`` cross the border in every episode; ``swaying``
    bushes move in the wind; ``patrol`` sends a patrol along the home side every other
    episode (never crossing).
    """

    direction: WalkDirection = WalkDirection.RADIAL
    speed_mps: tuple[float, float] = (1.1, 1.5)
    group_size: int = 1
    episode_s: float = 20.0
    approach_m: float = 20.0
    patrol: bool = True
    animals: int = 0
    swaying: int = 0
    occluders: int = 0
    thermal: bool = False
    gain: float = 1.0
    contrast: float = 1.0
    noise_sigma: float = 2.0
    bushes: int = 20

    def __post_init__(self) -> None:
        lo, hi = self.speed_mps
        if not (math.isfinite(lo) and math.isfinite(hi) and 0.05 <= lo <= hi <= 12.0):
            raise SimulationError(f"speed_mps must satisfy 0.05 <= low <= high <= 12, got {lo, hi}")
        if not 1 <= self.group_size <= 8:
            raise SimulationError(f"group_size must be in [1, 8], got {self.group_size}")
        if not (math.isfinite(self.approach_m) and 2.0 <= self.approach_m <= 500.0):
            raise SimulationError(f"approach_m must be in [2, 500], got {self.approach_m}")
        slowest_s = 2.0 * self.approach_m / lo
        if not (math.isfinite(self.episode_s) and 1.0 <= self.episode_s <= 3600.0):
            raise SimulationError(f"episode_s must be in [1, 3600], got {self.episode_s}")
        if slowest_s > 10.0 * self.episode_s:
            raise SimulationError(
                f"a crossing takes up to {slowest_s:.0f} s: more than 10 episodes of "
                f"{self.episode_s:.0f} s would overlap"
            )
        for name in ("animals", "swaying", "occluders", "bushes"):
            value = getattr(self, name)
            if not 0 <= value <= 200:
                raise SimulationError(f"{name} must be in [0, 200], got {value}")
        if not (math.isfinite(self.gain) and 0.1 <= self.gain <= 3.0):
            raise SimulationError(f"gain must be in [0.1, 3], got {self.gain}")
        if not (math.isfinite(self.contrast) and 0.05 <= self.contrast <= 1.0):
            raise SimulationError(f"contrast must be in [0.05, 1], got {self.contrast}")
        if not (math.isfinite(self.noise_sigma) and 0.0 <= self.noise_sigma <= 50.0):
            raise SimulationError(f"noise_sigma must be in [0, 50], got {self.noise_sigma}")

    @property
    def max_span_s(self) -> float:
        """Longest time one episode's actors can be on screen."""
        return 2.0 + 2.0 * self.approach_m / self.speed_mps[0] + 3.0
