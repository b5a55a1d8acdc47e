"""The equipment register as the project report reads it.

``RegisterProjectFacts`` answers :class:`~kordon.reports.project_facts.ProjectRegister`
from the register's read-only queries (``kordon.register.queries.RegisterQueries``): the
only module of this package that knows the register. ``register_project_access`` is the
API's rule for who may read a project report: users whose register scope sees the project
whole (logistics, auditors, admins; donor auditors for their donors' projects; commanders
only when their account covers every sector, since a project report is not split by
sector).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from kordon.accounts.users import User
from kordon.domain.time import require_utc
from kordon.register.project import FundingProject
from kordon.register.queries import RegisterQueries
from kordon.register.scope import RegisterScope
from kordon.reports.errors import UnknownSubjectError
from kordon.reports.project_facts import (
    CategoryLine,
    CheckCoverage,
    Loss,
    OverdueCheck,
    ProjectFacts,
    ProjectSummary,
)

SECONDS_PER_DAY = 86_400


class RegisterProjectFacts:
    """Project facts read with ``scope`` (everything, for a node's reports)."""

    def __init__(self, queries: RegisterQueries, scope: RegisterScope | None = None) -> None:
        self._queries = queries
        self._scope = scope or RegisterScope.everything()

    def project_ids(self) -> list[str]:
        """Every funding project in scope (the monthly schedule makes one report each)."""
        return [p.id for p in self._queries.projects(self._scope)]

    def project_facts(
        self,
        project_id: str,
        *,
        start: datetime,  # noqa: ARG002 (counts are as of ``at``; losses are listed to date)
        end: datetime,  # noqa: ARG002
        at: datetime,
    ) -> ProjectFacts:
        at = require_utc(at, name="at")
        summaries = self._queries.project_summaries(self._scope, project_id=project_id)
        if not summaries:
            known = ", ".join(self.project_ids()) or "none"
            raise UnknownSubjectError(f"no funding project {project_id!r} (known: {known})")
        summary = summaries[0]
        coverage = self._queries.check_coverage(self._scope, project_id, as_of=at)
        losses = self._queries.losses(self._scope, project_id)
        return ProjectFacts(
            project=_summary(summary.project),
            categories=tuple(
                CategoryLine(
                    category=str(c.category),
                    ordered=c.ordered,
                    ordered_minor=c.ordered_value_minor,
                    delivered=c.delivered,
                    delivered_minor=c.delivered_value_minor,
                    deployed=c.in_use,
                    deployed_minor=c.in_use_value_minor,
                    operational=c.operational,
                    operational_minor=c.operational_value_minor,
                )
                for c in summary.categories
            ),
            coverage=CheckCoverage(
                accountable=coverage.accountable, checked_recently=coverage.checked_in_interval
            ),
            overdue=tuple(
                OverdueCheck(
                    serial=o.serial,
                    category=str(o.category),
                    location=str(o.status).replace("_", " ")
                    + (f", sector {o.sector_id}" if o.sector_id else ""),
                    last_checked_at=o.last_check_at,
                    overdue_days=int((at - o.due_at).total_seconds() // SECONDS_PER_DAY),
                )
                for o in coverage.overdue
            ),
            losses=tuple(
                Loss(
                    serial=loss.serial,
                    category=str(loss.category),
                    status=str(loss.status),
                    since=loss.time,
                    value_minor=loss.value_minor,
                    report=loss.report,
                )
                for loss in losses
            ),
        )


def _summary(project: FundingProject) -> ProjectSummary:
    return ProjectSummary(
        id=project.id,
        name=project.name,
        donor=project.donor,
        programme=project.programme,
        agreement_no=project.agreement_no,
        amount_minor=project.amount_minor,
        currency=project.currency,
        start_on=project.start_on,
        end_on=project.end_on,
        check_interval_days=project.check_interval_days,
        demo=project.demo,
    )


def register_project_access(
    queries: RegisterQueries, donors_of: Callable[[str], frozenset[str]]
) -> Callable[[User, str], bool]:
    """The API's ``project_access``: ``donors_of(username)`` are the donors an account is
    granted (``RegisterService.donors_of``)."""

    def may_read(user: User, project_id: str) -> bool:
        scope = RegisterScope.of_user(
            role=user.role, sectors=user.sectors, donors=donors_of(user.username)
        )
        if scope.nothing or scope.sectors is not None:
            return False
        return any(p.id == project_id for p in queries.projects(scope))

    return may_read
