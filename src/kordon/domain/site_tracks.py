"""``SiteTracks``: the fused picture of a site at one time, one array per field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kordon.domain.errors import ShapeError

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]


@dataclass(frozen=True, slots=True)
class SiteTracks:
    """Site tracks (fused over every sensor) estimated at one common time ``time_s``.

    ``site_track_id`` survives handover between sensors. ``east_north_m`` and
    ``velocity_mps`` are in the site's local frame; ``position_cov_m2`` (N, 2, 2) is each
    position's error covariance. ``confirmed`` tracks may trigger rules; tentative ones
    may not. ``last_update_s`` is the time of the last observation behind each track and
    ``sensor_ids`` the sensors that have supported it (sorted).
    """

    time_s: float
    site_track_id: I64
    east_north_m: F64
    velocity_mps: F64
    position_cov_m2: F64
    confirmed: BoolArray
    last_update_s: F64
    class_name: StrArray
    confidence: F64
    sensor_ids: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        n = self.site_track_id.shape[0]
        checks: tuple[tuple[str, npt.NDArray[Any], tuple[int, ...]], ...] = (
            ("site_track_id", self.site_track_id, (n,)),
            ("east_north_m", self.east_north_m, (n, 2)),
            ("velocity_mps", self.velocity_mps, (n, 2)),
            ("position_cov_m2", self.position_cov_m2, (n, 2, 2)),
            ("confirmed", self.confirmed, (n,)),
            ("last_update_s", self.last_update_s, (n,)),
            ("class_name", self.class_name, (n,)),
            ("confidence", self.confidence, (n,)),
        )
        for name, arr, shape in checks:
            if arr.shape != shape:
                raise ShapeError(f"{name}: expected shape {shape}, got {arr.shape}")
        if len(self.sensor_ids) != n:
            raise ShapeError(f"sensor_ids: expected {n} entries, got {len(self.sensor_ids)}")

    @classmethod
    def empty(cls, time_s: float) -> SiteTracks:
        return cls(
            time_s=time_s,
            site_track_id=np.zeros((0,), np.int64),
            east_north_m=np.zeros((0, 2)),
            velocity_mps=np.zeros((0, 2)),
            position_cov_m2=np.zeros((0, 2, 2)),
            confirmed=np.zeros((0,), np.bool_),
            last_update_s=np.zeros((0,)),
            class_name=np.zeros((0,), np.str_),
            confidence=np.zeros((0,)),
            sensor_ids=(),
        )

    def __len__(self) -> int:
        return int(self.site_track_id.shape[0])

    def __getitem__(self, index: BoolArray | npt.NDArray[np.integer[Any]]) -> SiteTracks:
        rows = np.flatnonzero(index) if index.dtype == np.bool_ else np.asarray(index)
        return SiteTracks(
            time_s=self.time_s,
            site_track_id=self.site_track_id[rows],
            east_north_m=self.east_north_m[rows].reshape(-1, 2),
            velocity_mps=self.velocity_mps[rows].reshape(-1, 2),
            position_cov_m2=self.position_cov_m2[rows].reshape(-1, 2, 2),
            confirmed=self.confirmed[rows],
            last_update_s=self.last_update_s[rows],
            class_name=self.class_name[rows],
            confidence=self.confidence[rows],
            sensor_ids=tuple(self.sensor_ids[int(i)] for i in rows),
        )
