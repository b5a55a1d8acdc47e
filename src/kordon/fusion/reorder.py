"""``ReorderBuffer``: hold observations for a bounded lag and release them in time order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kordon.domain.observations import Observations

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]


@dataclass(frozen=True, slots=True)
class Released:
    """Due observations as plain columns (already validated at ingest), sorted by
    (time, sensor index, sequence number); ``sensor`` is each row's sensor index."""

    time_s: F64
    east_north_m: F64
    cov_m2: F64
    class_name: StrArray
    confidence: F64
    local_id: StrArray
    seq: I64
    sensor: I64

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    def take(self, index: npt.NDArray[np.bool_] | I64) -> Released:
        return Released(
            self.time_s[index],
            self.east_north_m[index],
            self.cov_m2[index],
            self.class_name[index],
            self.confidence[index],
            self.local_id[index],
            self.seq[index],
            self.sensor[index],
        )

    @staticmethod
    def concatenate(parts: list[Released]) -> Released:
        if len(parts) == 1:
            return parts[0]
        return Released(
            np.concatenate([p.time_s for p in parts]),
            np.concatenate([p.east_north_m for p in parts]),
            np.concatenate([p.cov_m2 for p in parts]),
            np.concatenate([p.class_name for p in parts]),
            np.concatenate([p.confidence for p in parts]),
            np.concatenate([p.local_id for p in parts]),
            np.concatenate([p.seq for p in parts]),
            np.concatenate([p.sensor for p in parts]),
        )


_EMPTY = Released(
    np.zeros(0),
    np.zeros((0, 2)),
    np.zeros((0, 2, 2)),
    np.zeros(0, np.str_),
    np.zeros(0),
    np.zeros(0, np.str_),
    np.zeros(0, np.int64),
    np.zeros(0, np.int64),
)


class ReorderBuffer:
    """Pending observations with their sequence numbers and sensor indices.

    ``release(watermark_s)`` returns every pending observation stamped at or before the
    watermark, sorted by (time, sensor index, arrival order), and keeps the rest. A row
    pushed after a watermark later than its time is released by the next call (the
    tracker folds such late reports into their tracks at their own time).
    """

    def __init__(self) -> None:
        self._parts: list[Released] = []
        self._size = 0
        self._earliest_s = float("inf")
        self._latest_s = -float("inf")

    def __len__(self) -> int:
        return self._size

    def push(self, obs: Observations, seq: I64, sensor_index: I64) -> None:
        if len(obs) == 0:
            return
        self._parts.append(
            Released(
                obs.time_s,
                obs.east_north_m,
                obs.cov_m2,
                obs.class_name,
                obs.confidence,
                obs.local_id,
                seq,
                sensor_index,
            )
        )
        self._size += len(obs)
        self._earliest_s = min(self._earliest_s, float(obs.time_s.min()))
        self._latest_s = max(self._latest_s, float(obs.time_s.max()))

    def release(self, watermark_s: float) -> Released:
        if self._size == 0 or self._earliest_s > watermark_s:
            return _EMPTY
        pending = Released.concatenate(self._parts)
        if self._latest_s <= watermark_s:
            out = pending
            self._parts = []
            self._size = 0
            self._earliest_s = float("inf")
            self._latest_s = -float("inf")
        else:
            due = pending.time_s <= watermark_s
            out = pending.take(due)
            rest = pending.take(~due)
            self._parts = [rest]
            self._size = len(rest)
            self._earliest_s = float(rest.time_s.min())
        first_s = out.time_s[0]
        if len(out) == 1 or (
            bool((out.time_s == first_s).all()) and bool((out.sensor == out.sensor[0]).all())
        ):
            # One scan: its rows are already in arrival (sequence) order.
            return out
        order = np.lexsort((out.seq, out.sensor, out.time_s))
        return out.take(order)
