"""From a CAT021 ADS-B report to an :class:`AircraftState` for the map.

The decoder keeps CAT021 records lean; the ground vector (I021/160, edition 2.1+: RE bit,
ground speed LSB 2^-14 NM/s in 15 bits, track angle LSB 360/2^16 degrees) is read here by
walking the record again from its offset, as the CAT062 covariance is
(:mod:`kordon.sensors.asterix.accuracy`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

from kordon.domain.aircraft import AircraftState, AircraftStatus
from kordon.sensors.asterix import cat021
from kordon.sensors.asterix.errors import AsterixDecodeError
from kordon.sensors.asterix.fields import NM_M, u
from kordon.sensors.asterix.records import Cat021Record
from kordon.sensors.asterix.uap import walk_record

T = TypeVar("T")
_SPEED_LSB_NM_S = 2.0**-14
_TRACK_LSB_DEG = 360.0 / (1 << 16)


@dataclass(frozen=True, slots=True)
class GroundVector:
    """I021/160: speed and track over the ground."""

    ground_speed_mps: float
    track_deg: float
    range_exceeded: bool
    """RE: the speed is beyond what the item holds (the value is its maximum)."""


def ground_vector(data: bytes, offset: int) -> GroundVector | None:
    """I021/160 of the CAT021 record whose FSPEC is at ``data[offset]``; ``None`` when the
    record has none (or cannot be walked)."""
    try:
        items, _end = walk_record(cat021.UAP, data, offset, len(data), 0)
    except AsterixDecodeError:
        return None
    p = items.get("I021/160")
    if p is None:
        return None
    first = u(data, p, 2)
    return GroundVector(
        ground_speed_mps=(first & 0x7FFF) * _SPEED_LSB_NM_S * NM_M,
        track_deg=u(data, p + 2, 2) * _TRACK_LSB_DEG,
        range_exceeded=bool(first & 0x8000),
    )


def aircraft_key(sensor_id: str, record: Cat021Record) -> str | None:
    """The aircraft's key: its ICAO address, else the station's track number scoped by the
    station; ``None`` when the report names neither."""
    if record.aircraft_address is not None:
        return record.aircraft_address
    if record.track_number is not None:
        return f"{sensor_id}:TN{record.track_number}"
    return None


def aircraft_state(
    sensor_id: str,
    record: Cat021Record,
    time_s: float,
    *,
    data: bytes | None = None,
    previous: AircraftState | None = None,
) -> AircraftState | None:
    """The aircraft ``record`` reports at POSIX ``time_s``; ``None`` when it names no
    aircraft, has no usable SAC/SIC, or has no position and none was heard before.

    ``data`` is the datagram the record was decoded from (for the ground vector); fields
    the report leaves out are taken from ``previous``, the same aircraft's last state.
    """
    key = aircraft_key(sensor_id, record)
    if key is None or record.sac is None or record.sic is None:
        return None
    if previous is not None and previous.key != key:
        raise ValueError(f"previous state is of aircraft {previous.key!r}, not {key!r}")
    lat, lon = record.lat, record.lon
    if lat is None or lon is None:
        if previous is None:
            return None
        lat, lon = previous.lat, previous.lon
    vector = ground_vector(data, record.offset) if data is not None else None
    base = previous or AircraftState(
        key=key,
        time=_utc(time_s),
        sensor_id=sensor_id,
        sac=record.sac,
        sic=record.sic,
        lat=0,
        lon=0,
    )
    return replace(
        base,
        time=_utc(time_s),
        sensor_id=sensor_id,
        sac=record.sac,
        sic=record.sic,
        lat=lat,
        lon=lon,
        icao_address=record.aircraft_address or base.icao_address,
        callsign=_first(record.callsign or None, base.callsign),
        flight_level=_first(record.flight_level, base.flight_level),
        geometric_altitude_ft=_first(record.geometric_height_ft, base.geometric_altitude_ft),
        ground_speed_mps=vector.ground_speed_mps if vector is not None else base.ground_speed_mps,
        track_deg=vector.track_deg if vector is not None else base.track_deg,
        mode3a=_first(record.mode3a, base.mode3a),
        emitter_category=_first(record.emitter_category, base.emitter_category),
        status=AircraftStatus.CURRENT,
    )


def _first(value: T | None, fallback: T | None) -> T | None:
    return value if value is not None else fallback


def _utc(time_s: float) -> datetime:
    return datetime.fromtimestamp(time_s, UTC)
