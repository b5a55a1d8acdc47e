"""Decoded records, one frozen type per category; ``to_json`` gives the CLI's JSON object."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class _Record:
    category: ClassVar[int]
    offset: int
    """Absolute byte offset of the record's FSPEC in the input."""
    sac: int | None = None
    sic: int | None = None
    time_of_day_s: float | None = None
    """Seconds since UTC midnight (LSB 1/128 s), as sent."""
    items: tuple[str, ...] = ()
    """Data items present, in UAP order (e.g. ``"I048/040"``)."""

    def to_json(self) -> dict[str, object]:
        """The record as a JSON object: ``category`` and every field that is present."""
        out: dict[str, object] = {"category": self.category}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or f.name == "items":
                continue
            out[f.name] = value
        out["items"] = list(self.items)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Cat048Record(_Record):
    """A monoradar target report (plot or local track)."""

    category: ClassVar[int] = 48
    target_type: int | None = None
    """I048/020 TYP: 1 PSR, 2 SSR, 3 SSR+PSR, 4 Mode S all-call, 5 roll-call, 6/7 with PSR."""
    simulated: bool | None = None
    range_m: float | None = None
    azimuth_deg: float | None = None
    mode3a: str | None = None
    flight_level: float | None = None
    aircraft_address: str | None = None
    callsign: str | None = None
    track_number: int | None = None
    x_m: float | None = None
    y_m: float | None = None
    ground_speed_mps: float | None = None
    heading_deg: float | None = None
    bds_registers: int | None = None
    """How many Mode S BDS registers (I048/250) the record carries."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Cat062Record(_Record):
    """A system track (SDPS output)."""

    category: ClassVar[int] = 62
    service_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    x_m: float | None = None
    y_m: float | None = None
    vx_mps: float | None = None
    vy_mps: float | None = None
    track_number: int | None = None
    mode3a: str | None = None
    callsign: str | None = None
    aircraft_address: str | None = None
    flight_level: float | None = None
    geometric_altitude_ft: float | None = None
    barometric_altitude_fl: float | None = None
    rate_of_climb_ftpm: float | None = None
    mono_sensor: bool | None = None
    coasting: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cat034Record(_Record):
    """A monoradar service message (north marker, sector crossing, ...)."""

    category: ClassVar[int] = 34
    message_type: int | None = None
    """1 north marker, 2 sector crossing, 3 geographical filtering, 4 jamming strobe."""
    sector_deg: float | None = None
    antenna_period_s: float | None = None
    height_m: float | None = None
    lat: float | None = None
    lon: float | None = None
    range_error_m: float | None = None
    azimuth_error_deg: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cat021Record(_Record):
    """An ADS-B target report (a cooperative aircraft)."""

    category: ClassVar[int] = 21
    track_number: int | None = None
    lat: float | None = None
    lon: float | None = None
    aircraft_address: str | None = None
    callsign: str | None = None
    geometric_height_ft: float | None = None
    flight_level: float | None = None
    mode3a: str | None = None
    emitter_category: int | None = None
    time_applicability_position_s: float | None = None
    time_reception_position_s: float | None = None
    time_reception_velocity_s: float | None = None
    time_report_transmission_s: float | None = None


AsterixRecord = Cat048Record | Cat062Record | Cat034Record | Cat021Record
