"""``kordon register``: the equipment register from the command line.

``import`` reads a CSV or XLSX file into the register (all rows or none, every error listed
as ``file:row [column]: reason``); ``export`` writes CSV or XLSX; ``list`` shows assets;
``labels`` writes a printable QR label sheet; ``project``, ``person`` and ``grant-donor``
add what imports refer to; ``demo`` seeds the demo register. Every change is recorded in the
site's evidence ledger, which one process writes at a time: while the node runs, change the
register from the web UI or the API instead.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from kordon.cli.common import SiteArg, err_console, load_site_or_exit
from kordon.config.models import SiteConfig
from kordon.domain.errors import KordonError
from kordon.evidence.errors import LedgerError
from kordon.register.categories import parse_category
from kordon.register.custody import Person
from kordon.register.demo import DemoCamera, seed_demo
from kordon.register.errors import ImportRefusedError
from kordon.register.export import export_file
from kordon.register.importer import import_assets
from kordon.register.labels import label_sheet
from kordon.register.money import check_currency, format_amount, parse_amount
from kordon.register.photos import PhotoStore
from kordon.register.project import FundingProject
from kordon.register.queries import RegisterQueries
from kordon.register.reader import AssetFilter, RegisterReader
from kordon.register.scope import RegisterScope
from kordon.register.service import RegisterService
from kordon.register.site import SiteDevices
from kordon.register.status import parse_status
from kordon.services.evidence_log import EvidenceLog
from kordon.services.ledger_service import LedgerService
from kordon.store import Store
from kordon.video.source.clock import SystemClock

app = typer.Typer(
    help="The equipment register (funding projects, assets, custody).", no_args_is_help=True
)
console = Console(soft_wrap=True)
T = TypeVar("T")

ActorOpt = Annotated[
    str | None,
    typer.Option("--actor", help="Who makes the change (default: cli:<login name>)."),
]
ProjectOpt = Annotated[str | None, typer.Option("--project", help="Funding project id.")]
CategoryOpt = Annotated[str | None, typer.Option("--category", help="Category.")]
StatusOpt = Annotated[str | None, typer.Option("--status", help="Status.")]
SectorOpt = Annotated[str | None, typer.Option("--sector", help="Sector id.")]


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"[:128]


def _fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"kordon register: {message}", markup=False, highlight=False)
    return typer.Exit(code=code)


def photos_dir(config: SiteConfig) -> Path:
    """Where the site keeps end-use check photos (``<data_dir>/register/photos``)."""
    return config.data_path() / "register" / "photos"


def run_with_service(config: SiteConfig, work: Callable[[RegisterService, Store], T]) -> T:
    """Open the store and the site's ledger, run ``work`` with a register service, close."""

    async def _run() -> T:
        store = Store(config.database_url())
        store.open()
        try:
            clock = SystemClock()
            ledger = LedgerService(config.data_path(), clock=clock, database=lambda: store.sessions)
            await ledger.start()
            try:
                service = RegisterService(
                    store.sessions,
                    EvidenceLog(ledger),
                    photos=PhotoStore(photos_dir(config)),
                    site=SiteDevices.of_site(config),
                )
                return await asyncio.to_thread(work, service, store)
            finally:
                await ledger.stop()
        finally:
            store.close()

    try:
        return asyncio.run(_run())
    except ImportRefusedError as exc:
        for error in exc.errors:
            err_console.print(str(error), markup=False, highlight=False)
        raise _fail(f"import refused, nothing written: {len(exc.errors)} error(s)") from None
    except LedgerError as exc:
        raise _fail(
            f"{exc}. Is the site's node running? It holds the evidence ledger: change the "
            "register from the web UI or the API while it runs"
        ) from None
    except KordonError as exc:
        raise _fail(str(exc)) from None


@contextmanager
def _reading(config: SiteConfig) -> Iterator[Store]:
    store = Store(config.database_url())
    try:
        store.open()
        yield store
    except KordonError as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()


def _filter(
    project: str | None,
    category: str | None,
    status: str | None,
    sector: str | None,
    search: str | None = None,
) -> AssetFilter:
    try:
        return AssetFilter(
            project_id=project,
            category=parse_category(category) if category else None,
            status=parse_status(status) if status else None,
            sector_id=sector,
            query=search,
        )
    except ValueError as exc:
        raise _fail(str(exc), 2) from None


def _now() -> datetime:
    return datetime.now(UTC)


@app.command("import")
def import_cmd(
    site: SiteArg,
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx file.", show_default=False)],
    actor: ActorOpt = None,
) -> None:
    """Import assets from a CSV or XLSX file: every row, or none (all errors are listed)."""
    config = load_site_or_exit(site)
    if not file.is_file():
        raise _fail(f"{file}: no such file", 2)
    result = run_with_service(
        config,
        lambda service, _store: import_assets(service, file, actor=_actor(actor), time=_now()),
    )
    console.print(
        f"imported {result.assets} asset(s) from {result.file} "
        f"({result.lines_created} new procurement line(s), {result.deliveries} delivery(ies)); "
        f"import {result.import_id}",
        markup=False,
    )


@app.command("export")
def export_cmd(  # noqa: PLR0917 (a command line has many options)
    site: SiteArg,
    file: Annotated[Path, typer.Argument(help="Output: *.csv or *.xlsx.", show_default=False)],
    project: ProjectOpt = None,
    category: CategoryOpt = None,
    status: StatusOpt = None,
    sector: SectorOpt = None,
) -> None:
    """Export the register (or a filtered part) as CSV or XLSX."""
    config = load_site_or_exit(site)
    where = _filter(project, category, status, sector)
    if file.suffix.lower() not in (".csv", ".xlsx"):
        raise _fail(f"cannot export to {file.suffix!r}: use .csv or .xlsx", 2)
    with _reading(config) as store:
        count = export_file(store.sessions, RegisterScope.everything(), file, where)
    console.print(f"exported {count} asset(s) to {file}", markup=False)


@app.command("list")
def list_cmd(  # noqa: PLR0917 (a command line has many options)
    site: SiteArg,
    project: ProjectOpt = None,
    category: CategoryOpt = None,
    status: StatusOpt = None,
    sector: SectorOpt = None,
    search: Annotated[
        str | None, typer.Option("--search", help="Text in the serial, model, vendor or lot.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 100,
) -> None:
    """List assets (by serial)."""
    config = load_site_or_exit(site)
    where = _filter(project, category, status, sector, search)
    with _reading(config) as store:
        reader = RegisterReader(store.sessions)
        page = reader.list_assets(RegisterScope.everything(), where, limit=limit)
        total = reader.count_assets(RegisterScope.everything(), where)
    table = Table("serial", "category", "model", "status", "holder", "where", "device", "project")
    for a in page.items:
        where_text = ""
        if a.deployment is not None:
            where_text = f"{a.deployment.outpost} ({a.deployment.sector_id or '-'})"
        table.add_row(
            a.serial,
            str(a.category),
            a.details.model,
            str(a.status),
            a.holder_id or "",
            where_text,
            (a.deployment.device_id or "") if a.deployment else "",
            a.project_id,
        )
    console.print(table)
    console.print(f"{len(page.items)} of {total} asset(s)", markup=False)


@app.command("summary")
def summary_cmd(site: SiteArg) -> None:
    """Per funding project and category: delivered, in use, operational, lost."""
    config = load_site_or_exit(site)
    with _reading(config) as store:
        summaries = RegisterQueries(store.sessions).project_summaries(RegisterScope.everything())
    for s in summaries:
        label = " [DEMO DATA]" if s.project.demo else ""
        console.print(f"{s.project.id}: {s.project.name} ({s.project.donor}){label}", markup=False)
        table = Table(
            "category",
            "ordered",
            "delivered",
            "in use",
            "operational",
            "in store",
            "repair",
            "lost",
            "destroyed",
            f"delivered value ({s.project.currency})",
        )
        for c in s.categories:
            table.add_row(
                str(c.category),
                str(c.ordered),
                str(c.delivered),
                str(c.in_use),
                str(c.operational),
                str(c.in_store),
                str(c.under_repair),
                str(c.lost),
                str(c.destroyed),
                format_amount(c.delivered_value_minor),
            )
        console.print(table)


@app.command("labels")
def labels_cmd(
    site: SiteArg,
    out: Annotated[Path, typer.Argument(help="Output HTML file.", show_default=False)],
    project: ProjectOpt = None,
    category: CategoryOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 300,
) -> None:
    """Write a printable sheet of QR labels (HTML; print it, or save it as PDF)."""
    config = load_site_or_exit(site)
    where = _filter(project, category, None, None)
    with _reading(config) as store:
        reader = RegisterReader(store.sessions)
        assets = reader.list_assets(RegisterScope.everything(), where, limit=limit).items
        demo = {p.id for p in reader.projects(RegisterScope.everything()) if p.demo}
    out.write_text(
        label_sheet(
            assets,
            title=f"Kordon labels - {config.site.name}",
            demo=any(a.project_id in demo for a in assets),
        ),
        encoding="utf-8",
    )
    console.print(f"wrote {len(assets)} label(s) to {out}", markup=False)


@app.command("project")
def project_cmd(  # noqa: PLR0917 (a command line has many options)
    site: SiteArg,
    project_id: Annotated[str, typer.Option("--id", help="Project id.")],
    name: Annotated[str, typer.Option(help="Project name.")],
    donor: Annotated[str, typer.Option(help="Donor.")],
    programme: Annotated[str, typer.Option(help="Programme.")],
    agreement: Annotated[str, typer.Option(help="Agreement number.")],
    amount: Annotated[str, typer.Option(help="Total amount, e.g. 20000000.00.")],
    currency: Annotated[str, typer.Option(help="ISO 4217 code, e.g. EUR.")],
    start: Annotated[str, typer.Option(help="Start date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="End date, YYYY-MM-DD.")],
    check_days: Annotated[
        int, typer.Option(min=1, max=3660, help="End-use checks due every so many days.")
    ] = 90,
    actor: ActorOpt = None,
) -> None:
    """Add a funding project."""
    config = load_site_or_exit(site)
    try:
        project = FundingProject(
            id=project_id,
            name=name,
            donor=donor,
            programme=programme,
            agreement_no=agreement,
            amount_minor=parse_amount(amount),
            currency=check_currency(currency),
            start_on=date.fromisoformat(start),
            end_on=date.fromisoformat(end),
            check_interval_days=check_days,
        )
    except ValueError as exc:
        raise _fail(str(exc), 2) from None
    run_with_service(
        config,
        lambda service, _store: service.create_project(project, actor=_actor(actor), time=_now()),
    )
    console.print(f"added project {project_id}", markup=False)


@app.command("person")
def person_cmd(
    site: SiteArg,
    person_id: Annotated[str, typer.Option("--id", help="Service number.")],
    name: Annotated[str, typer.Option(help="Name.")],
    unit: Annotated[str, typer.Option(help="Unit.")],
    actor: ActorOpt = None,
) -> None:
    """Add a person who can hold equipment (service number, name, unit: nothing more)."""
    config = load_site_or_exit(site)
    run_with_service(
        config,
        lambda service, _store: service.add_person(
            Person(person_id, name, unit), actor=_actor(actor), time=_now()
        ),
    )
    console.print(f"added person {person_id}", markup=False)


@app.command("grant-donor")
def grant_donor_cmd(
    site: SiteArg,
    username: Annotated[str, typer.Option("--username", "-u", help="A donor_auditor account.")],
    donor: Annotated[str, typer.Option(help="The donor whose projects it may read.")],
    actor: ActorOpt = None,
) -> None:
    """Let a donor-auditor account read the projects a donor funds."""
    config = load_site_or_exit(site)
    run_with_service(
        config,
        lambda service, _store: service.grant_donor(
            username, donor, actor=_actor(actor), time=_now()
        ),
    )
    console.print(f"{username} may read the projects of {donor}", markup=False)


@app.command("demo")
def demo_cmd(site: SiteArg) -> None:
    """Seed the demo register (the site's equipment under a fictional DEMO project)."""
    config = load_site_or_exit(site)
    result = run_with_service(
        config,
        lambda service, _store: seed_demo(
            service,
            cameras=[DemoCamera(c.id, c.sector) for c in config.cameras],
            sector_ids=[s.id for s in config.sectors],
            time=_now() - timedelta(seconds=1),
        ),
    )
    if result.created:
        console.print(f"seeded the demo register: {result.assets} asset(s)", markup=False)
    else:
        console.print("the demo register exists already; nothing changed", markup=False)
