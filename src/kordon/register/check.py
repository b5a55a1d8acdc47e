"""``EndUseCheck``: who saw which serial, where and when, with a photo."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class GpsFix:
    lat: float
    lon: float
    accuracy_m: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise ValueError(f"latitude {self.lat} outside [-90, 90]")
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"longitude {self.lon} outside [-180, 180]")
        if self.accuracy_m is not None and not (
            math.isfinite(self.accuracy_m) and 0.0 <= self.accuracy_m <= 100_000.0
        ):
            raise ValueError(f"GPS accuracy {self.accuracy_m} m outside [0, 100000]")


@dataclass(frozen=True, slots=True)
class EndUseCheck:
    id: str
    asset_id: str
    serial: str
    time: datetime
    checked_by: str
    fix: GpsFix
    photo_sha256: str
    photo_type: str
    photo_bytes: int
    note: str
