"""``ReportPeriod``: the days a report covers, as local calendar days of the site.

A report names whole local days (``--from 2026-11-01 --to 2026-11-30`` covers both ends);
its UTC bounds are the local midnights at the start of the first day and after the last.
Storage is UTC; the site's time zone decides what "a day" and "an hour of day" are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kordon.reports.errors import ReportInputError

MAX_DAYS = 366
"""The longest period one report covers (a year; longer reports are not readable)."""


class PeriodKind(StrEnum):
    """Calendar periods the scheduler generates; ``custom`` is any other range of days."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    CUSTOM = "custom"


def parse_day(name: str, text: str) -> date:
    """``YYYY-MM-DD`` as a date; ``ReportInputError`` naming ``name`` otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ReportInputError(
            f"{name}: {text!r} is not a date; write it as YYYY-MM-DD (e.g. 2026-11-30)"
        ) from None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReportInputError(f"unknown time zone {name!r}") from None


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """The local days ``first_day`` to ``last_day`` (both included) in ``timezone``."""

    first_day: date
    last_day: date
    timezone: str = "UTC"
    kind: PeriodKind = PeriodKind.CUSTOM

    def __post_init__(self) -> None:
        zone(self.timezone)
        if self.first_day > self.last_day:
            raise ReportInputError(
                f"the period starts after it ends: from {self.first_day.isoformat()} "
                f"> to {self.last_day.isoformat()}"
            )
        if self.days > MAX_DAYS:
            raise ReportInputError(
                f"the period is {self.days} days long; at most {MAX_DAYS} days per report"
            )

    @classmethod
    def parse(cls, first: str, last: str, *, timezone: str = "UTC") -> ReportPeriod:
        """From ``--from`` and ``--to`` texts (``YYYY-MM-DD``), both days included."""
        return cls(parse_day("--from", first), parse_day("--to", last), timezone)

    @classmethod
    def day(cls, day: date, *, timezone: str = "UTC") -> ReportPeriod:
        return cls(day, day, timezone, PeriodKind.DAY)

    @classmethod
    def week(cls, day: date, *, timezone: str = "UTC") -> ReportPeriod:
        """The ISO week (Monday to Sunday) holding ``day``."""
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + timedelta(days=6), timezone, PeriodKind.WEEK)

    @classmethod
    def month(cls, year: int, month: int, *, timezone: str = "UTC") -> ReportPeriod:
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1), timezone, PeriodKind.MONTH)

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start(self) -> datetime:
        """UTC start: local midnight at the beginning of ``first_day`` (inclusive)."""
        return datetime.combine(self.first_day, time(0), self.tz).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """UTC end: local midnight after ``last_day`` (exclusive)."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), self.tz).astimezone(UTC)

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()

    def local(self, moment: datetime) -> datetime:
        """``moment`` on the site's wall clock."""
        return moment.astimezone(self.tz)

    def label(self) -> str:
        """``2026-11-04``, ``week 2026-W45``, ``November 2026`` or ``2026-11-01 to 2026-11-09``."""
        if self.kind is PeriodKind.DAY:
            return self.first_day.isoformat()
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.first_day.isocalendar()
            return f"week {year}-W{week:02d}"
        if self.kind is PeriodKind.MONTH:
            return self.first_day.strftime("%B %Y")
        if self.first_day == self.last_day:
            return self.first_day.isoformat()
        return f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"

    def slug(self) -> str:
        """A file-name-safe name of the period: ``2026-11-04``, ``2026-W45``, ``2026-11``..."""
        if self.kind is PeriodKind.DAY:
            return self.first_day.isoformat()
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.first_day.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is PeriodKind.MONTH:
            return self.first_day.strftime("%Y-%m")
        return f"{self.first_day.isoformat()}_{self.last_day.isoformat()}"
