"""``SensorScan``: what one sensor reported at one time — possibly nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kordon.domain.errors import ShapeError
from kordon.domain.observations import Observations


@dataclass(frozen=True, slots=True)
class SensorScan:
    """One sensor's report at ``time_s`` (POSIX seconds): its ``observations`` (all from
    this sensor, none stamped after ``time_s``), or none. An empty scan still says the
    sensor looked and its time moved on, which the site picture needs to stop waiting
    for it."""

    sensor_id: str
    time_s: float
    observations: Observations
    next_after_s: float | None = None
    """The sensor's promise: its next scan is stamped no earlier than this (a camera
    analysing at 5 fps, a radar sweeping once a second). The site picture then need not
    wait for that next scan to know nothing earlier is coming; ``None``: no promise."""

    def __post_init__(self) -> None:
        if not self.sensor_id:
            raise ShapeError("sensor_id must not be empty")
        if not math.isfinite(self.time_s):
            raise ShapeError(f"{self.sensor_id}: scan time must be finite")
        if self.next_after_s is not None and not (
            math.isfinite(self.next_after_s) and self.next_after_s >= self.time_s
        ):
            raise ShapeError(
                f"{self.sensor_id}: next_after_s must be finite and not before the scan time"
            )
        obs = self.observations
        if len(obs) and not bool(np.all(obs.sensor_id == self.sensor_id)):
            raise ShapeError(f"{self.sensor_id}: a scan holds only its own sensor's reports")
        if len(obs) and float(np.nanmax(obs.time_s)) > self.time_s:
            raise ShapeError(f"{self.sensor_id}: an observation is stamped after its scan")

    @classmethod
    def empty(cls, sensor_id: str, time_s: float) -> SensorScan:
        return cls(sensor_id, time_s, Observations.empty())
