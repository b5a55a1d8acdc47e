"""``report_service_for``: the report service of a site, as the CLI and the node build it."""

from __future__ import annotations

from kordon.config.models import SiteConfig
from kordon.incidents.sla import SlaPolicy
from kordon.reports.project_facts import ProjectRegister
from kordon.reports.record import ReportSink
from kordon.reports.sector_source import SectorReportSource
from kordon.reports.service import ReportService
from kordon.reports.site_outline import SiteOutline
from kordon.reports.writer import ReportWriter
from kordon.store import Store

REPORTS_DIR = "reports"
"""Where the node keeps generated reports, under the site's data directory."""


def report_service_for(
    config: SiteConfig,
    store: Store,
    sink: ReportSink,
    *,
    projects: ProjectRegister | None = None,
    banner: str = "",
) -> ReportService:
    """Reports of ``config``'s site from ``store`` (open), each recorded by ``sink``, kept
    in ``<data_dir>/reports``; the SLA is the site's acknowledgement SLA."""
    outline = SiteOutline.from_config(config)
    return ReportService(
        outline=outline,
        sectors=SectorReportSource(
            store, outline, sla=SlaPolicy(ack_s=config.incidents.sla.by_priority())
        ),
        writer=ReportWriter(sink),
        directory=config.data_path() / REPORTS_DIR,
        projects=projects,
        banner=banner,
    )
