"""``ReorderBuffer``: hold observations for a bounded lag and release them in time order."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kordon.domain.observations import Observations

I64 = npt.NDArray[np.int64]


class ReorderBuffer:
    """Pending observations with their sequence numbers and sensor indices.

    ``release(watermark_s)`` returns every pending observation stamped at or before the
    watermark, sorted by (time, sensor index, arrival order), and keeps the rest. The
    caller guarantees nothing older than a released watermark is pushed afterwards.
    """

    def __init__(self) -> None:
        self._obs: list[Observations] = []
        self._seq: list[I64] = []
        self._sensor: list[I64] = []
        self._size = 0
        self._earliest_s = float("inf")

    def __len__(self) -> int:
        return self._size

    def push(self, obs: Observations, seq: I64, sensor_index: I64) -> None:
        if len(obs) == 0:
            return
        self._obs.append(obs)
        self._seq.append(seq)
        self._sensor.append(sensor_index)
        self._size += len(obs)
        self._earliest_s = min(self._earliest_s, float(obs.time_s.min()))

    def release(self, watermark_s: float) -> tuple[Observations, I64, I64]:
        if self._size == 0 or self._earliest_s > watermark_s:
            return Observations.empty(), np.zeros(0, np.int64), np.zeros(0, np.int64)
        obs = Observations.concatenate(self._obs)
        seq = np.concatenate(self._seq)
        sensor = np.concatenate(self._sensor)
        due = obs.time_s <= watermark_s
        keep = ~due
        if keep.any():
            self._obs, self._seq, self._sensor = [obs[keep]], [seq[keep]], [sensor[keep]]
            self._earliest_s = float(obs.time_s[keep].min())
        else:
            self._obs, self._seq, self._sensor = [], [], []
            self._earliest_s = float("inf")
        self._size = int(keep.sum())
        out, out_seq, out_sensor = obs[due], seq[due], sensor[due]
        order = np.lexsort((out_seq, out_sensor, out.time_s))
        return out[order], out_seq[order], out_sensor[order]
