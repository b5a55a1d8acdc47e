"""``ReportService`` on a real store: files, sidecars, the ledger entry of every report."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kordon.evidence.entry import EntryKind
from kordon.evidence.verify import verify_ledger
from kordon.reports.errors import ReportError, ReportInputError, UnknownSubjectError
from kordon.reports.output import ReportFormat, ReportKind
from kordon.reports.period import ReportPeriod
from kordon.reports.record import ReportRecord, ReportSink, ledger_sink
from kordon.reports.request import ReportRequest
from kordon.reports.sector_source import SectorReportSource
from kordon.reports.service import ReportService
from kordon.reports.writer import ReportWriter
from kordon.services.evidence_log import EvidenceLog
from kordon.services.ledger_service import LedgerService
from kordon.store import Store
from kordon.video.source.clock import FakeClock
from tests.reports.projects import PROJECT, StaticProjectRegister
from tests.reports.seed import AT, DAY, OUTLINE, SLA, seed_sector_day

SECTOR_HTML = ReportRequest(ReportKind.SECTOR, DAY, ReportFormat.HTML, sector_id="s1")


def service_on(
    store: Store,
    directory: Path,
    sink: ReportSink,
    *,
    projects: StaticProjectRegister | None = None,
) -> ReportService:
    return ReportService(
        outline=OUTLINE,
        sectors=SectorReportSource(store, OUTLINE, sla=SLA),
        writer=ReportWriter(sink),
        directory=directory,
        projects=projects,
    )


@pytest.fixture
def recorded() -> list[ReportRecord]:
    return []


@pytest.fixture
def service(sqlite_store: Store, tmp_path: Path, recorded: list[ReportRecord]) -> ReportService:
    seed_sector_day(sqlite_store)
    return service_on(
        sqlite_store, tmp_path / "reports", recorded.append, projects=StaticProjectRegister()
    )


def test_a_generated_report_is_kept_hashed_and_recorded(
    service: ReportService, recorded: list[ReportRecord]
) -> None:
    stored = service.generate(SECTOR_HTML, at=AT, requested_by="commander")
    content = stored.path.read_bytes()
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    [record] = recorded
    assert (record.sha256, record.path, record.subject) == (stored.sha256, stored.path, "sector:s1")
    assert record.size_bytes == len(content)
    assert service.find(stored.id) == stored
    assert stored.path.suffix == ".html"


@pytest.mark.parametrize("report_id", ["nope", "../../etc/passwd", "", "a" * 200])
def test_unknown_or_malformed_ids_find_nothing(service: ReportService, report_id: str) -> None:
    assert service.find(report_id) is None


def test_a_failing_sink_leaves_no_report(sqlite_store: Store, tmp_path: Path) -> None:
    def refuse(record: ReportRecord) -> None:
        raise ReportError("ledger unavailable")

    service = service_on(sqlite_store, tmp_path, refuse)
    with pytest.raises(ReportError, match="ledger unavailable"):
        service.generate(SECTOR_HTML, at=AT, requested_by="x", report_id="r1")
    assert service.find("r1") is None
    assert not (tmp_path / "r1.html").exists()


def test_the_output_extension_must_match_the_format(service: ReportService, tmp_path: Path) -> None:
    with pytest.raises(ReportInputError, match=r"\.html"):
        service.write(SECTOR_HTML, tmp_path / "report.pdf", at=AT, requested_by="x")


def test_project_reports_ask_the_register_for_the_period(
    tmp_path: Path, sqlite_store: Store
) -> None:
    register = StaticProjectRegister()
    service = service_on(sqlite_store, tmp_path, lambda _r: None, projects=register)
    period = ReportPeriod.month(2026, 11, timezone="Europe/Kyiv")
    request = ReportRequest(ReportKind.PROJECT, period, ReportFormat.PDF, project_id=PROJECT.id)
    stored = service.generate(request, at=AT, requested_by="auditor")
    assert stored.path.read_bytes().startswith(b"%PDF-")
    assert register.asked == [(PROJECT.id, period.start, period.end, AT)]
    unknown = ReportRequest(ReportKind.PROJECT, period, ReportFormat.PDF, project_id="P-404")
    with pytest.raises(UnknownSubjectError, match="P-404"):
        service.generate(unknown, at=AT, requested_by="auditor")


def test_project_reports_need_a_register(sqlite_store: Store, tmp_path: Path) -> None:
    service = service_on(sqlite_store, tmp_path, lambda _r: None)
    request = ReportRequest(ReportKind.PROJECT, DAY, ReportFormat.PDF, project_id="P1")
    with pytest.raises(ReportError, match="equipment register"):
        service.generate(request, at=AT, requested_by="x")


@pytest.mark.parametrize(
    ("kind", "sector", "project", "message"),
    [
        (ReportKind.PROJECT, None, None, "needs a funding project"),
        (ReportKind.PROJECT, "s1", "P1", "drop --sector"),
        (ReportKind.SECTOR, None, "P1", "drop --project"),
    ],
)
def test_requests_name_the_right_subject(
    kind: ReportKind, sector: str | None, project: str | None, message: str
) -> None:
    with pytest.raises(ReportInputError, match=message):
        ReportRequest(kind, DAY, ReportFormat.PDF, sector_id=sector, project_id=project)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[LedgerService]:
    service = LedgerService(tmp_path, clock=FakeClock(AT))
    asyncio.run(service.start())
    yield service
    asyncio.run(service.stop())


def test_the_ledger_holds_the_hash_of_each_report(
    sqlite_store: Store, tmp_path: Path, ledger: LedgerService
) -> None:
    seed_sector_day(sqlite_store)
    service = service_on(sqlite_store, tmp_path / "reports", ledger_sink(EvidenceLog(ledger)))
    stored = service.generate(SECTOR_HTML, at=AT, requested_by="commander")
    entry = ledger.ledger.entry(ledger.ledger.size - 1)
    assert entry.kind is EntryKind.EXPORT
    assert entry.subject == "report:sector:s1"
    assert entry.sha256 == stored.sha256
    assert entry.payload["file"] == f"reports/{stored.path.name}"
    assert entry.payload["from"] == "2026-03-10"
    ledger.ledger.sign_tree_head(AT)
    report = verify_ledger(tmp_path / "ledger", data_dir=tmp_path)
    assert report.ok, report.render()
    stored.path.write_bytes(b"<html>changed</html>")
    assert not verify_ledger(tmp_path / "ledger", data_dir=tmp_path).ok
