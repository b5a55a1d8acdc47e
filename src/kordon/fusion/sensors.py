"""``SensorRegistry``: the sensors a site tracker accepts, with their kind, rate limit and
revisit interval."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt


class SensorKind(StrEnum):
    CAMERA = "camera"
    RADAR = "radar"
    GROUND = "ground"
    DRONE = "drone"


@dataclass(frozen=True, slots=True)
class SensorSpec:
    """One sensor: ``max_rate_hz`` observations per second on average, ``burst`` at once.

    ``revisit_s`` is how long the sensor takes to look at the same place again (a
    scanning radar's antenna period); ``None`` for a sensor that looks all the time
    (a camera's frames). A track such a sensor supports is expected to go that long
    without an update, and only then has it missed one.
    """

    sensor_id: str
    kind: SensorKind = SensorKind.CAMERA
    max_rate_hz: float = 2_000.0
    burst: float = 500.0
    revisit_s: float | None = None

    def __post_init__(self) -> None:
        if not self.sensor_id:
            raise ValueError("sensor_id must not be empty")
        if not (np.isfinite(self.max_rate_hz) and self.max_rate_hz > 0):
            raise ValueError(f"{self.sensor_id}: max_rate_hz must be > 0, got {self.max_rate_hz}")
        if not (np.isfinite(self.burst) and self.burst >= 1):
            raise ValueError(f"{self.sensor_id}: burst must be >= 1, got {self.burst}")
        if self.revisit_s is not None and not (np.isfinite(self.revisit_s) and self.revisit_s > 0):
            raise ValueError(f"{self.sensor_id}: revisit_s must be > 0, got {self.revisit_s}")


class SensorRegistry:
    """Known sensors, each with a dense index (row of per-sensor arrays)."""

    def __init__(self, specs: Iterable[SensorSpec]) -> None:
        self.specs: tuple[SensorSpec, ...] = tuple(specs)
        ids = [s.sensor_id for s in self.specs]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate sensor ids: {duplicates}")
        self.ids: tuple[str, ...] = tuple(ids)
        order = np.argsort(np.asarray(ids, dtype=np.str_), kind="stable")
        self._sorted = np.asarray(ids, dtype=np.str_)[order]
        self._order = order.astype(np.int64)
        self._index = {sensor_id: i for i, sensor_id in enumerate(ids)}
        self.revisit_s: npt.NDArray[np.float64] = np.array(
            [s.revisit_s or 0.0 for s in self.specs], np.float64
        )
        """Each sensor's revisit interval (s), 0 for one that looks all the time."""

    def __len__(self) -> int:
        return len(self.specs)

    def index_of(self, sensor_ids: npt.NDArray[np.str_]) -> npt.NDArray[np.int64]:
        """Index of each sensor id, ``-1`` for an unknown one (vectorised)."""
        n = sensor_ids.shape[0]
        if len(self.specs) == 0 or n == 0:
            return np.full(n, -1, np.int64)
        first = str(sensor_ids[0])
        if n == 1 or bool((sensor_ids == first).all()):
            # The usual batch: one sensor's scan.
            return np.full(n, self._index.get(first, -1), np.int64)
        pos = np.searchsorted(self._sorted, sensor_ids)
        pos = np.minimum(pos, self._sorted.shape[0] - 1)
        found = self._sorted[pos] == sensor_ids
        return np.where(found, self._order[pos], -1).astype(np.int64)
