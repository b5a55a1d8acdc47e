"""Rendered reports: valid PDFs with the expected pages, self-contained HTML with its plots."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from kordon.reports.document import ReportDocument
from kordon.reports.html_render import render_html
from kordon.reports.pdf_render import render_page_images, render_pdf
from kordon.reports.period import ReportPeriod
from kordon.reports.project import project_document
from kordon.reports.project_facts import OverdueCheck
from kordon.reports.sector import sector_document
from kordon.reports.sector_source import SectorReportSource
from kordon.store import Store
from tests.reports.projects import FACTS
from tests.reports.seed import AT, DAY, OUTLINE, SLA, seed_sector_day

PNG = b"\x89PNG\r\n\x1a\n"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//""")


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


@pytest.fixture(scope="module")
def project_doc() -> ReportDocument:
    period = ReportPeriod.month(2026, 11, timezone="Europe/Kyiv")
    return project_document(
        FACTS,
        period=period,
        generated_at=datetime(2026, 12, 1, 6, tzinfo=UTC),
        requested_by="auditor",
        site_name="Volyn (volyn)",
    )


@pytest.fixture
def sector_doc(sqlite_store: Store) -> ReportDocument:
    seed_sector_day(sqlite_store)
    facts = SectorReportSource(sqlite_store, OUTLINE, sla=SLA).facts(
        sector_id="s1", period=DAY, at=AT
    )
    return sector_document(facts, requested_by="commander")


def test_the_sector_pdf_is_a_pdf_with_its_pages(sector_doc: ReportDocument) -> None:
    pdf = render_pdf(sector_doc)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"startxref" in pdf[-200:]  # a cross-reference table a reader can find
    pages = pdf_pages(pdf)
    assert pages == len(render_page_images(sector_doc, dpi=20))
    assert 3 <= pages <= 8
    assert b"Kordon" in pdf  # the Creator in the document information


def test_the_pages_render_as_images(sector_doc: ReportDocument) -> None:
    images = render_page_images(sector_doc, dpi=30)
    assert all(image.startswith(PNG) for image in images)


def test_the_sector_html_holds_its_plots_inline(sector_doc: ReportDocument) -> None:
    html = render_html(sector_doc).decode("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg") == 5  # by hour, outcomes, false alarms, SLA, uptime (one day)
    assert not EXTERNAL.search(html)
    assert "<script" not in html
    assert "<link" not in html
    assert "Tripoint sector (s1)" in html
    assert "rtsp timeout" in html  # the outage is listed with its detail


def test_html_text_is_escaped(sqlite_store: Store) -> None:
    seed_sector_day(sqlite_store)
    outline = replace(
        OUTLINE,
        name="<script>alert(1)</script>",
    )
    facts = SectorReportSource(sqlite_store, outline, sla=SLA).facts(
        sector_id="s1", period=DAY, at=AT
    )
    html = render_html(sector_document(facts, requested_by="x")).decode("utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_project_report_renders_with_its_demo_banner(project_doc: ReportDocument) -> None:
    pdf = render_pdf(project_doc)
    assert pdf.startswith(b"%PDF-")
    assert pdf_pages(pdf) >= 1
    html = render_html(project_doc).decode("utf-8")
    assert "DEMO DATA" in html
    assert html.count("<svg") == 2  # value per category, check coverage
    assert not EXTERNAL.search(html)
    assert "DDF-BR-0042" in html
    assert "CAM-0007" in html  # overdue check listed
    assert "LOG-2026-118" in html  # the loss report is in full


def test_a_long_table_continues_on_the_next_page(project_doc: ReportDocument) -> None:
    many = tuple(OverdueCheck(f"HL-{n:04d}", "helmet", "store", None, n) for n in range(200))
    facts = replace(FACTS, overdue=many)
    document = project_document(
        facts,
        period=ReportPeriod.month(2026, 11),
        generated_at=datetime(2026, 12, 1, tzinfo=UTC),
        requested_by="auditor",
        site_name="Volyn",
    )
    short = pdf_pages(render_pdf(project_doc))
    assert pdf_pages(render_pdf(document)) >= short + 3  # 200 rows need several pages
