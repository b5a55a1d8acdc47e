"""Project reports from the real equipment register (the demo project) on a real store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kordon.accounts.roles import Role
from kordon.accounts.users import User
from kordon.api.audit_log import MemoryAuditLog
from kordon.register.demo import DEMO_PROJECT_ID, DemoCamera, seed_demo
from kordon.register.queries import RegisterQueries
from kordon.register.service import RegisterService
from kordon.reports.errors import UnknownSubjectError
from kordon.reports.pdf_render import render_pdf
from kordon.reports.period import ReportPeriod
from kordon.reports.project import project_document
from kordon.reports.register_link import RegisterProjectFacts, register_project_access
from kordon.store import Store

AT = datetime(2026, 12, 1, 6, tzinfo=UTC)
PERIOD = ReportPeriod.month(2026, 11, timezone="Europe/Kyiv")


@pytest.fixture
def queries(store: Store) -> RegisterQueries:
    service = RegisterService(store.sessions, MemoryAuditLog())
    seed_demo(
        service,
        cameras=[DemoCamera("cam1", "s1"), DemoCamera("cam2", "s2")],
        sector_ids=["s1", "s2"],
        time=datetime(2026, 10, 1, tzinfo=UTC),
    )
    return RegisterQueries(store.sessions)


def test_the_demo_project_reads_as_report_facts(queries: RegisterQueries) -> None:
    facts = RegisterProjectFacts(queries).project_facts(
        DEMO_PROJECT_ID, start=PERIOD.start, end=PERIOD.end, at=AT
    )
    assert facts.project.demo
    by_category = {c.category: c for c in facts.categories}
    cameras = by_category["camera"]
    assert (cameras.delivered, cameras.deployed) == (2, 2)
    assert cameras.operational == 0  # linked to cam1/cam2, which never reported: not up
    [loss] = facts.losses
    assert (loss.category, loss.status) == ("helmet", "lost")
    assert "DEMO-17" in loss.report
    delivered = sum(c.delivered for c in facts.categories)
    assert facts.coverage.accountable == delivered - 1  # all but the lost helmet
    assert facts.coverage.checked_recently == 0  # nothing was checked
    assert facts.overdue == ()  # registered 1 October: due 90 days later
    later = RegisterProjectFacts(queries).project_facts(
        DEMO_PROJECT_ID, start=PERIOD.start, end=PERIOD.end, at=datetime(2027, 1, 15, tzinfo=UTC)
    )
    assert len(later.overdue) == later.coverage.accountable
    assert {o.overdue_days for o in later.overdue} == {16}  # due 30 December
    document = project_document(
        facts, period=PERIOD, generated_at=AT, requested_by="auditor", site_name="Volyn"
    )
    assert render_pdf(document).startswith(b"%PDF-")


def test_an_unknown_project_is_named(queries: RegisterQueries) -> None:
    with pytest.raises(UnknownSubjectError, match=rf"'P-404'.*known: {DEMO_PROJECT_ID}"):
        RegisterProjectFacts(queries).project_facts("P-404", start=AT, end=AT, at=AT)


def user(role: Role, sectors: tuple[str, ...] = ()) -> User:
    return User(
        username=f"u-{role}",
        role=role,
        sectors=sectors,
        disabled=False,
        created_at=AT,
        updated_at=AT,
    )


@pytest.mark.parametrize(
    ("account", "donors", "allowed"),
    [
        (user(Role.ADMIN), frozenset(), True),
        (user(Role.AUDITOR), frozenset(), True),
        (user(Role.LOGISTICS), frozenset(), True),
        (user(Role.DONOR_AUDITOR), frozenset({"DEMO donor (fictional)"}), True),
        (user(Role.DONOR_AUDITOR), frozenset({"Another donor"}), False),
        (user(Role.COMMANDER, ("s1",)), frozenset(), False),  # a project is not per sector
        (user(Role.COMMANDER), frozenset(), True),
        (user(Role.OPERATOR), frozenset(), False),
    ],
)
def test_who_may_read_a_project_report(
    queries: RegisterQueries, account: User, donors: frozenset[str], allowed: bool
) -> None:
    may_read = register_project_access(queries, lambda _username: donors)
    assert may_read(account, DEMO_PROJECT_ID) is allowed
    assert may_read(account, "P-404") is False
