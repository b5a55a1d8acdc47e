"""``AircraftPublic``: a cooperative (ADS-B) aircraft on the operator map (the live feed's
``aircraft`` message)."""

from __future__ import annotations

from datetime import datetime

from kordon.api.schemas.base import PublicModel
from kordon.domain.aircraft import AircraftState, AircraftStatus


class AircraftPublic(PublicModel):
    """One cooperative aircraft's latest ADS-B report, apart from the fused ground picture.

    ``key`` is the ICAO 24-bit address (hex) or, without one, ``<sensor_id>:TN<n>``.
    ``status`` ``expired``: the station has been silent about it past its limit; remove it.
    ``flight_level`` is barometric (hundreds of feet), ``track_deg`` clockwise from true
    north."""

    key: str
    icao_address: str | None
    callsign: str | None
    time: datetime
    sensor_id: str
    sac: int
    sic: int
    lat: float
    lon: float
    flight_level: float | None
    geometric_altitude_ft: float | None
    ground_speed_mps: float | None
    track_deg: float | None
    mode3a: str | None
    emitter_category: int | None
    status: AircraftStatus

    @classmethod
    def of(cls, state: AircraftState) -> AircraftPublic:
        return cls(
            key=state.key,
            icao_address=state.icao_address,
            callsign=state.callsign,
            time=state.time,
            sensor_id=state.sensor_id,
            sac=state.sac,
            sic=state.sic,
            lat=state.lat,
            lon=state.lon,
            flight_level=state.flight_level,
            geometric_altitude_ft=state.geometric_altitude_ft,
            ground_speed_mps=state.ground_speed_mps,
            track_deg=state.track_deg,
            mode3a=state.mode3a,
            emitter_category=state.emitter_category,
            status=state.status,
        )
