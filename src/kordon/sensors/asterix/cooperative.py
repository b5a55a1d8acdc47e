"""``CooperativeAircraft``: the ADS-B (CAT021) aircraft a radar feed reports, kept apart.

Cooperative aircraft announce themselves (address, callsign, position); they are not
intruders and never enter the site picture's observations. The latest report of each is
kept here (bounded, aged out) for the map to show them apart from the rest.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kordon.sensors.asterix.records import Cat021Record

DEFAULT_MAX_AGE_S = 60.0
DEFAULT_MAX_AIRCRAFT = 5_000


@dataclass(frozen=True, slots=True)
class Aircraft:
    """The latest ADS-B report of one aircraft; ``time_s`` POSIX seconds."""

    key: str
    """ICAO 24-bit address (hex), else ``TN`` + the ground station's track number."""
    time_s: float
    sensor_id: str
    lat: float | None
    lon: float | None
    callsign: str | None
    flight_level: float | None
    geometric_height_ft: float | None


class CooperativeAircraft:
    """Latest report per aircraft, over every radar feed that carries CAT021 (thread-safe)."""

    def __init__(
        self, *, max_age_s: float = DEFAULT_MAX_AGE_S, max_aircraft: int = DEFAULT_MAX_AIRCRAFT
    ) -> None:
        if not (max_age_s > 0 and max_aircraft >= 1):
            raise ValueError("max_age_s must be > 0 and max_aircraft >= 1")
        self.max_age_s = max_age_s
        self.max_aircraft = max_aircraft
        self._lock = threading.Lock()
        self._latest: dict[str, Aircraft] = {}

    def update(self, sensor_id: str, record: Cat021Record, time_s: float) -> bool:
        """Keep ``record`` (stamped ``time_s``) as its aircraft's latest; False when it names
        no aircraft (neither address nor track number)."""
        if record.aircraft_address is not None:
            key = record.aircraft_address
        elif record.track_number is not None:
            key = f"TN{record.track_number}"
        else:
            return False
        aircraft = Aircraft(
            key=key,
            time_s=time_s,
            sensor_id=sensor_id,
            lat=record.lat,
            lon=record.lon,
            callsign=record.callsign,
            flight_level=record.flight_level,
            geometric_height_ft=record.geometric_height_ft,
        )
        with self._lock:
            previous = self._latest.get(key)
            if previous is None or previous.time_s <= time_s:
                self._latest[key] = aircraft
            if len(self._latest) > self.max_aircraft:
                oldest = min(self._latest.values(), key=lambda a: a.time_s)
                del self._latest[oldest.key]
        return True

    def current(self, now_s: float) -> list[Aircraft]:
        """Aircraft reported within ``max_age_s`` of ``now_s``, by key; older ones are
        forgotten."""
        with self._lock:
            for key in [k for k, a in self._latest.items() if now_s - a.time_s > self.max_age_s]:
                del self._latest[key]
            return [self._latest[k] for k in sorted(self._latest)]
