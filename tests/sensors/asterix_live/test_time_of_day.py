"""ASTERIX time of day resolved against the node's clock, across midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kordon.sensors.asterix.geometry import RadarGeometry
from kordon.sensors.asterix.observer import RadarObserver
from kordon.sensors.asterix.time_of_day import resolve_time_of_day, valid_time_of_day
from tests.sensors.asterix_live.support import FRAME

MIDNIGHT = datetime(2026, 5, 5, 0, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tod_s", "now", "expected"),
    [
        (86_399.9, MIDNIGHT + timedelta(seconds=0.2), MIDNIGHT - timedelta(seconds=0.1)),
        (0.1, MIDNIGHT - timedelta(seconds=0.1), MIDNIGHT + timedelta(seconds=0.1)),
        (3_600.0, MIDNIGHT + timedelta(hours=1, seconds=2), MIDNIGHT + timedelta(hours=1)),
        (43_000.0, MIDNIGHT + timedelta(hours=23), MIDNIGHT + timedelta(seconds=43_000)),
    ],
    ids=["plot-before-midnight-arrives-after", "radar-clock-ahead", "same-day", "eleven-hours"],
)
def test_the_day_is_the_one_nearest_the_clock(
    tod_s: float, now: datetime, expected: datetime
) -> None:
    [t] = resolve_time_of_day([tod_s], now)
    assert t == pytest.approx(expected.timestamp(), abs=1e-6)


@given(st.floats(0.0, 86_399.99), st.floats(-43_000.0, 43_000.0))
def test_a_time_within_half_a_day_of_the_clock_comes_back_exactly(
    base_s: float, skew_s: float
) -> None:
    moment = MIDNIGHT.timestamp() + base_s
    now = datetime.fromtimestamp(moment + skew_s, UTC)
    [t] = resolve_time_of_day([moment % 86_400.0], now)
    assert t == pytest.approx(moment, abs=1e-6)


def test_times_of_day_past_a_day_are_invalid_and_give_no_time() -> None:
    assert valid_time_of_day([0.0, 86_399.99, 86_400.0, 131_071.0, -1.0]).tolist() == [
        True,
        True,
        False,
        False,
        False,
    ]
    observer = RadarObserver("r", RadarGeometry(0.0, 0.0), FRAME, confidence=0.5)
    now = MIDNIGHT + timedelta(seconds=5)
    times = observer.times([4.0, None, 100_000.0], now)
    assert times[0] == pytest.approx(now.timestamp() - 1.0)
    assert times[1] == now.timestamp()  # no time of day: stamped at arrival
    assert np.isnan(times[2])


def test_max_delay_keeps_a_late_plot_within_the_lag() -> None:
    observer = RadarObserver("r", RadarGeometry(0.0, 0.0), FRAME, confidence=0.5, max_delay_s=2.0)
    now = MIDNIGHT + timedelta(seconds=30)
    [t] = observer.times([20.0], now)
    assert t == now.timestamp() - 2.0
