"""A funding project with known facts, and a register holding it (a real ``ProjectRegister``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from kordon.reports.errors import UnknownSubjectError
from kordon.reports.project_facts import (
    CategoryLine,
    CheckCoverage,
    Loss,
    OverdueCheck,
    ProjectFacts,
    ProjectSummary,
)

PROJECT = ProjectSummary(
    id="P-2026-01",
    name="Volyn border surveillance (demo)",
    donor="Demo Donor Fund",
    programme="Border Resilience",
    agreement_no="DDF-BR-0042",
    amount_minor=2_000_000_000,
    currency="USD",
    start_on=date(2026, 1, 1),
    end_on=date(2027, 12, 31),
    check_interval_days=90,
    demo=True,
)
FACTS = ProjectFacts(
    project=PROJECT,
    categories=(
        CategoryLine("camera", 50, 50_000_000, 48, 48_000_000, 45, 45_000_000, 43, 43_000_000),
        CategoryLine("drone", 10, 30_000_000, 10, 30_000_000, 8, 24_000_000, 7, 21_000_000),
        CategoryLine(
            "body_armour", 400, 32_000_000, 400, 32_000_000, 380, 30_400_000, 380, 30_400_000
        ),
    ),
    coverage=CheckCoverage(accountable=455, checked_recently=300),
    overdue=(
        OverdueCheck("CAM-0007", "camera", "Outpost Zabolottia, s1-tripoint", None, 40),
        OverdueCheck("BA-0131", "body_armour", "guard G-17", datetime(2026, 6, 1, tzinfo=UTC), 12),
    ),
    losses=(
        Loss(
            "DR-0003",
            "drone",
            "destroyed",
            datetime(2026, 11, 12, 9, 30, tzinfo=UTC),
            3_000_000,
            "Shot down by hostile fire near km 12 during a patrol flight; wreck recovered "
            "(report LOG-2026-118).",
        ),
    ),
)


@dataclass
class StaticProjectRegister:
    """Answers with fixed facts per project id; remembers what it was asked."""

    projects: dict[str, ProjectFacts] = field(default_factory=lambda: {PROJECT.id: FACTS})
    asked: list[tuple[str, datetime, datetime, datetime]] = field(default_factory=list)

    def project_facts(
        self, project_id: str, *, start: datetime, end: datetime, at: datetime
    ) -> ProjectFacts:
        self.asked.append((project_id, start, end, at))
        try:
            return self.projects[project_id]
        except KeyError:
            raise UnknownSubjectError(f"no funding project {project_id!r}") from None
