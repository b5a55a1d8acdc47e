from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.observation import Observation

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_event_time_normalised_to_utc_and_ids_unique() -> None:
    kyiv = timezone(timedelta(hours=2))
    a = Event(
        kind=EventKind.LINE_CROSSING,
        time=T0.astimezone(kyiv),
        source_id="cam-1",
        direction=Direction.IN,
    )
    b = Event(kind=EventKind.LINE_CROSSING, time=T0, source_id="cam-1")
    assert a.time == T0
    assert a.time.tzinfo == UTC
    assert a.id != b.id


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source_id": ""}, "source_id"),
        ({"confidence": 1.5}, "confidence"),
        ({"lat": 91.0}, "lat"),
        ({"lon": -181.0}, "lon"),
        ({"x": float("nan")}, "x must be finite"),
    ],
)
def test_event_rejects_bad_values(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"kind": EventKind.ZONE_ENTER, "time": T0, "source_id": "cam"}
    base.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Event(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cov", "message"),
    [
        (((1.0, 0.5), (0.4, 1.0)), "symmetric"),
        (((-1.0, 0.0), (0.0, 1.0)), "semi-definite"),
        (((1.0, 2.0), (2.0, 1.0)), "semi-definite"),
    ],
)
def test_observation_covariance_checked(
    cov: tuple[tuple[float, float], tuple[float, float]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Observation(
            sensor_id="s",
            time=T0,
            class_name="person",
            score=0.5,
            east_m=0.0,
            north_m=0.0,
            covariance_m2=cov,
        )
