"""What a funding-project report states, and the one question it asks the register.

The report depends on this module only, never on the register's tables or services: the
register answers through any object with a ``project_facts`` method (``ProjectRegister``),
so the renderer and its tests work with plain objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ProjectSummary:
    """The funding agreement. Amounts are in minor units (cents) of ``currency``."""

    id: str
    name: str
    donor: str
    programme: str
    agreement_no: str
    amount_minor: int
    currency: str
    start_on: date
    end_on: date
    check_interval_days: int
    """An accountable asset not checked for this long is overdue for an end-use check."""
    demo: bool = False
    """Demo data: the report says so on every page."""


@dataclass(frozen=True, slots=True)
class CategoryLine:
    """One equipment category of the project, counted at report time.

    *Ordered*: on the procurement lines. *Delivered*: received (every registered serial).
    *Deployed*: deployed at a post or issued to a guard. *Operational*: deployed and
    working (a networked asset up at report time; other equipment deployed and not under
    repair, lost or destroyed). Values are quantity times the line's unit cost.
    """

    category: str
    ordered: int
    ordered_minor: int
    delivered: int
    delivered_minor: int
    deployed: int
    deployed_minor: int
    operational: int
    operational_minor: int


@dataclass(frozen=True, slots=True)
class CheckCoverage:
    """End-use checks at report time: ``accountable`` serials (neither lost nor destroyed)
    and how many of them were seen in a check within the project's check interval."""

    accountable: int
    checked_recently: int

    @property
    def share(self) -> float | None:
        return None if self.accountable == 0 else self.checked_recently / self.accountable


@dataclass(frozen=True, slots=True)
class OverdueCheck:
    """An accountable serial whose last end-use check is older than the project's interval."""

    serial: str
    category: str
    location: str
    """Outpost and sector, the guard holding it, or the store."""
    last_checked_at: datetime | None
    overdue_days: int


@dataclass(frozen=True, slots=True)
class Loss:
    """A serial lost or destroyed, with the report that explains it."""

    serial: str
    category: str
    status: str
    since: datetime | None
    """When the loss was recorded (``None`` when the register does not know)."""
    value_minor: int
    report: str


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    project: ProjectSummary
    categories: tuple[CategoryLine, ...]
    coverage: CheckCoverage
    overdue: tuple[OverdueCheck, ...]
    losses: tuple[Loss, ...]
    """Lost or destroyed up to the report time."""


class ProjectRegister(Protocol):
    """The register, as the project report reads it."""

    def project_facts(
        self, project_id: str, *, start: datetime, end: datetime, at: datetime
    ) -> ProjectFacts:
        """Facts of ``project_id`` for ``[start, end)`` as they stand at ``at``; raises
        :class:`kordon.reports.errors.UnknownSubjectError` for an unknown project."""
        ...
