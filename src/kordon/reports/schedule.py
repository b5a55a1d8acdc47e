"""``ScheduledReports``: the daily and monthly reports, made once each period has ended.

The job is meant to run every few minutes in a ``PeriodicTask``. Each run works out which
reports are due at its time (yesterday's daily reports, last month's monthly ones, in the
site's time zone) and makes those not made yet: a kept report's id names its period, so
a restarted node neither repeats nor skips one. A failing report is logged and retried
at the next run; the others still happen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kordon.domain.errors import KordonError
from kordon.domain.time import require_utc
from kordon.reports.output import ReportFormat, ReportKind
from kordon.reports.period import PeriodKind, ReportPeriod, zone
from kordon.reports.request import ReportRequest
from kordon.reports.service import ReportService, StoredReport, scheduled_id

logger = logging.getLogger(__name__)

SCHEDULE_ACTOR = "system:reports"


@dataclass(frozen=True, slots=True)
class Schedule:
    """What is made: daily sector reports, monthly sector reports and monthly project
    reports; ``sectors`` lists the sector ids (``None`` in it: the whole site)."""

    sectors: tuple[str | None, ...] = (None,)
    daily: bool = True
    monthly: bool = True
    projects_monthly: bool = True
    fmt: ReportFormat = ReportFormat.PDF


class ScheduledReports:
    """``run()`` makes the reports due now; ``projects`` lists the funding project ids
    (``None``: no register, no project reports)."""

    def __init__(
        self,
        service: ReportService,
        *,
        clock: Callable[[], datetime],
        schedule: Schedule | None = None,
        projects: Callable[[], Sequence[str]] | None = None,
    ) -> None:
        self._service = service
        self._clock = clock
        self._schedule = schedule or Schedule()
        self._projects = projects

    def due(self, now: datetime) -> list[tuple[str, ReportRequest, PeriodKind]]:
        """(id, request, kind) of every scheduled report whose period ended before ``now``."""
        outline = self._service.outline
        today = require_utc(now, name="now").astimezone(zone(outline.timezone))
        yesterday = today.date() - timedelta(days=1)
        last_month_day = today.date().replace(day=1) - timedelta(days=1)
        tz = outline.timezone
        periods: list[tuple[PeriodKind, ReportPeriod, bool]] = [
            (PeriodKind.DAY, ReportPeriod.day(yesterday, timezone=tz), self._schedule.daily),
            (
                PeriodKind.MONTH,
                ReportPeriod.month(last_month_day.year, last_month_day.month, timezone=tz),
                self._schedule.monthly,
            ),
        ]
        due: list[tuple[str, ReportRequest, PeriodKind]] = []
        for kind, period, wanted in periods:
            if not wanted:
                continue
            for sector_id in self._schedule.sectors:
                request = ReportRequest(
                    ReportKind.SECTOR, period, self._schedule.fmt, sector_id=sector_id
                )
                due.append((scheduled_id(kind, request, outline.site_id), request, kind))
        if self._schedule.projects_monthly and self._projects is not None:
            month = periods[1][1]
            for project_id in self._projects():
                request = ReportRequest(
                    ReportKind.PROJECT, month, self._schedule.fmt, project_id=project_id
                )
                due.append(
                    (
                        scheduled_id(PeriodKind.MONTH, request, outline.site_id),
                        request,
                        PeriodKind.MONTH,
                    )
                )
        return due

    def run(self) -> list[StoredReport]:
        """Make the due reports not made yet; returns those made by this run."""
        now = self._clock()
        made: list[StoredReport] = []
        for report_id, request, _ in self.due(now):
            if self._service.find(report_id) is not None:
                continue
            try:
                made.append(
                    self._service.generate(
                        request, at=now, requested_by=SCHEDULE_ACTOR, report_id=report_id
                    )
                )
            except KordonError as exc:
                logger.error("scheduled report %s not made: %s", report_id, exc)
            else:
                logger.info("scheduled report %s made: %s", report_id, made[-1].path)
        return made
