"""``AircraftState``: a cooperative aircraft (ADS-B) for the operator map (the ``aircraft``
bus channel).

Cooperative aircraft announce themselves (ICAO 24-bit address, callsign, position,
altitude); they are shown on the map apart from the fused ground picture and never become
observations. The last message of an aircraft is ``expired``: it has been silent longer than
its station's configured silence, and the map removes it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kordon.domain.time import require_utc

_ICAO = re.compile(r"[0-9A-F]{6}")
MAX_CALLSIGN_CHARS = 8


class AircraftStatus(StrEnum):
    """Whether the aircraft is still reported."""

    CURRENT = "current"
    EXPIRED = "expired"
    """Silent past its station's limit: the last message about it; the map removes it."""


def _finite(**values: float | None) -> None:
    for name, value in values.items():
        if value is not None and not math.isfinite(value):
            raise ValueError(f"aircraft: {name} must be finite, got {value}")


@dataclass(frozen=True, slots=True)
class AircraftState:
    """One cooperative aircraft's latest report, as its ground station gave it.

    ``key`` is its identity on the map: the ICAO 24-bit address (six upper-case hex
    digits), else ``<sensor_id>:TN<track number>`` (a ground station's own track number
    means nothing to another station). Fields a report left out are the last ones heard.
    """

    key: str
    time: datetime
    """When the position was received (UTC)."""
    sensor_id: str
    """The radar / ADS-B ground station (its configured sensor id) that reported it."""
    sac: int
    sic: int
    lat: float
    lon: float
    icao_address: str | None = None
    callsign: str | None = None
    """Target identification (I021/170), trailing spaces removed."""
    flight_level: float | None = None
    """Barometric, flight levels (hundreds of feet on 1013.25 hPa)."""
    geometric_altitude_ft: float | None = None
    ground_speed_mps: float | None = None
    track_deg: float | None = None
    """Track over the ground, clockwise from true north, [0, 360)."""
    mode3a: str | None = None
    """The squawk (four octal digits)."""
    emitter_category: int | None = None
    """I021/020 ECAT (1 light, 3 medium, 5 heavy, 10 rotorcraft, 13 UAV, ...)."""
    status: AircraftStatus = AircraftStatus.CURRENT

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", require_utc(self.time, name="aircraft time"))
        if not self.key:
            raise ValueError("aircraft: key must not be empty")
        if not self.sensor_id:
            raise ValueError("aircraft: sensor_id must not be empty")
        if not (0 <= self.sac <= 255 and 0 <= self.sic <= 255):
            raise ValueError(f"aircraft: SAC/SIC must be 0..255, got {self.sac}/{self.sic}")
        _finite(
            lat=self.lat,
            lon=self.lon,
            flight_level=self.flight_level,
            geometric_altitude_ft=self.geometric_altitude_ft,
            ground_speed_mps=self.ground_speed_mps,
            track_deg=self.track_deg,
        )
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"aircraft: position {self.lat}, {self.lon} is not on the Earth")
        if self.icao_address is not None and not _ICAO.fullmatch(self.icao_address):
            raise ValueError(
                f"aircraft: ICAO address must be six upper-case hex digits, "
                f"got {self.icao_address!r}"
            )
        if self.callsign is not None and len(self.callsign) > MAX_CALLSIGN_CHARS:
            raise ValueError(
                f"aircraft: callsign has at most {MAX_CALLSIGN_CHARS} characters, "
                f"got {self.callsign!r}"
            )
        if self.ground_speed_mps is not None and self.ground_speed_mps < 0:
            raise ValueError(
                f"aircraft: ground_speed_mps must be >= 0, got {self.ground_speed_mps}"
            )
        if self.track_deg is not None:
            object.__setattr__(self, "track_deg", self.track_deg % 360.0)

    @property
    def time_s(self) -> float:
        """``time`` as POSIX seconds."""
        return self.time.timestamp()

    @property
    def expired(self) -> bool:
        return self.status is AircraftStatus.EXPIRED
