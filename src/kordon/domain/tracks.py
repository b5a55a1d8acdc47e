"""Track types: image tracks (one camera, pixels) and geo tracks (site, metres)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from kordon.domain.detections import BoolArray, FloatArray, IntArray
from kordon.domain.errors import ShapeError
from kordon.domain.time import require_utc


class TrackState(StrEnum):
    """Lifecycle of a track: only ``confirmed`` tracks may trigger rules."""

    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    LOST = "lost"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class ImageTracks:
    """The tracks one camera's tracker reports for one frame, one array per field."""

    tracker_id: npt.NDArray[np.int64]
    xyxy_px: FloatArray
    confidence: FloatArray
    class_id: IntArray
    confirmed: BoolArray
    labels: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n = self.tracker_id.shape[0]
        for name, arr, shape in (
            ("tracker_id", self.tracker_id, (n,)),
            ("xyxy_px", self.xyxy_px, (n, 4)),
            ("confidence", self.confidence, (n,)),
            ("class_id", self.class_id, (n,)),
            ("confirmed", self.confirmed, (n,)),
        ):
            if arr.shape != shape:
                raise ShapeError(f"{name}: expected shape {shape}, got {arr.shape}")

    @classmethod
    def empty(cls, labels: tuple[str, ...] = ()) -> ImageTracks:
        return cls(
            tracker_id=np.zeros((0,), np.int64),
            xyxy_px=np.zeros((0, 4), np.float32),
            confidence=np.zeros((0,), np.float32),
            class_id=np.zeros((0,), np.int32),
            confirmed=np.zeros((0,), np.bool_),
            labels=labels,
        )

    def __len__(self) -> int:
        return int(self.tracker_id.shape[0])

    def __getitem__(self, index: BoolArray | IntArray | slice) -> ImageTracks:
        return ImageTracks(
            tracker_id=np.asarray(self.tracker_id[index], np.int64).reshape(-1),
            xyxy_px=np.asarray(self.xyxy_px[index], np.float32).reshape(-1, 4),
            confidence=np.asarray(self.confidence[index], np.float32).reshape(-1),
            class_id=np.asarray(self.class_id[index], np.int32).reshape(-1),
            confirmed=np.asarray(self.confirmed[index], np.bool_).reshape(-1),
            labels=self.labels,
        )

    def anchor_px(self, anchor: str = "bottom_center") -> FloatArray:
        """(N, 2) anchor points: ``bottom_center`` (feet on the ground) or ``center``."""
        x1, y1, x2, y2 = (self.xyxy_px[:, i] for i in range(4))
        cx = (x1 + x2) / 2.0
        if anchor == "bottom_center":
            return np.stack([cx, y2], axis=1).astype(np.float32)
        if anchor == "center":
            return np.stack([cx, (y1 + y2) / 2.0], axis=1).astype(np.float32)
        raise ValueError(f"unknown anchor {anchor!r}: expected 'bottom_center' or 'center'")

    @property
    def class_names(self) -> list[str]:
        return [
            self.labels[c] if 0 <= c < len(self.labels) else str(c) for c in self.class_id.tolist()
        ]


@dataclass(frozen=True, slots=True)
class PlanarTracks:
    """Positions of tracks in one plane (image pixels or local metres) at one time.

    This is what rules consume: the same rule code runs in pixels or in metres.
    ``quality`` is in [0, 1] (1 = a confirmed, well-supported track). ``position_cov``
    (N, 2, 2), when known, is each position's error covariance in the plane's units
    squared (rules may then decide from the probability of a side, not a fixed margin).
    """

    track_id: npt.NDArray[np.int64]
    xy: npt.NDArray[np.float64]
    class_name: tuple[str, ...]
    confirmed: BoolArray
    quality: npt.NDArray[np.float64]
    position_cov: npt.NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        n = self.track_id.shape[0]
        if self.xy.shape != (n, 2):
            raise ShapeError(f"xy: expected shape {(n, 2)}, got {self.xy.shape}")
        if self.confirmed.shape != (n,) or self.quality.shape != (n,):
            raise ShapeError(
                f"confirmed/quality: expected shape {(n,)}, got "
                f"{self.confirmed.shape} and {self.quality.shape}"
            )
        if len(self.class_name) != n:
            raise ShapeError(f"class_name: expected {n} names, got {len(self.class_name)}")
        if self.position_cov is not None and self.position_cov.shape != (n, 2, 2):
            raise ShapeError(
                f"position_cov: expected shape {(n, 2, 2)}, got {self.position_cov.shape}"
            )

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    @classmethod
    def empty(cls) -> PlanarTracks:
        return cls(
            track_id=np.zeros((0,), np.int64),
            xy=np.zeros((0, 2), np.float64),
            class_name=(),
            confirmed=np.zeros((0,), np.bool_),
            quality=np.zeros((0,), np.float64),
        )


@dataclass(frozen=True, slots=True)
class GeoTrack:
    """A site-level track in the local metric frame (east, north in metres)."""

    track_id: str
    time: datetime
    east_m: float
    north_m: float
    velocity_east_mps: float
    velocity_north_mps: float
    covariance_m2: tuple[tuple[float, float], tuple[float, float]]
    class_name: str
    state: TrackState
    sensor_ids: frozenset[str]
    first_seen: datetime
    quality: float = 1.0

    def __post_init__(self) -> None:
        require_utc(self.time, name="time")
        require_utc(self.first_seen, name="first_seen")
        if not 0.0 <= self.quality <= 1.0:
            raise ValueError(f"quality must be in [0, 1], got {self.quality}")
