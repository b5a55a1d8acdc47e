"""Decoded records, one immutable type per category; ``to_json`` gives the CLI's JSON object.

Records are ``NamedTuple``s: a radar sends tens of thousands of plots a second, and a tuple
is built in a fraction of the time a frozen dataclass of twenty fields takes (every field
of a frozen dataclass is set through ``object.__setattr__``). Fields are read by name;
``category`` says which kind a record is, so compare records of one category only.
"""

from __future__ import annotations

from typing import NamedTuple


def _json(category: int, record: tuple[object, ...], names: tuple[str, ...]) -> dict[str, object]:
    """``category`` and every present field (``items`` last, as a list)."""
    out: dict[str, object] = {"category": category}
    items: object = ()
    for name, value in zip(names, record, strict=True):
        if name == "items":
            items = value
        elif value is not None:
            out[name] = value
    out["items"] = list(items) if isinstance(items, tuple) else []
    return out


class Cat048Record(NamedTuple):
    """A monoradar target report (plot or local track)."""

    offset: int
    """Absolute byte offset of the record's FSPEC in the input."""
    sac: int | None = None
    sic: int | None = None
    time_of_day_s: float | None = None
    """Seconds since UTC midnight (LSB 1/128 s), as sent."""
    items: tuple[str, ...] = ()
    """Data items present, in UAP order (e.g. ``"I048/040"``)."""
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

    @property
    def category(self) -> int:
        """The ASTERIX category, 48."""
        return 48

    def to_json(self) -> dict[str, object]:
        """The record as a JSON object: ``category`` and every field that is present."""
        return _json(48, self, self._fields)


class Cat062Record(NamedTuple):
    """A system track (SDPS output)."""

    offset: int
    """Absolute byte offset of the record's FSPEC in the input."""
    sac: int | None = None
    sic: int | None = None
    time_of_day_s: float | None = None
    """Seconds since UTC midnight (LSB 1/128 s), as sent."""
    items: tuple[str, ...] = ()
    """Data items present, in UAP order (e.g. ``"I062/105"``)."""
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

    @property
    def category(self) -> int:
        """The ASTERIX category, 62."""
        return 62

    def to_json(self) -> dict[str, object]:
        """The record as a JSON object: ``category`` and every field that is present."""
        return _json(62, self, self._fields)


class Cat034Record(NamedTuple):
    """A monoradar service message (north marker, sector crossing, ...)."""

    offset: int
    """Absolute byte offset of the record's FSPEC in the input."""
    sac: int | None = None
    sic: int | None = None
    time_of_day_s: float | None = None
    """Seconds since UTC midnight (LSB 1/128 s), as sent."""
    items: tuple[str, ...] = ()
    """Data items present, in UAP order (e.g. ``"I034/000"``)."""
    message_type: int | None = None
    """1 north marker, 2 sector crossing, 3 geographical filtering, 4 jamming strobe."""
    sector_deg: float | None = None
    antenna_period_s: float | None = None
    height_m: float | None = None
    lat: float | None = None
    lon: float | None = None
    range_error_m: float | None = None
    azimuth_error_deg: float | None = None

    @property
    def category(self) -> int:
        """The ASTERIX category, 34."""
        return 34

    def to_json(self) -> dict[str, object]:
        """The record as a JSON object: ``category`` and every field that is present."""
        return _json(34, self, self._fields)


class Cat021Record(NamedTuple):
    """An ADS-B target report (a cooperative aircraft)."""

    offset: int
    """Absolute byte offset of the record's FSPEC in the input."""
    sac: int | None = None
    sic: int | None = None
    time_of_day_s: float | None = None
    """Seconds since UTC midnight (LSB 1/128 s), as sent."""
    items: tuple[str, ...] = ()
    """Data items present, in UAP order (e.g. ``"I021/131"``)."""
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

    @property
    def category(self) -> int:
        """The ASTERIX category, 21."""
        return 21

    def to_json(self) -> dict[str, object]:
        """The record as a JSON object: ``category`` and every field that is present."""
        return _json(21, self, self._fields)


AsterixRecord = Cat048Record | Cat062Record | Cat034Record | Cat021Record
