"""``DroneState``: one vehicle's live telemetry at a time (the ``drones`` bus channel)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kordon.domain.time import require_utc


class LinkState(StrEnum):
    """Whether the vehicle's heartbeat is still heard."""

    CONNECTED = "connected"
    LOST = "lost"


def _finite(owner: str, **values: float | None) -> None:
    for name, value in values.items():
        if value is not None and not math.isfinite(value):
            raise ValueError(f"{owner}: {name} must be finite, got {value}")


@dataclass(frozen=True, slots=True)
class Attitude:
    """Roll, pitch and yaw in degrees; yaw clockwise from north in [0, 360), pitch up > 0."""

    roll_deg: float
    pitch_deg: float
    yaw_deg: float

    def __post_init__(self) -> None:
        _finite("attitude", roll_deg=self.roll_deg, pitch_deg=self.pitch_deg, yaw_deg=self.yaw_deg)
        object.__setattr__(self, "yaw_deg", self.yaw_deg % 360.0)


@dataclass(frozen=True, slots=True)
class GimbalAttitude:
    """Camera gimbal angles in degrees: roll and pitch relative to the horizon (pitch -90
    looks straight down), yaw relative to the vehicle's heading unless ``yaw_absolute``
    (then clockwise from north)."""

    roll_deg: float
    pitch_deg: float
    yaw_deg: float
    yaw_absolute: bool = False

    def __post_init__(self) -> None:
        _finite("gimbal", roll_deg=self.roll_deg, pitch_deg=self.pitch_deg, yaw_deg=self.yaw_deg)


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS84 position; ``alt_m`` above mean sea level."""

    lat: float
    lon: float
    alt_m: float

    def __post_init__(self) -> None:
        _finite("position", lat=self.lat, lon=self.lon, alt_m=self.alt_m)
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"position {self.lat}, {self.lon} is outside WGS84 bounds")


@dataclass(frozen=True, slots=True)
class DroneState:
    """What the node knows of one vehicle at ``time`` (the node's UTC clock at receipt).

    ``drone_id`` is ``<sensor id>:<system id>``. ``relative_alt_m`` is above home;
    ``heading_deg`` clockwise from north. ``camera_hfov_deg`` comes from
    CAMERA_FOV_STATUS or the configured default. ``footprint_lonlat`` is the camera's
    footprint on the ground (four corners, [lon, lat]) or empty with the reason in
    ``footprint_note``. A field is ``None`` when the vehicle has not reported it.
    """

    sensor_id: str
    system_id: int
    time: datetime
    position: GeoPoint
    relative_alt_m: float | None = None
    heading_deg: float | None = None
    ground_speed_mps: float | None = None
    attitude: Attitude | None = None
    gimbal: GimbalAttitude | None = None
    camera_hfov_deg: float | None = None
    camera_vfov_deg: float | None = None
    battery_pct: float | None = None
    mode: str = ""
    armed: bool = False
    home: GeoPoint | None = None
    link: LinkState = LinkState.CONNECTED
    footprint_lonlat: tuple[tuple[float, float], ...] = ()
    footprint_note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", require_utc(self.time))
        if not self.sensor_id:
            raise ValueError("drone state: sensor_id must not be empty")
        if not 1 <= self.system_id <= 255:
            raise ValueError(f"drone state: system id {self.system_id} is outside 1..255")
        _finite(
            "drone state",
            relative_alt_m=self.relative_alt_m,
            heading_deg=self.heading_deg,
            ground_speed_mps=self.ground_speed_mps,
            camera_hfov_deg=self.camera_hfov_deg,
            camera_vfov_deg=self.camera_vfov_deg,
            battery_pct=self.battery_pct,
        )
        if self.footprint_lonlat and len(self.footprint_lonlat) != 4:
            raise ValueError("drone state: a footprint has four corners")

    @property
    def drone_id(self) -> str:
        return f"{self.sensor_id}:{self.system_id}"
