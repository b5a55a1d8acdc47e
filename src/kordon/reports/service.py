"""``ReportService``: makes a report from a request, writes it, and records it in the
ledger; keeps the reports generated on the node (API, schedule) in one folder.

A kept report is ``<directory>/<id>.<pdf|html>`` with a sidecar ``<id>.json`` saying what
it is (kind, subject, sector, period, hash), so it can be found and scope-checked again.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from kordon.domain.time import require_utc
from kordon.reports.document import ReportDocument
from kordon.reports.errors import ReportError, ReportInputError
from kordon.reports.output import ReportFormat, ReportKind
from kordon.reports.period import PeriodKind, ReportPeriod
from kordon.reports.project import project_document
from kordon.reports.project_facts import ProjectRegister
from kordon.reports.record import ReportRecord
from kordon.reports.request import ReportRequest
from kordon.reports.sector import sector_document
from kordon.reports.sector_source import SectorReportSource
from kordon.reports.site_outline import SiteOutline
from kordon.reports.writer import ReportWriter

REPORT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,159}$")


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A report kept by the node."""

    id: str
    kind: ReportKind
    subject: str
    sector_id: str | None
    project_id: str | None
    fmt: ReportFormat
    path: Path
    sha256: str
    title: str
    first_day: date
    last_day: date
    generated_at: datetime
    generated_by: str

    @property
    def filename(self) -> str:
        return self.path.name


class ReportService:
    """Sector reports from ``sectors``; project reports from ``projects`` (``None`` when
    this node has no equipment register: project requests are then refused)."""

    def __init__(
        self,
        *,
        outline: SiteOutline,
        sectors: SectorReportSource,
        writer: ReportWriter,
        directory: Path,
        projects: ProjectRegister | None = None,
        banner: str = "",
    ) -> None:
        self._outline = outline
        self._sectors = sectors
        self._writer = writer
        self._directory = directory
        self._projects = projects
        self._banner = banner

    @property
    def outline(self) -> SiteOutline:
        return self._outline

    def period(self, first: str, last: str) -> ReportPeriod:
        """``--from``/``--to`` texts as a period in the site's time zone."""
        return ReportPeriod.parse(first, last, timezone=self._outline.timezone)

    def document(
        self, request: ReportRequest, *, at: datetime, requested_by: str
    ) -> ReportDocument:
        """The report laid out (not rendered); ``UnknownSubjectError`` for an unknown id."""
        at = require_utc(at, name="at")
        if request.kind is ReportKind.SECTOR:
            facts = self._sectors.facts(sector_id=request.sector_id, period=request.period, at=at)
            return sector_document(facts, requested_by=requested_by, banner=self._banner)
        if self._projects is None:
            raise ReportError(
                "project reports need the equipment register, which is not available here"
            )
        assert request.project_id is not None  # checked by ReportRequest
        project = self._projects.project_facts(
            request.project_id, start=request.period.start, end=request.period.end, at=at
        )
        return project_document(
            project,
            period=request.period,
            generated_at=at,
            requested_by=requested_by,
            site_name=f"{self._outline.name} ({self._outline.site_id})",
        )

    def write(
        self, request: ReportRequest, path: Path, *, at: datetime, requested_by: str
    ) -> ReportRecord:
        """Make the report into ``path`` (its extension must match the format), record it."""
        if ReportFormat.for_path(path) is not request.fmt:
            raise ReportInputError(f"{path.name} does not end in {request.fmt.suffix}")
        document = self.document(request, at=at, requested_by=requested_by)
        return self._writer.write(
            document,
            path,
            kind=request.kind,
            subject=request.subject(self._outline.site_id),
            period=request.period,
            fmt=request.fmt,
            generated_at=require_utc(at, name="at"),
            generated_by=requested_by,
        )

    def generate(
        self,
        request: ReportRequest,
        *,
        at: datetime,
        requested_by: str,
        report_id: str | None = None,
    ) -> StoredReport:
        """Make and keep a report (id random unless given: the schedule names its own)."""
        report_id = report_id or secrets.token_hex(16)
        _check_id(report_id)
        self._directory.mkdir(parents=True, exist_ok=True)
        path = self._directory / f"{report_id}{request.fmt.suffix}"
        record = self.write(request, path, at=at, requested_by=requested_by)
        stored = StoredReport(
            id=report_id,
            kind=request.kind,
            subject=record.subject,
            sector_id=request.sector_id,
            project_id=request.project_id,
            fmt=request.fmt,
            path=path,
            sha256=record.sha256,
            title=record.title,
            first_day=request.period.first_day,
            last_day=request.period.last_day,
            generated_at=record.generated_at,
            generated_by=requested_by,
        )
        _sidecar(self._directory, report_id).write_text(
            json.dumps(_to_json(stored), sort_keys=True), encoding="utf-8"
        )
        return stored

    def find(self, report_id: str) -> StoredReport | None:
        """A kept report by id; ``None`` when unknown (or the id is malformed)."""
        if not REPORT_ID.match(report_id):
            return None
        sidecar = _sidecar(self._directory, report_id)
        try:
            stored = _from_json(
                self._directory, report_id, json.loads(sidecar.read_text(encoding="utf-8"))
            )
        except (OSError, ValueError, KeyError, TypeError):  # missing or damaged sidecar
            return None
        return stored if stored.path.is_file() else None


def scheduled_id(kind: PeriodKind, request: ReportRequest, site_id: str) -> str:
    """The id of a scheduled report: ``day-sector-s1-2026-12-04``, ``month-site-2026-11``."""
    subject = request.subject(site_id).replace(":", "-")
    if subject.startswith("site-"):
        subject = "site"
    text = f"{kind}-{subject}-{request.period.slug()}-{request.fmt}"
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)[:160]


def _check_id(report_id: str) -> None:
    if not REPORT_ID.match(report_id):
        raise ReportInputError(f"report id {report_id!r} must be letters, digits, - and _")


def _sidecar(directory: Path, report_id: str) -> Path:
    return directory / f"{report_id}.json"


def _to_json(stored: StoredReport) -> dict[str, str | None]:
    return {
        "kind": str(stored.kind),
        "subject": stored.subject,
        "sector_id": stored.sector_id,
        "project_id": stored.project_id,
        "format": str(stored.fmt),
        "sha256": stored.sha256,
        "title": stored.title,
        "from": stored.first_day.isoformat(),
        "to": stored.last_day.isoformat(),
        "generated_at": stored.generated_at.isoformat(),
        "generated_by": stored.generated_by,
    }


def _from_json(directory: Path, report_id: str, data: dict[str, str | None]) -> StoredReport:
    fmt = ReportFormat(str(data["format"]))
    return StoredReport(
        id=report_id,
        kind=ReportKind(str(data["kind"])),
        subject=str(data["subject"]),
        sector_id=data.get("sector_id"),
        project_id=data.get("project_id"),
        fmt=fmt,
        path=directory / f"{report_id}{fmt.suffix}",
        sha256=str(data["sha256"]),
        title=str(data["title"]),
        first_day=date.fromisoformat(str(data["from"])),
        last_day=date.fromisoformat(str(data["to"])),
        generated_at=datetime.fromisoformat(str(data["generated_at"])),
        generated_by=str(data["generated_by"]),
    )
