"""``kordon report SITE --kind sector|project --from DATE --to DATE --out FILE``.

Makes one report from the site's database, writes it as PDF or HTML (by the extension of
``--out``), and hashes it into the site's evidence ledger. The ledger is written by one
process at a time: while the site's node runs, it holds the ledger, and reports are made
from the web UI or ``POST /api/reports`` instead.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kordon.cli.common import SiteArg, err_console, load_site_or_exit
from kordon.config.models import SiteConfig
from kordon.domain.errors import KordonError
from kordon.evidence.errors import LedgerError
from kordon.reports.errors import ReportInputError
from kordon.reports.output import ReportFormat, ReportKind
from kordon.reports.period import ReportPeriod
from kordon.reports.record import ReportRecord, ledger_sink
from kordon.reports.request import ReportRequest
from kordon.reports.site_outline import SiteOutline
from kordon.services.evidence_log import EvidenceLog
from kordon.services.ledger_service import LedgerService
from kordon.store import Store
from kordon.video.source.clock import SystemClock

console = Console(soft_wrap=True)
CLI_ACTOR = "cli:kordon-report"


def _fail(message: str, code: int) -> typer.Exit:
    err_console.print(f"kordon report: {message}", markup=False, highlight=False)
    return typer.Exit(code=code)


def _request(
    config: SiteConfig,
    *,
    kind: str,
    first: str,
    last: str,
    out: Path,
    sector: str | None,
    project: str | None,
) -> ReportRequest:
    """Every argument checked before anything is opened (``ReportInputError`` on the first
    bad one)."""
    fmt = ReportFormat.for_path(out)
    period = ReportPeriod.parse(first, last, timezone=config.site.timezone)
    request = ReportRequest(
        ReportKind.parse(kind), period, fmt, sector_id=sector, project_id=project
    )
    if sector is not None:
        SiteOutline.from_config(config).sector_name(sector)
    if not out.parent.is_dir():
        raise ReportInputError(f"--out: folder {out.parent} does not exist")
    return request


async def _generate(
    config: SiteConfig, request: ReportRequest, out: Path, clock: SystemClock
) -> ReportRecord:
    # the renderers (matplotlib) and the register load only when a report is made
    from kordon.register.queries import RegisterQueries
    from kordon.reports.register_link import RegisterProjectFacts
    from kordon.reports.site_service import report_service_for

    store = Store(config.database_url())
    store.open()
    try:
        ledger = LedgerService(config.data_path(), clock=clock, database=lambda: store.sessions)
        await ledger.start()  # first: refuse before any work if the node holds the ledger
        try:
            service = report_service_for(
                config,
                store,
                ledger_sink(EvidenceLog(ledger)),
                projects=RegisterProjectFacts(RegisterQueries(store.sessions)),
            )
            return await asyncio.to_thread(
                service.write, request, out, at=clock.now(), requested_by=CLI_ACTOR
            )
        finally:
            await ledger.stop()
    finally:
        store.close()


def report(  # noqa: PLR0917 - a command line has many options
    site: SiteArg,
    kind: Annotated[str, typer.Option("--kind", help="sector or project.", show_default=False)],
    first: Annotated[
        str, typer.Option("--from", help="First day, YYYY-MM-DD (site's local time).")
    ],
    last: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (included).")],
    out: Annotated[
        Path, typer.Option("--out", help="Output file: *.pdf or *.html.", show_default=False)
    ],
    sector: Annotated[
        str | None,
        typer.Option("--sector", help="Sector id (sector reports; default: every sector)."),
    ] = None,
    project: Annotated[
        str | None, typer.Option("--project", help="Funding project id (project reports).")
    ] = None,
) -> None:
    """Make a sector or funding-project report (PDF or HTML) and record its hash in the
    site's evidence ledger."""
    config = load_site_or_exit(site)
    try:
        request = _request(
            config, kind=kind, first=first, last=last, out=out, sector=sector, project=project
        )
    except ReportInputError as exc:
        raise _fail(str(exc), 2) from None
    try:
        record = asyncio.run(_generate(config, request, out, SystemClock()))
    except ReportInputError as exc:
        raise _fail(str(exc), 2) from None
    except LedgerError as exc:
        raise _fail(
            f"{exc}. Is the site's node running? It holds the evidence ledger: make the "
            "report from the web UI (or POST /api/reports) instead.",
            1,
        ) from None
    except KordonError as exc:
        raise _fail(str(exc), 1) from None
    console.print(f"wrote {record.path} ({record.size_bytes:,} bytes, {record.format})")
    console.print(f"sha256 {record.sha256}")
    console.print(
        f"recorded in the evidence ledger as report:{record.subject} at {_utc(record.generated_at)}"
    )


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
