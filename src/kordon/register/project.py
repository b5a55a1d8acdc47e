"""``FundingProject`` and ``ProcurementLine``: who paid, for what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kordon.register.categories import Category


@dataclass(frozen=True, slots=True)
class FundingProject:
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
    """Demo data (the Volyn example): every view labels it so."""


@dataclass(frozen=True, slots=True)
class ProcurementLine:
    id: str
    project_id: str
    category: Category
    description: str
    quantity: int
    unit_cost_minor: int
    currency: str

    @property
    def value_minor(self) -> int:
        return self.quantity * self.unit_cost_minor
