"""Read-only queries for the reports (issue 16 item 5) and the UI's summaries.

``RegisterQueries`` is the one thing the report code needs from the register: per funding
project and category, what was ordered, delivered, put into use and is operational (counts
and values); end-use check coverage and the overdue checks; lost and destroyed equipment
with their reports; uptime of every networked asset. Every method takes a
``RegisterScope`` (use ``RegisterScope.everything()`` for a site-wide report).

Definitions:

* *delivered*: every registered serial (registering is receiving).
* *in use*: deployed, or issued to a guard.
* *operational*: in use, and when linked to a device of the site file, that device's latest
  status is online or degraded. In-use assets not linked to a device (armour, radios; or a
  networked asset not linked yet: counted in ``unlinked_networked``) count as operational;
  their presence is what end-use checks confirm.
* *overdue*: an accountable asset (not lost or destroyed) whose last end-use check (or its
  registration, when never checked) is older than the project's ``check_interval_days``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kordon.domain.status import DeviceState
from kordon.domain.time import require_utc
from kordon.register.categories import Category
from kordon.register.history import HistoryKind
from kordon.register.mapping import project_from_row
from kordon.register.project import FundingProject
from kordon.register.reader import scoped
from kordon.register.scope import RegisterScope
from kordon.register.status import AssetStatus
from kordon.register.uptime import DEFAULT_STALE_AFTER_S, DeviceUptime, device_uptime
from kordon.store.models import DeviceStatusRow
from kordon.store.models_register import (
    RegisterAssetRow,
    RegisterHistoryRow,
    RegisterLineRow,
    RegisterProjectRow,
)
from kordon.store.session import translate_errors

IN_USE = frozenset({AssetStatus.DEPLOYED, AssetStatus.ISSUED})
UP_STATES = frozenset({str(DeviceState.ONLINE), str(DeviceState.DEGRADED)})


@dataclass(slots=True)
class CategorySummary:
    """Counts and values (minor units of the project's currency) of one category."""

    category: Category
    ordered: int = 0
    ordered_value_minor: int = 0
    delivered: int = 0
    delivered_value_minor: int = 0
    in_use: int = 0
    in_use_value_minor: int = 0
    operational: int = 0
    operational_value_minor: int = 0
    in_store: int = 0
    under_repair: int = 0
    lost: int = 0
    destroyed: int = 0
    lost_destroyed_value_minor: int = 0
    unlinked_networked: int = 0
    """Networked assets in use but not linked to a device (their health is unknown)."""


@dataclass(slots=True)
class ProjectSummary:
    project: FundingProject
    categories: list[CategorySummary] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        """Every count and value of the categories, summed."""
        names = [n for n in CategorySummary.__dataclass_fields__ if n != "category"]
        return {n: sum(int(getattr(c, n)) for c in self.categories) for n in names}


@dataclass(frozen=True, slots=True)
class OverdueCheck:
    serial: str
    category: Category
    status: AssetStatus
    sector_id: str | None
    last_check_at: datetime | None
    due_at: datetime


@dataclass(frozen=True, slots=True)
class CheckCoverage:
    project_id: str
    as_of: datetime
    accountable: int
    """Assets expected to be found (not lost or destroyed)."""
    checked_in_interval: int
    overdue: list[OverdueCheck]

    @property
    def ratio(self) -> float | None:
        return None if self.accountable == 0 else self.checked_in_interval / self.accountable


@dataclass(frozen=True, slots=True)
class LossRecord:
    serial: str
    category: Category
    status: AssetStatus
    report: str
    time: datetime | None
    """When the loss or destruction was recorded (its history entry's time)."""
    actor: str | None
    value_minor: int


@dataclass(frozen=True, slots=True)
class AssetUptime:
    serial: str
    category: Category
    sector_id: str | None
    uptime: DeviceUptime


class RegisterQueries:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @contextmanager
    def _read(self, what: str) -> Iterator[Session]:
        with translate_errors(what), self._sessions() as session:
            yield session

    def projects(self, scope: RegisterScope) -> list[FundingProject]:
        if scope.nothing:
            return []
        statement = select(RegisterProjectRow).order_by(RegisterProjectRow.id)
        if scope.donors is not None:
            statement = statement.where(RegisterProjectRow.donor.in_(scope.donors))
        with self._read("listing projects") as session:
            return [project_from_row(r) for r in session.scalars(statement)]

    def project_summaries(
        self, scope: RegisterScope, *, project_id: str | None = None
    ) -> list[ProjectSummary]:
        """Per project (visible in ``scope``) and category: ordered, delivered, in use,
        operational, in store, under repair, lost, destroyed (counts and values)."""
        projects = [p for p in self.projects(scope) if project_id is None or p.id == project_id]
        summaries = {p.id: ProjectSummary(p) for p in projects}
        if not summaries:
            return []
        a, line, ds = RegisterAssetRow, RegisterLineRow, DeviceStatusRow
        ordered = (
            select(
                line.project_id,
                line.category,
                func.sum(line.quantity),
                func.sum(line.quantity * line.unit_cost_minor),
            )
            .where(line.project_id.in_(list(summaries)))
            .group_by(line.project_id, line.category)
        )
        held = scoped(
            select(
                a.project_id,
                a.category,
                a.status,
                a.device_id.is_not(None),
                ds.state,
                func.count(),
                func.sum(line.unit_cost_minor),
            )
            .join(line, line.id == a.line_id)
            .outerjoin(ds, ds.device_id == a.device_id)
            .where(a.project_id.in_(list(summaries))),
            scope,
        ).group_by(a.project_id, a.category, a.status, a.device_id.is_not(None), ds.state)
        cells: dict[tuple[str, str], CategorySummary] = {}

        def cell(pid: str, category: str) -> CategorySummary:
            key = (pid, category)
            if key not in cells:
                cells[key] = CategorySummary(Category(category))
            return cells[key]

        with self._read("summarising projects") as session:
            if scope.sectors is None:
                for pid, category, quantity, value in session.execute(ordered):
                    c = cell(pid, category)
                    c.ordered += int(quantity or 0)
                    c.ordered_value_minor += int(value or 0)
            for pid, category, status, linked, state, count, value in session.execute(held):
                c = cell(pid, category)
                n, v = int(count), int(value or 0)
                st = AssetStatus(status)
                c.delivered += n
                c.delivered_value_minor += v
                if st in IN_USE:
                    c.in_use += n
                    c.in_use_value_minor += v
                    if not linked or state in UP_STATES:
                        c.operational += n
                        c.operational_value_minor += v
                    if not linked and Category(category).networked:
                        c.unlinked_networked += n
                elif st is AssetStatus.IN_STORE:
                    c.in_store += n
                elif st is AssetStatus.UNDER_REPAIR:
                    c.under_repair += n
                else:
                    if st is AssetStatus.LOST:
                        c.lost += n
                    else:
                        c.destroyed += n
                    c.lost_destroyed_value_minor += v
        order = {c: i for i, c in enumerate(Category)}
        for (pid, _), summary in sorted(cells.items(), key=lambda kv: order[kv[1].category]):
            summaries[pid].categories.append(summary)
        return list(summaries.values())

    def check_coverage(
        self, scope: RegisterScope, project_id: str, *, as_of: datetime
    ) -> CheckCoverage:
        """End-use checks of a project's accountable assets as of ``as_of``."""
        as_of = require_utc(as_of, name="as_of")
        projects = {p.id: p for p in self.projects(scope)}
        project = projects.get(project_id)
        if project is None:
            return CheckCoverage(project_id, as_of, 0, 0, [])
        interval = timedelta(days=project.check_interval_days)
        a = RegisterAssetRow
        accountable = [str(s) for s in AssetStatus if s.accountable]
        statement = scoped(
            select(a.serial, a.category, a.status, a.sector_id, a.last_check_at, a.created_at)
            .where(a.project_id == project_id, a.status.in_(accountable))
            .order_by(a.serial),
            scope,
        )
        total = checked = 0
        overdue: list[OverdueCheck] = []
        with self._read(f"check coverage of {project_id}") as session:
            for serial, category, status, sector, last, created in session.execute(statement):
                total += 1
                since = last if last is not None else created
                due = since + interval
                if last is not None and last > as_of - interval:
                    checked += 1
                if due <= as_of:
                    overdue.append(
                        OverdueCheck(
                            serial=serial,
                            category=Category(category),
                            status=AssetStatus(status),
                            sector_id=sector,
                            last_check_at=last,
                            due_at=due,
                        )
                    )
        overdue.sort(key=lambda o: (o.due_at, o.serial))
        return CheckCoverage(project_id, as_of, total, checked, overdue)

    def losses(self, scope: RegisterScope, project_id: str) -> list[LossRecord]:
        """Lost and destroyed assets of a project, with their reports."""
        a, line, h = RegisterAssetRow, RegisterLineRow, RegisterHistoryRow
        statuses = [str(AssetStatus.LOST), str(AssetStatus.DESTROYED)]
        latest = (
            select(h.asset_id, func.max(h.id).label("entry_id"))
            .where(h.kind.in_([str(HistoryKind.STATUS), str(HistoryKind.REGISTERED)]))
            .group_by(h.asset_id)
            .subquery()
        )
        statement = scoped(
            select(
                a.serial,
                a.category,
                a.status,
                a.status_report,
                line.unit_cost_minor,
                h.time,
                h.actor,
            )
            .join(line, line.id == a.line_id)
            .outerjoin(latest, latest.c.asset_id == a.id)
            .outerjoin(h, h.id == latest.c.entry_id)
            .where(a.project_id == project_id, a.status.in_(statuses))
            .order_by(a.serial),
            scope,
        )
        with self._read(f"losses of {project_id}") as session:
            return [
                LossRecord(
                    serial=serial,
                    category=Category(category),
                    status=AssetStatus(status),
                    report=report or "",
                    time=time,
                    actor=actor,
                    value_minor=int(cost),
                )
                for serial, category, status, report, cost, time, actor in session.execute(
                    statement
                )
            ]

    def uptimes(
        self,
        scope: RegisterScope,
        *,
        since: datetime,
        until: datetime,
        project_id: str | None = None,
        stale_after_s: float | None = DEFAULT_STALE_AFTER_S,
    ) -> list[AssetUptime]:
        """Uptime and outages of every asset linked to a device, over ``[since, until)``."""
        a = RegisterAssetRow
        statement = select(a.serial, a.category, a.sector_id, a.device_id).where(
            a.device_id.is_not(None)
        )
        if project_id is not None:
            statement = statement.where(a.project_id == project_id)
        with self._read("listing networked assets") as session:
            linked = list(session.execute(scoped(statement.order_by(a.serial), scope)))
        return [
            AssetUptime(
                serial=serial,
                category=Category(category),
                sector_id=sector,
                uptime=device_uptime(
                    self._sessions, device, since=since, until=until, stale_after_s=stale_after_s
                ),
            )
            for serial, category, sector, device in linked
            if device is not None
        ]
