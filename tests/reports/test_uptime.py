"""Uptime from a state timeline: a state holds until the next report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kordon.domain.status import DeviceState
from kordon.reports.uptime import StateChange, device_uptime

START = datetime(2026, 3, 10, tzinfo=UTC)
END = START + timedelta(hours=10)


def at(hours: float, state: DeviceState, detail: str = "") -> StateChange:
    return StateChange(START + timedelta(hours=hours), state, detail)


ONLINE, OFFLINE, DEGRADED = DeviceState.ONLINE, DeviceState.OFFLINE, DeviceState.DEGRADED
STOPPED, STARTING = DeviceState.STOPPED, DeviceState.STARTING


@pytest.mark.parametrize(
    ("before", "changes", "observed_h", "up_h", "outages"),
    [
        (at(-1, ONLINE), [], 10, 10, []),
        (None, [], 0, 0, []),
        (None, [at(4, ONLINE)], 6, 6, []),  # unknown before its first report
        (at(-1, ONLINE), [at(2, OFFLINE), at(3, ONLINE)], 10, 9, [(2, 3, False)]),
        (at(-1, OFFLINE), [at(1, ONLINE)], 10, 9, [(0, 1, False)]),  # down since before
        (at(-1, ONLINE), [at(8, OFFLINE)], 10, 8, [(8, 10, True)]),  # still down at the end
        (at(-1, ONLINE), [at(2, DEGRADED), at(3, ONLINE)], 10, 10, []),  # degraded is up
        # stopped, then starting: one outage from the first not-up report
        (at(-1, ONLINE), [at(2, STOPPED), at(3, STARTING), at(4, ONLINE)], 10, 8, [(2, 4, False)]),
    ],
)  # fmt: skip
def test_uptime_and_outages(
    before: StateChange | None,
    changes: list[StateChange],
    observed_h: float,
    up_h: float,
    outages: list[tuple[float, float, bool]],
) -> None:
    uptime = device_uptime("cam1", before=before, changes=changes, start=START, end=END)
    assert uptime.observed_s == pytest.approx(observed_h * 3600)
    assert uptime.up_s == pytest.approx(up_h * 3600)
    got = [
        (
            (o.start - START).total_seconds() / 3600,
            (o.end - START).total_seconds() / 3600,
            o.ongoing,
        )
        for o in uptime.outages
    ]
    assert got == outages


def test_reports_outside_the_period_are_ignored() -> None:
    uptime = device_uptime(
        "cam1", before=None, changes=[at(-2, OFFLINE), at(11, OFFLINE)], start=START, end=END
    )
    assert uptime.observed_s == 0
    assert uptime.uptime is None
