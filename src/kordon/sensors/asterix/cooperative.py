"""``CooperativeAircraft``: the ADS-B (CAT021) aircraft the radar feeds report, kept apart.

Cooperative aircraft announce themselves (address, callsign, position); they are not
intruders and never enter the site picture's observations. The latest state of each is
kept here (bounded) for the map, which shows them apart from the fused picture. Each
aircraft expires when its station has been silent about it for longer than that station's
``max_age_s``: :meth:`expire` hands back its last state marked ``expired``, once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from kordon.domain.aircraft import AircraftState, AircraftStatus
from kordon.sensors.asterix.aircraft import aircraft_key, aircraft_state
from kordon.sensors.asterix.records import Cat021Record

DEFAULT_MAX_AGE_S = 60.0
DEFAULT_MAX_AIRCRAFT = 5_000


@dataclass(frozen=True, slots=True)
class _Entry:
    state: AircraftState
    expires_s: float


class CooperativeAircraft:
    """Latest state per aircraft, over every radar feed that carries CAT021 (thread-safe)."""

    def __init__(
        self, *, max_age_s: float = DEFAULT_MAX_AGE_S, max_aircraft: int = DEFAULT_MAX_AIRCRAFT
    ) -> None:
        if not (max_age_s > 0 and max_aircraft >= 1):
            raise ValueError("max_age_s must be > 0 and max_aircraft >= 1")
        self.max_age_s = max_age_s
        """Silence after which an aircraft expires, unless ``update`` names another."""
        self.max_aircraft = max_aircraft
        self._lock = threading.Lock()
        self._latest: dict[str, _Entry] = {}
        self.unpositioned = 0
        """Reports of an aircraft with no position yet (not shown)."""
        self.stale = 0
        """Reports older than the aircraft's latest (ignored)."""

    def update(
        self,
        sensor_id: str,
        record: Cat021Record,
        time_s: float,
        *,
        data: bytes | None = None,
        max_age_s: float | None = None,
    ) -> AircraftState | None:
        """Keep what ``record`` (stamped POSIX ``time_s``) says as its aircraft's latest
        state and return that state; ``None`` when the report names no aircraft, has no
        position yet, or is older than the latest. ``data``: the datagram the record came
        in (for its ground vector); ``max_age_s``: this station's silence limit."""
        age_limit = self.max_age_s if max_age_s is None else max_age_s
        if not age_limit > 0:
            raise ValueError(f"max_age_s must be > 0, got {max_age_s}")
        key = aircraft_key(sensor_id, record)
        if key is None:
            return None
        with self._lock:
            entry = self._latest.get(key)
            previous = entry.state if entry is not None else None
            if previous is not None and previous.time_s > time_s:
                self.stale += 1
                return None
            state = aircraft_state(sensor_id, record, time_s, data=data, previous=previous)
            if state is None:
                self.unpositioned += 1
                return None
            self._latest[key] = _Entry(state, time_s + age_limit)
            if len(self._latest) > self.max_aircraft:
                oldest = min(self._latest.values(), key=lambda e: e.state.time_s)
                del self._latest[oldest.state.key]
            return state

    def expire(self, now_s: float) -> list[AircraftState]:
        """Forget the aircraft silent past their limit at POSIX ``now_s``; their last
        states, marked ``expired``, by key."""
        with self._lock:
            gone = sorted(k for k, e in self._latest.items() if now_s > e.expires_s)
            return [replace(self._latest.pop(k).state, status=AircraftStatus.EXPIRED) for k in gone]

    def current(self, now_s: float) -> list[AircraftState]:
        """Aircraft still within their silence limit at ``now_s``, by key (expired ones are
        forgotten)."""
        self.expire(now_s)
        with self._lock:
            return [self._latest[k].state for k in sorted(self._latest)]
