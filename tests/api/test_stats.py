"""``GET /api/stats/false-alarms``: counts per camera and rule, scoped, role-checked, audited."""

from __future__ import annotations

from typing import Any

from kordon.domain.incident import Resolution
from tests.api.conftest import TestClient, login
from tests.api.fakes import T0, Site

URL = "/api/stats/false-alarms"


def _resolve(site: Site, incident_id: str, resolution: Resolution) -> None:
    site.context.incident_actions.acknowledge(incident_id, actor="op", note="", time=T0)
    site.context.incident_actions.resolve(
        incident_id, actor="op", resolution=resolution, note="", time=T0
    )


def _rows(client: TestClient, username: str) -> list[dict[str, Any]]:
    login(client, username)
    response = client.get(URL)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def test_counts_and_rate_per_camera_and_rule(client: TestClient, site: Site) -> None:
    _resolve(site, "inc1", Resolution.FALSE_ALARM)
    _resolve(site, "inc2", Resolution.TRUE_ALARM)
    rows = _rows(client, "supervisor-all")
    assert [(r["source_id"], r["sector_id"], r["source_name"]) for r in rows] == [
        ("cam1", "s1", "Camera 1"),
        ("cam2", "s2", "Camera 2"),
    ]
    assert (rows[0]["false_alarms"], rows[0]["true_alarms"], rows[0]["resolved"]) == (1, 0, 1)
    assert rows[0]["false_alarm_rate"] == 1.0
    assert rows[1]["false_alarm_rate"] == 0.0
    assert rows[0]["rule_id"] == ""  # the seeded events name no rule


def test_sector_scoped_user_sees_only_cameras_in_scope(client: TestClient, site: Site) -> None:
    _resolve(site, "inc1", Resolution.FALSE_ALARM)
    _resolve(site, "inc2", Resolution.FALSE_ALARM)
    rows = _rows(client, "operator")  # scoped to s1
    assert [r["source_id"] for r in rows] == ["cam1"]


def test_nothing_resolved_gives_no_rows(client: TestClient) -> None:
    assert _rows(client, "operator-all") == []


def test_reads_are_audited(client: TestClient, site: Site) -> None:
    _resolve(site, "inc1", Resolution.DUPLICATE)
    rows = _rows(client, "operator")
    assert rows[0]["duplicates"] == 1
    assert rows[0]["false_alarm_rate"] is None  # duplicates say nothing about precision
    record = site.audit.recent(1)[0]
    assert (record.actor, record.action, record.subject, record.outcome) == (
        "operator",
        "read",
        "stats:false-alarms",
        "ok",
    )
    assert record.details["rows"] == 1


def test_a_role_without_read_is_refused_and_audited(client: TestClient, site: Site) -> None:
    login(client, "logistics")
    response = client.get(URL)
    assert response.status_code == 403
    record = site.audit.recent(1)[0]
    assert (record.action, record.outcome) == ("forbidden", "refused")


def test_needs_a_session(client: TestClient) -> None:
    assert client.get(URL).status_code == 401
