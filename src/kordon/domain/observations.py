"""``Observations``: one validated batch of sensor reports in the site's local frame.

The batch counterpart of :class:`~kordon.domain.observation.Observation`, one NumPy array
per field (row ``i`` is observation ``i``), the way ``Detections`` holds boxes. Several
sensors and several times may share one batch. Construction checks shapes and dtypes only:
the *values* (NaN, covariance that is not positive definite, times far off) are screened
by the consumer, which rejects bad rows one by one and counts them instead of refusing a
whole batch because one sensor sent one bad row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kordon.domain.errors import ShapeError
from kordon.domain.observation import Observation

F64 = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.str_]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.integer[Any]]


def _check(name: str, array: npt.NDArray[np.generic], shape: tuple[int, ...], kind: str) -> None:
    if not isinstance(array, np.ndarray):
        raise ShapeError(f"{name}: expected a NumPy array, got {type(array).__name__}")
    if array.shape != shape:
        raise ShapeError(f"{name}: expected shape {shape}, got {array.shape}")
    if array.dtype.kind not in kind:
        raise ShapeError(f"{name}: expected dtype kind {kind!r}, got {array.dtype}")


@dataclass(frozen=True, slots=True)
class Observations:
    """Reports of objects by sensors, one array per field.

    ``time_s`` is POSIX seconds (UTC) of the measurement; ``sensor_id`` the reporting
    sensor; ``east_north_m`` the position (east, north) in metres in the site's local
    frame with its error covariance ``cov_m2`` (m²); ``class_name`` and ``confidence``
    (in [0, 1]) the classification; ``local_id`` the sensor's own track id behind the
    report (``""`` when the sensor has none).
    """

    time_s: F64
    sensor_id: StrArray
    east_north_m: F64
    cov_m2: F64
    class_name: StrArray
    confidence: F64
    local_id: StrArray

    def __post_init__(self) -> None:
        n = self.time_s.shape[0] if isinstance(self.time_s, np.ndarray) and self.time_s.ndim else -1
        _check("time_s", self.time_s, (max(n, 0),), "f")
        _check("sensor_id", self.sensor_id, (n,), "U")
        _check("east_north_m", self.east_north_m, (n, 2), "f")
        _check("cov_m2", self.cov_m2, (n, 2, 2), "f")
        _check("class_name", self.class_name, (n,), "U")
        _check("confidence", self.confidence, (n,), "f")
        _check("local_id", self.local_id, (n,), "U")

    @classmethod
    def empty(cls) -> Observations:
        return cls.from_arrays(
            time_s=[], sensor_id=[], east_north_m=[], cov_m2=[], class_name=[], confidence=[]
        )

    @classmethod
    def from_arrays(
        cls,
        *,
        time_s: npt.ArrayLike,
        sensor_id: npt.ArrayLike,
        east_north_m: npt.ArrayLike,
        cov_m2: npt.ArrayLike,
        class_name: npt.ArrayLike,
        confidence: npt.ArrayLike,
        local_id: npt.ArrayLike | None = None,
    ) -> Observations:
        """Build from array-likes, converting dtypes; scalars of ``sensor_id``,
        ``class_name`` and ``local_id`` are broadcast to every row."""
        t = np.asarray(time_s, dtype=np.float64).reshape(-1)
        n = t.shape[0]

        def text(values: npt.ArrayLike | None) -> StrArray:
            arr = np.asarray("" if values is None else values, dtype=np.str_)
            return np.broadcast_to(arr, (n,)).copy() if arr.ndim == 0 else arr.reshape(-1)

        return cls(
            time_s=t,
            sensor_id=text(sensor_id),
            east_north_m=np.asarray(east_north_m, dtype=np.float64).reshape(-1, 2),
            cov_m2=np.asarray(cov_m2, dtype=np.float64).reshape(-1, 2, 2),
            class_name=text(class_name),
            confidence=np.asarray(confidence, dtype=np.float64).reshape(-1),
            local_id=text(local_id),
        )

    @classmethod
    def from_records(cls, records: Sequence[Observation]) -> Observations:
        """Batch single :class:`Observation` records (already validated one by one)."""
        return cls.from_arrays(
            time_s=[r.time.timestamp() for r in records],
            sensor_id=[r.sensor_id for r in records],
            east_north_m=[(r.east_m, r.north_m) for r in records],
            cov_m2=[r.covariance_m2 for r in records],
            class_name=[r.class_name for r in records],
            confidence=[r.score for r in records],
            local_id=[r.source_track_id or "" for r in records],
        )

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    def __getitem__(self, index: BoolArray | IntArray | slice) -> Observations:
        return Observations(
            time_s=np.ascontiguousarray(self.time_s[index]).reshape(-1),
            sensor_id=np.ascontiguousarray(self.sensor_id[index]).reshape(-1),
            east_north_m=np.ascontiguousarray(self.east_north_m[index]).reshape(-1, 2),
            cov_m2=np.ascontiguousarray(self.cov_m2[index]).reshape(-1, 2, 2),
            class_name=np.ascontiguousarray(self.class_name[index]).reshape(-1),
            confidence=np.ascontiguousarray(self.confidence[index]).reshape(-1),
            local_id=np.ascontiguousarray(self.local_id[index]).reshape(-1),
        )

    @staticmethod
    def concatenate(parts: Sequence[Observations]) -> Observations:
        if not parts:
            return Observations.empty()
        if len(parts) == 1:
            return parts[0]
        return Observations(
            time_s=np.concatenate([p.time_s for p in parts]),
            sensor_id=np.concatenate([p.sensor_id for p in parts]),
            east_north_m=np.concatenate([p.east_north_m for p in parts]),
            cov_m2=np.concatenate([p.cov_m2 for p in parts]),
            class_name=np.concatenate([p.class_name for p in parts]),
            confidence=np.concatenate([p.confidence for p in parts]),
            local_id=np.concatenate([p.local_id for p in parts]),
        )
