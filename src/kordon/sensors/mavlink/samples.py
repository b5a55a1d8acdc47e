"""Typed telemetry samples of one drone log, and the reasons a message is dropped."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime


class PositionSource(enum.StrEnum):
    """Which message a position came from (the fused estimate is preferred over raw GPS)."""

    GLOBAL_POSITION_INT = "GLOBAL_POSITION_INT"
    GPS_RAW_INT = "GPS_RAW_INT"
    DATAFLASH_GPS = "GPS"


class DropReason(enum.StrEnum):
    """Why a message or sample did not become telemetry."""

    BAD_DATA = "bad_data"  # corrupt bytes, bad CRC, unknown message (pymavlink BAD_DATA)
    NO_FIX = "no_fix"  # GPS without a 2D/3D fix, or the 0/0 placeholder position
    OUT_OF_RANGE = "out_of_range"  # latitude/longitude/altitude outside plausible bounds
    BAD_TIME = "bad_time"  # no timestamp, or not finite
    TIME_BACKWARDS = "time_backwards"  # earlier than the last accepted sample of the source
    GPS_JUMP = "gps_jump"  # implies a speed no drone flies (a jump of kilometres)
    UNREADABLE_REST = "unreadable_rest"  # the parser gave up: the rest of the file is skipped


@dataclass(frozen=True, slots=True)
class PositionSample:
    """A WGS84 position of one vehicle; ``alt_m`` is above mean sea level."""

    time: datetime
    system_id: int
    lat: float
    lon: float
    alt_m: float
    source: PositionSource


@dataclass(frozen=True, slots=True)
class AttitudeSample:
    """Vehicle attitude in degrees (yaw clockwise from north, in [0, 360))."""

    time: datetime
    system_id: int
    roll_deg: float
    pitch_deg: float
    yaw_deg: float


@dataclass(frozen=True, slots=True)
class BatterySample:
    """Battery state; a field is ``None`` when the vehicle reports it as unknown."""

    time: datetime
    system_id: int
    voltage_v: float | None
    current_a: float | None
    remaining_pct: float | None


@dataclass(frozen=True, slots=True)
class ModeSample:
    """Flight mode as the autopilot names it (``GUIDED``, ``AUTO``, ...) and its number."""

    time: datetime
    system_id: int
    mode: str
    custom_mode: int


@dataclass
class TelemetryLog:
    """Everything read from one log: samples in file order, and what was dropped and why.

    ``utc_clock`` is False for a DataFlash log without GPS time: its times are then
    seconds since boot counted from 1970-01-01, not wall-clock UTC.
    """

    positions: list[PositionSample] = field(default_factory=list)
    attitudes: list[AttitudeSample] = field(default_factory=list)
    batteries: list[BatterySample] = field(default_factory=list)
    modes: list[ModeSample] = field(default_factory=list)
    dropped: Counter[DropReason] = field(default_factory=Counter)
    drop_details: list[str] = field(default_factory=list)
    messages: int = 0
    utc_clock: bool = True

    def drop(self, reason: DropReason, detail: str, *, keep_details: int = 50) -> None:
        """Count a drop; keep the first ``keep_details`` explanations for the report."""
        self.dropped[reason] += 1
        if len(self.drop_details) < keep_details:
            self.drop_details.append(f"{reason.value}: {detail}")

    @property
    def system_ids(self) -> list[int]:
        """Vehicles with at least one accepted position, ascending."""
        return sorted({p.system_id for p in self.positions})
