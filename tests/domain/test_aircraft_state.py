"""``AircraftState``: what a cooperative aircraft message may hold, and clear refusals."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from kordon.domain.aircraft import AircraftState, AircraftStatus

T0 = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)


def _state(**kw: object) -> AircraftState:
    fields: dict[str, object] = {
        "key": "50AD01",
        "time": T0,
        "sensor_id": "radar-1",
        "sac": 25,
        "sic": 12,
        "lat": 51.55,
        "lon": 23.65,
        "icao_address": "50AD01",
        "callsign": "KRD101",
        "ground_speed_mps": 230.0,
        "track_deg": 85.0,
    }
    fields.update(kw)
    return AircraftState(**fields)  # type: ignore[arg-type]


def test_a_valid_state_keeps_its_values_and_wraps_the_track() -> None:
    state = _state(track_deg=-90.0)
    assert (state.key, state.callsign, state.track_deg) == ("50AD01", "KRD101", 270.0)
    assert state.time_s == T0.timestamp()
    assert state.status is AircraftStatus.CURRENT
    assert not state.expired
    assert _state(status=AircraftStatus.EXPIRED).expired


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"time": datetime(2026, 5, 4, 12)}, "timezone-aware"),
        ({"key": ""}, "key must not be empty"),
        ({"sensor_id": ""}, "sensor_id must not be empty"),
        ({"sac": 256}, "SAC/SIC must be 0..255"),
        ({"lat": 91.0}, "is not on the Earth"),
        ({"lon": -180.5}, "is not on the Earth"),
        ({"lat": math.nan}, "lat must be finite"),
        ({"flight_level": math.inf}, "flight_level must be finite"),
        ({"icao_address": "50ad01"}, "six upper-case hex digits"),
        ({"icao_address": "50AD0"}, "six upper-case hex digits"),
        ({"callsign": "TOOLONG12"}, "at most 8 characters"),
        ({"ground_speed_mps": -1.0}, "ground_speed_mps must be >= 0"),
    ],
)
def test_bad_values_are_refused_with_the_reason(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _state(**change)
