"""``Observation``: one sensor's report of one object at one time, in the local frame."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from kordon.domain.time import require_utc

Covariance2 = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Observation:
    """Position (east, north, metres in the site frame) with a 2×2 covariance in m²."""

    sensor_id: str
    time: datetime
    class_name: str
    score: float
    east_m: float
    north_m: float
    covariance_m2: Covariance2
    source_track_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", require_utc(self.time))
        if not self.sensor_id:
            raise ValueError("sensor_id must not be empty")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score}")
        if not (math.isfinite(self.east_m) and math.isfinite(self.north_m)):
            raise ValueError("position must be finite")
        (a, b), (c, d) = self.covariance_m2
        if not math.isclose(b, c, rel_tol=1e-9, abs_tol=1e-9):
            raise ValueError("covariance must be symmetric")
        if a < 0 or d < 0 or a * d - b * c < -1e-9:
            raise ValueError("covariance must be positive semi-definite")
