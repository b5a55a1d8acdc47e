"""Scheduled reports: yesterday's and last month's, each made once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kordon.reports.output import ReportFormat
from kordon.reports.record import ReportRecord
from kordon.reports.schedule import Schedule, ScheduledReports
from kordon.reports.sector_source import SectorReportSource
from kordon.reports.service import ReportService
from kordon.reports.writer import ReportWriter
from kordon.store import Store
from kordon.video.source.clock import FakeClock
from tests.reports.projects import PROJECT, StaticProjectRegister
from tests.reports.seed import OUTLINE, SLA

NOW = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
"""08:00 on 11 March in Kyiv: 10 March and February are over."""


def scheduled(
    store: Store,
    directory: Path,
    clock: FakeClock,
    projects: list[str],
    recorded: list[ReportRecord],
) -> ScheduledReports:
    service = ReportService(
        outline=OUTLINE,
        sectors=SectorReportSource(store, OUTLINE, sla=SLA),
        writer=ReportWriter(recorded.append),
        directory=directory,
        projects=StaticProjectRegister(),
    )
    return ScheduledReports(
        service,
        clock=clock.now,
        schedule=Schedule(sectors=(None, "s1"), fmt=ReportFormat.HTML),
        projects=lambda: projects,
    )


def test_due_reports_are_yesterday_and_last_month(sqlite_store: Store, tmp_path: Path) -> None:
    job = scheduled(sqlite_store, tmp_path, FakeClock(NOW), [PROJECT.id], [])
    ids = sorted(report_id for report_id, _, _ in job.due(NOW))
    assert ids == [
        "day-sector-s1-2026-03-10-html",
        "day-site-2026-03-10-html",
        "month-project-P-2026-01-2026-02-html",
        "month-sector-s1-2026-02-html",
        "month-site-2026-02-html",
    ]


def test_the_local_day_decides_what_yesterday_is(sqlite_store: Store, tmp_path: Path) -> None:
    job = scheduled(sqlite_store, tmp_path, FakeClock(NOW), [], [])
    # 22:30 UTC on 10 March is already 00:30 on 11 March in Kyiv
    late = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)
    assert "day-site-2026-03-10-html" in {i for i, _, _ in job.due(late)}
    early = late - timedelta(hours=1)
    assert "day-site-2026-03-09-html" in {i for i, _, _ in job.due(early)}


def test_each_report_is_made_once(sqlite_store: Store, tmp_path: Path) -> None:
    recorded: list[ReportRecord] = []
    clock = FakeClock(NOW)
    job = scheduled(sqlite_store, tmp_path, clock, [PROJECT.id], recorded)
    made = job.run()
    assert len(made) == 5
    assert len(recorded) == 5
    assert all(r.generated_by == "system:reports" for r in made)
    clock.advance(600)
    assert job.run() == []  # also after a restart: the kept files say what was made
    again = scheduled(sqlite_store, tmp_path, clock, [PROJECT.id], recorded)
    assert again.run() == []


def test_a_failing_report_does_not_stop_the_others(
    sqlite_store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    job = scheduled(sqlite_store, tmp_path, FakeClock(NOW), ["P-404", PROJECT.id], [])
    made = job.run()
    assert len(made) == 5
    assert "P-404" in caplog.text
