"""Fixtures of the register tests: a real evidence ledger as the audit sink, a service on
the ``store`` fixture (SQLite and PostgreSQL), builders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kordon.api.audit_log import LedgerAuditLog
from kordon.evidence.entry import EntryKind
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.register.categories import Category
from kordon.register.custody import Person
from kordon.register.photos import PhotoStore
from kordon.register.project import FundingProject
from kordon.register.service import RegisterService
from kordon.register.site import SiteDevices
from kordon.store import Store

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ACTOR = "logistics"
PROJECT = "P1"
SECTORS = frozenset({"s1", "s2"})
DEVICES = frozenset({"cam-1", "cam-2", "radar-1"})


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger(tmp_path / "ledger", Signer.generate())
    opened.open()
    try:
        yield opened
    finally:
        opened.close()


def audit_actions(ledger: Ledger) -> list[str]:
    """The ``action`` of every audit entry in the ledger, oldest first."""
    actions = []
    for seq in range(ledger.size):
        entry = ledger.entry(seq)
        if entry.kind is EntryKind.AUDIT:
            actions.append(str(entry.payload.get("action")))
    return actions


@pytest.fixture
def service(store: Store, ledger: Ledger, tmp_path: Path) -> RegisterService:
    return RegisterService(
        store.sessions,
        LedgerAuditLog(ledger),
        photos=PhotoStore(tmp_path / "photos"),
        site=SiteDevices(device_ids=DEVICES, sector_ids=SECTORS),
        max_photo_bytes=200_000,
    )


def project(project_id: str = PROJECT, *, donor: str = "Donor A") -> FundingProject:
    return FundingProject(
        id=project_id,
        name=f"Project {project_id}",
        donor=donor,
        programme="Border programme",
        agreement_no=f"AG-{project_id}",
        amount_minor=20_000_000_00,
        currency="EUR",
        start_on=date(2026, 1, 1),
        end_on=date(2027, 12, 31),
        check_interval_days=30,
    )


@pytest.fixture
def seeded(service: RegisterService) -> RegisterService:
    """A project P1 (Donor A), P2 (Donor B), and two people."""
    service.create_project(project(), actor=ACTOR, time=T0)
    service.create_project(project("P2", donor="Donor B"), actor=ACTOR, time=T0)
    service.add_person(Person("G1", "Guard One", "Unit 1"), actor=ACTOR, time=T0)
    service.add_person(Person("G2", "Guard Two", "Unit 1"), actor=ACTOR, time=T0)
    return service


HEADER = (
    "project,category,serial,model,vendor,unit_cost,currency,delivered_on,status,holder,"
    "outpost,sector,device_id,report"
)


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def row(
    serial: str,
    *,
    project_id: str = PROJECT,
    category: Category | str = Category.CAMERA,
    cost: str = "1000.00",
    currency: str = "EUR",
    delivered: str = "2026-05-01",
    status: str = "",
    holder: str = "",
    outpost: str = "",
    sector: str = "",
    device: str = "",
    report: str = "",
) -> str:
    return ",".join(
        [
            project_id,
            str(category),
            serial,
            "M1",
            "V1",
            cost,
            currency,
            delivered,
            status,
            holder,
            outpost,
            sector,
            device,
            report,
        ]
    )
