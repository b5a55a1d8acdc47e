"""``/api/reports`` on a real API app (accounts, sessions, audit) and a real store."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from kordon.accounts.users import User
from kordon.api.app import create_api
from kordon.api.routes import reports
from kordon.reports.record import ReportRecord
from kordon.reports.sector_source import SectorReportSource
from kordon.reports.service import ReportService
from kordon.reports.writer import ReportWriter
from tests.api.fakes import PASSWORD, Site, build_site
from tests.reports.projects import PROJECT, StaticProjectRegister
from tests.reports.seed import AT, OUTLINE, SLA, seed_sector_day

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # see tests/api/conftest.py
    from fastapi.testclient import TestClient

SECTOR_BODY = {"kind": "sector", "from": "2026-03-10", "to": "2026-03-10", "sector_id": "s1"}
PROJECT_BODY = {
    "kind": "project",
    "from": "2026-03-01",
    "to": "2026-03-31",
    "project_id": PROJECT.id,
}


def auditors_only(user: User, project_id: str) -> bool:
    return user.role in {"auditor", "admin"}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    built = build_site(tmp_path)
    seed_sector_day(built.store)
    built.clock.now = AT
    yield built
    built.store.close()


@pytest.fixture
def recorded() -> list[ReportRecord]:
    return []


@pytest.fixture
def client(site: Site, tmp_path: Path, recorded: list[ReportRecord]) -> Iterator[TestClient]:
    outline = replace(OUTLINE, sectors={**OUTLINE.sectors, "s2": "Central sector"})
    service = ReportService(
        outline=outline,
        sectors=SectorReportSource(site.store, outline, sla=SLA),
        writer=ReportWriter(recorded.append),
        directory=tmp_path / "reports",
        projects=StaticProjectRegister(),
    )
    app = create_api(
        site.context,
        extra_routers=[reports.session_router(service, project_access=auditors_only)],
    )
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def login(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def test_a_commander_makes_and_downloads_a_report_of_his_sector(
    client: TestClient, site: Site, recorded: list[ReportRecord]
) -> None:
    headers = login(client, "supervisor")  # scoped to s1
    made = client.post("/api/reports", json=SECTOR_BODY, headers=headers)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["subject"] == "sector:s1"
    assert [r.sha256 for r in recorded] == [body["sha256"]]
    got = client.get(body["url"])
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/pdf"
    assert got.content.startswith(b"%PDF-")
    actions = [(r.actor, r.action) for r in site.audit.recent(100)]
    assert ("supervisor", "report.generate") in actions
    assert ("supervisor", "download_report") in actions


def test_html_reports_are_served_as_html(client: TestClient) -> None:
    headers = login(client, "operator-all")
    made = client.post("/api/reports", json={**SECTOR_BODY, "format": "html"}, headers=headers)
    assert made.status_code == 201, made.text
    got = client.get(made.json()["url"])
    assert got.headers["content-type"].startswith("text/html")
    assert "<svg" in got.text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({**SECTOR_BODY, "sector_id": "s2"}, 404),  # outside the user's sectors
        ({**SECTOR_BODY, "sector_id": None}, 404),  # every sector: users of every sector only
        (PROJECT_BODY, 404),  # not an auditor
    ],
)
def test_out_of_scope_requests_look_like_unknown_ones(
    client: TestClient, site: Site, body: dict[str, object], status: int
) -> None:
    headers = login(client, "supervisor")
    response = client.post("/api/reports", json=body, headers=headers)
    assert response.status_code == status
    assert any(r.action == "out_of_scope" for r in site.audit.recent(50))


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({**SECTOR_BODY, "sector_id": "s9"}, 404, "no sector 's9'"),
        ({**SECTOR_BODY, "from": "2026-03-11"}, 422, "starts after it ends"),
        ({**SECTOR_BODY, "from": "2026-02-30"}, 422, "date"),
        ({**SECTOR_BODY, "format": "docx"}, 422, "pdf"),
        ({**PROJECT_BODY, "project_id": "P-404"}, 404, "no funding project 'P-404'"),
    ],
)
def test_bad_requests_are_refused_clearly(
    client: TestClient, body: dict[str, object], status: int, detail: str
) -> None:
    headers = login(client, "admin")
    response = client.post("/api/reports", json=body, headers=headers)
    assert response.status_code == status
    assert detail in response.text


def test_an_auditor_gets_the_project_report(client: TestClient) -> None:
    headers = login(client, "auditor-all")
    made = client.post("/api/reports", json=PROJECT_BODY, headers=headers)
    assert made.status_code == 201, made.text
    assert client.get(made.json()["url"]).content.startswith(b"%PDF-")


def test_downloads_are_scope_checked(client: TestClient) -> None:
    headers = login(client, "operator-all")
    made = client.post("/api/reports", json={**SECTOR_BODY, "sector_id": "s2"}, headers=headers)
    assert made.status_code == 201, made.text
    client.post("/api/auth/logout", headers=headers)
    login(client, "operator")  # scoped to s1
    assert client.get(made.json()["url"]).status_code == 404
    assert client.get("/api/reports/nope").status_code == 404


def test_making_a_report_needs_the_csrf_token(client: TestClient) -> None:
    login(client, "admin")
    assert client.post("/api/reports", json=SECTOR_BODY).status_code == 403


def test_anonymous_users_get_nothing(client: TestClient) -> None:
    assert client.post("/api/reports", json=SECTOR_BODY).status_code == 401
