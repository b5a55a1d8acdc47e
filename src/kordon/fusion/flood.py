"""``FloodGuard``: a token bucket per sensor, so one flooding sensor cannot starve the rest."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kordon.fusion.sensors import SensorRegistry

I64 = npt.NDArray[np.int64]


class FloodGuard:
    """Admit at most ``burst`` observations at once and ``max_rate_hz`` on average.

    Time is the caller's ``now_s`` (arrival time), never the clock; a ``now_s`` that goes
    backwards refills nothing.
    """

    def __init__(self, registry: SensorRegistry) -> None:
        self._rate = np.asarray([s.max_rate_hz for s in registry.specs], np.float64)
        self._burst = np.asarray([s.burst for s in registry.specs], np.float64)
        self._tokens = self._burst.copy()
        self._last_s = np.full(len(registry), np.nan)

    def admit(self, sensor_index: I64, now_s: float) -> npt.NDArray[np.bool_]:
        """Which rows (known sensors, ``sensor_index >= 0``) fit in their sensor's bucket."""
        n_sensors = self._rate.shape[0]
        if n_sensors == 0:
            return np.zeros(sensor_index.shape[0], np.bool_)
        # A sensor not heard from yet has NaN as its last time: fmin/fmax skip the NaN,
        # so its bucket stays full and its clock starts now.
        elapsed = np.maximum(now_s - self._last_s, 0.0)
        self._tokens = np.fmin(self._burst, self._tokens + elapsed * self._rate)
        self._last_s = np.fmax(self._last_s, now_s)
        known = sensor_index >= 0
        allowed = np.floor(self._tokens).astype(np.int64)
        all_known = bool(known.all())
        counts = np.bincount(
            sensor_index if all_known else sensor_index[known], minlength=n_sensors
        )
        if bool((counts <= allowed).all()):
            # Every sensor's rows fit in its bucket: no ranking needed.
            self._tokens -= counts
            return known
        idx = np.where(known, sensor_index, 0)
        # Rank of each row among the rows of its own sensor (0, 1, 2, … in batch order).
        order = np.argsort(idx, kind="stable")
        sorted_idx = idx[order]
        first = np.searchsorted(sorted_idx, sorted_idx, side="left")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.shape[0]) - first
        admitted = known & (rank < allowed[idx])
        used = np.bincount(idx[admitted], minlength=n_sensors)
        self._tokens -= used
        return admitted
