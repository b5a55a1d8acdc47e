"""``ReportRequest``: which report, for what, over which days, in which format."""

from __future__ import annotations

from dataclasses import dataclass

from kordon.reports.errors import ReportInputError
from kordon.reports.output import ReportFormat, ReportKind
from kordon.reports.period import ReportPeriod


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """A sector report names a sector (``None``: every sector of the site); a project
    report must name its funding project."""

    kind: ReportKind
    period: ReportPeriod
    fmt: ReportFormat
    sector_id: str | None = None
    project_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind is ReportKind.PROJECT and not self.project_id:
            raise ReportInputError("a project report needs a funding project: give --project ID")
        if self.kind is ReportKind.PROJECT and self.sector_id is not None:
            raise ReportInputError("a project report covers a whole project: drop --sector")
        if self.kind is ReportKind.SECTOR and self.project_id is not None:
            raise ReportInputError("a sector report is not about a project: drop --project")

    def subject(self, site_id: str) -> str:
        """``sector:<id>``, ``site:<id>`` or ``project:<id>``."""
        if self.kind is ReportKind.PROJECT:
            return f"project:{self.project_id}"
        return f"sector:{self.sector_id}" if self.sector_id is not None else f"site:{site_id}"
