"""Report periods: local calendar days, their UTC bounds, and clear errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kordon.reports.errors import ReportInputError
from kordon.reports.period import PeriodKind, ReportPeriod

KYIV = "Europe/Kyiv"


@pytest.mark.parametrize(
    ("first", "last", "zone", "start", "end"),
    [
        ("2026-03-10", "2026-03-10", "UTC", "2026-03-10 00:00", "2026-03-11 00:00"),
        ("2026-03-10", "2026-03-10", KYIV, "2026-03-09 22:00", "2026-03-10 22:00"),
        # the clocks go back in Kyiv on 25 October 2026: that day has 25 hours
        ("2026-10-25", "2026-10-25", KYIV, "2026-10-24 21:00", "2026-10-25 22:00"),
        ("2026-11-01", "2026-11-30", KYIV, "2026-10-31 22:00", "2026-11-30 22:00"),
    ],
)
def test_local_days_have_utc_bounds(first: str, last: str, zone: str, start: str, end: str) -> None:
    period = ReportPeriod.parse(first, last, timezone=zone)
    assert period.start == datetime.fromisoformat(start).replace(tzinfo=UTC)
    assert period.end == datetime.fromisoformat(end).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("first", "last", "zone", "message"),
    [
        ("2026-13-01", "2026-12-01", "UTC", "--from: '2026-13-01' is not a date"),
        ("2026-12-01", "yesterday", "UTC", "--to: 'yesterday' is not a date"),
        ("2026-12-02", "2026-12-01", "UTC", "from 2026-12-02 > to 2026-12-01"),
        ("2020-01-01", "2026-12-01", "UTC", "at most 366 days"),
        ("2026-12-01", "2026-12-01", "Mars/Olympus", "unknown time zone"),
    ],
)
def test_bad_periods_are_explained(first: str, last: str, zone: str, message: str) -> None:
    with pytest.raises(ReportInputError, match=message):
        ReportPeriod.parse(first, last, timezone=zone)


def test_calendar_periods_are_named() -> None:
    day = ReportPeriod.day(date(2026, 11, 4))
    week = ReportPeriod.week(date(2026, 11, 4))
    month = ReportPeriod.month(2026, 12)
    assert (day.label(), day.slug(), day.kind) == ("2026-11-04", "2026-11-04", PeriodKind.DAY)
    assert (week.first_day, week.last_day) == (date(2026, 11, 2), date(2026, 11, 8))
    assert (week.label(), week.slug()) == ("week 2026-W45", "2026-W45")
    assert (month.first_day, month.last_day) == (date(2026, 12, 1), date(2026, 12, 31))
    assert (month.label(), month.slug()) == ("December 2026", "2026-12")
    custom = ReportPeriod.parse("2026-11-01", "2026-11-09")
    assert custom.label() == "2026-11-01 to 2026-11-09"
    assert custom.days == 9
