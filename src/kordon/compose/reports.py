"""The site's reports: the report service the API and the schedule use, and the schedule."""

from __future__ import annotations

from collections.abc import Callable

from kordon.config.models import SiteConfig
from kordon.register.queries import RegisterQueries
from kordon.reports.record import ledger_sink
from kordon.reports.register_link import RegisterProjectFacts
from kordon.reports.schedule import Schedule, ScheduledReports
from kordon.reports.service import ReportService
from kordon.reports.site_service import report_service_for
from kordon.services.evidence_log import EvidenceLog
from kordon.store.store import Store
from kordon.video.source.clock import Clock


def report_service(config: SiteConfig, store: Store, evidence: EvidenceLog) -> ReportService:
    """The site's report service on an open store (a demo site's reports say so)."""
    return report_service_for(
        config,
        store,
        ledger_sink(evidence),
        projects=RegisterProjectFacts(RegisterQueries(store.sessions)),
        banner="DEMO DATA" if config.site.demo else "",
    )


def scheduled_reports(
    config: SiteConfig, *, store: Callable[[], Store], evidence: EvidenceLog, clock: Clock
) -> Callable[[], None]:
    """The job that writes the reports that are due: the site's and each sector's."""

    def run() -> None:
        facts = RegisterProjectFacts(RegisterQueries(store().sessions))
        ScheduledReports(
            report_service(config, store(), evidence),
            clock=clock.now,
            schedule=Schedule(sectors=(None, *(s.id for s in config.sectors))),
            projects=facts.project_ids,
        ).run()

    return run
