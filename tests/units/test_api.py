"""The unit routes and dispatch through the real FastAPI app (SQLite and PostgreSQL).

The app is ``create_api`` of a seeded site (``tests/api/fakes``) with the unit routes
mounted the way the composition root mounts them (``extra_routers``). Users: ``<role>``
is scoped to sector ``s1``, ``<role>-all`` sees every sector; ``inc1`` is in ``s1`` and
``inc2`` in ``s2`` (both at 51.5 N 24.0 E).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from kordon.api.app import create_api
from kordon.api.routes import units as unit_routes
from kordon.incidents import IncidentService
from kordon.units.service import UnitService
from tests.api.conftest import TestClient, login
from tests.api.fakes import T0, Site, build_site

SECTORS = ("s1", "s2")


@pytest.fixture
def site(tmp_path: Path, store_url: str) -> Iterator[Site]:
    built = build_site(tmp_path, database_url=store_url)
    yield built
    built.store.close()


@pytest.fixture
def unit_service(site: Site) -> UnitService:
    return UnitService(site.store, sector_ids=SECTORS, audit=site.audit)


@pytest.fixture
def app(site: Site, unit_service: UnitService) -> FastAPI:
    incidents = IncidentService(site.store, lambda _incident: None)
    return create_api(
        site.context, extra_routers=[unit_routes.session_router(unit_service, incidents)]
    )


class Client:
    """A logged-in test client that sends the CSRF header."""

    def __init__(self, app: FastAPI, username: str) -> None:
        self.http = TestClient(app, base_url="http://testserver")
        self.http.__enter__()
        self.csrf = login(self.http, username)

    def get(self, url: str, **kw: Any) -> Any:
        return self.http.get(url, **kw)

    def send(self, method: str, url: str, json: object = None) -> Any:
        return self.http.request(method, url, json=json, headers={"X-CSRF-Token": self.csrf})

    def close(self) -> None:
        self.http.__exit__(None, None, None)


@pytest.fixture
def as_user(app: FastAPI) -> Iterator[Any]:
    opened: list[Client] = []

    def make(username: str) -> Client:
        client = Client(app, username)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def _create(client: Client, callsign: str, sector: str = "s1", **extra: object) -> dict[str, Any]:
    r = client.send(
        "POST",
        "/api/units",
        {"name": f"Patrol {callsign}", "callsign": callsign, "sector_id": sector, **extra},
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _units_in_store(unit_service: UnitService) -> list[tuple[str, str, str, int]]:
    return [(u.callsign, u.sector_id, u.status, u.version) for u in unit_service.list()]


def test_admin_registers_units_and_bad_input_is_refused_with_nothing_changed(
    site: Site, unit_service: UnitService, as_user: Any
) -> None:
    admin = as_user("admin-all")
    unit = _create(admin, "Bravo-1", cot_uid="ANDROID-1")
    assert unit["status"] == "available"
    assert unit["incident_id"] is None
    assert unit["position"] is None
    before = _units_in_store(unit_service)

    cases = [
        ({"name": "P", "callsign": "bravo-1", "sector_id": "s1"}, 409, "is taken"),
        ({"name": "P", "callsign": "B-9", "sector_id": "s9"}, 422, "unknown sector 's9'"),
        ({"name": "P", "callsign": "", "sector_id": "s1"}, 422, "callsign"),
        ({"name": "P", "callsign": "B-9", "sector_id": "s1", "status": "dispatched"}, 422, ""),
        ({"name": "P", "callsign": "B-9", "sector_id": "s1", "status": "asleep"}, 422, ""),
        ({"name": "P", "callsign": "B-9", "sector_id": "s1", "rank": 1}, 422, "extra"),
        ({"name": "P", "callsign": "B\u0000", "sector_id": "s1"}, 422, "NUL"),
        ({"name": "P", "callsign": "B-9", "sector_id": "s1", "cot_uid": "ANDROID-1"}, 409, ""),
    ]
    for body, status, text in cases:
        r = admin.send("POST", "/api/units", body)
        assert r.status_code == status, (body, r.text)
        assert text in r.text, (body, r.text)
    assert _units_in_store(unit_service) == before

    records = site.audit.recent(1000)
    assert [r.action for r in records].count("unit.create") == 1
    refused = [r for r in records if r.action == "POST /api/units" and r.outcome != "ok"]
    assert len(refused) == len(cases)  # every refused attempt is audited


def test_who_may_manage_units(unit_service: UnitService, as_user: Any) -> None:
    for role in ("operator", "supervisor", "auditor", "logistics", "donor_auditor"):
        r = as_user(role).send(
            "POST", "/api/units", {"name": "P", "callsign": f"X-{role}", "sector_id": "s1"}
        )
        assert r.status_code == 403, (role, r.text)
    commander = as_user("commander")  # scoped to s1
    _create(commander, "C-1", "s1")
    r = commander.send("POST", "/api/units", {"name": "P", "callsign": "C-2", "sector_id": "s2"})
    assert r.status_code == 422
    assert "outside your sectors" in r.json()["detail"]
    assert [u.callsign for u in unit_service.list()] == ["C-1"]


def test_listing_is_scoped_and_filtered(as_user: Any) -> None:
    admin = as_user("admin-all")
    a = _create(admin, "A-1", "s1")
    b = _create(admin, "B-1", "s2")
    admin.send("POST", f"/api/units/{b['id']}/status", {"status": "off_duty"})

    everything = admin.get("/api/units").json()
    assert [u["callsign"] for u in everything] == ["A-1", "B-1"]
    assert [u["callsign"] for u in admin.get("/api/units?status=off_duty").json()] == ["B-1"]
    both = admin.get("/api/units?status=off_duty&status=available").json()
    assert len(both) == 2
    assert admin.get("/api/units?status=bogus").status_code == 422

    operator = as_user("operator")  # scoped to s1
    assert [u["callsign"] for u in operator.get("/api/units").json()] == ["A-1"]
    assert operator.get("/api/units?sector=s2").json() == []
    assert operator.get(f"/api/units/{a['id']}").status_code == 200
    r = operator.get(f"/api/units/{b['id']}")
    assert r.status_code == 404  # out of scope answers like unknown
    assert operator.get("/api/units/unit-nope").status_code == 404


def test_update_and_delete(unit_service: UnitService, as_user: Any) -> None:
    admin = as_user("admin-all")
    a = _create(admin, "A-1", cot_uid="uid-a")
    _create(admin, "A-2")
    r = admin.send("PATCH", f"/api/units/{a['id']}", {"callsign": "Alpha-1", "sector_id": "s2"})
    assert r.status_code == 200, r.text
    assert (r.json()["callsign"], r.json()["sector_id"]) == ("Alpha-1", "s2")
    assert admin.send("PATCH", f"/api/units/{a['id']}", {"callsign": "a-2"}).status_code == 409
    assert admin.send("PATCH", f"/api/units/{a['id']}", {"sector_id": "zz"}).status_code == 422
    assert admin.send("PATCH", "/api/units/unit-nope", {"name": "x"}).status_code == 404
    assert admin.send("PATCH", f"/api/units/{a['id']}", {"cot_uid": None}).json()["cot_uid"] is None
    assert (
        as_user("operator-all").send("PATCH", f"/api/units/{a['id']}", {"name": "x"}).status_code
        == 403
    )
    assert admin.send("DELETE", f"/api/units/{a['id']}").status_code == 204
    assert admin.send("DELETE", f"/api/units/{a['id']}").status_code == 404
    assert [u.callsign for u in unit_service.list()] == ["A-2"]


def test_field_status(as_user: Any) -> None:
    admin = as_user("admin-all")
    a = _create(admin, "A-1")
    operator = as_user("operator")
    r = operator.send("POST", f"/api/units/{a['id']}/status", {"status": "out_of_service"})
    assert r.status_code == 200
    assert r.json()["status"] == "out_of_service"
    r = operator.send("POST", f"/api/units/{a['id']}/status", {"status": "dispatched"})
    assert r.status_code == 422
    assert "dispatching it to an incident" in r.json()["detail"]
    r = operator.send("POST", f"/api/units/{a['id']}/status", {"status": "on_scene"})
    assert r.status_code == 409
    assert "not on an incident" in r.json()["detail"]
    assert (
        as_user("auditor-all")
        .send("POST", f"/api/units/{a['id']}/status", {"status": "available"})
        .status_code
        == 403
    )


def test_dispatch_picks_a_registered_unit_and_the_unit_follows_the_incident(
    site: Site, unit_service: UnitService, as_user: Any
) -> None:
    admin = as_user("admin-all")
    a = _create(admin, "A-1", "s1")
    b = _create(admin, "B-1", "s2")
    operator = as_user("operator")  # scoped to s1

    r = operator.send("POST", "/api/incidents/inc1/dispatch", {"unit": "patrol-7"})
    assert r.status_code == 422
    assert "no longer accepted" in r.text
    assert "unit_id" in r.text
    r = operator.send("POST", "/api/incidents/inc1/dispatch", {"unit_id": "unit-nope"})
    assert (r.status_code, r.json()["detail"]) == (404, "no unit with id 'unit-nope'")
    r = operator.send("POST", "/api/incidents/inc1/dispatch", {"unit_id": b["id"]})
    assert r.status_code == 404  # a unit outside the operator's sectors
    r = operator.send("POST", "/api/incidents/inc2/dispatch", {"unit_id": a["id"]})
    assert r.status_code == 404  # an incident outside them
    r = operator.send("POST", "/api/incidents/inc1/dispatch", {"unit_id": a["id"], "force": "y"})
    assert r.status_code == 422
    assert site.context.incidents.get("inc1").incident.status == "open"

    r = operator.send("POST", "/api/incidents/inc1/dispatch", {"unit_id": a["id"], "note": "go"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["dispatched_unit"]) == ("dispatched", "A-1")
    unit = operator.get(f"/api/units/{a['id']}").json()
    assert (unit["status"], unit["incident_id"]) == ("dispatched", "inc1")

    # the same unit to another incident: 409 with the reason, nothing changed
    everyone = as_user("supervisor-all")
    r = everyone.send("POST", "/api/incidents/inc2/dispatch", {"unit_id": a["id"]})
    assert r.status_code == 409
    assert "'A-1' is dispatched on incident inc1" in r.json()["detail"]
    assert site.context.incidents.get("inc2").incident.status == "open"
    r = everyone.send("DELETE", f"/api/units/{a['id']}")
    assert r.status_code == 403  # supervisors do not manage the register
    assert admin.send("DELETE", f"/api/units/{a['id']}").status_code == 409

    assert (
        operator.send("POST", f"/api/units/{a['id']}/status", {"status": "on_scene"}).json()[
            "status"
        ]
        == "on_scene"
    )
    r = operator.send("POST", "/api/incidents/inc1/resolve", {"resolution": "true_alarm"})
    assert r.status_code == 200, r.text
    unit = operator.get(f"/api/units/{a['id']}").json()
    assert (unit["status"], unit["incident_id"]) == ("available", None)

    dispatches = [r for r in site.audit.recent(1000) if r.subject == "/api/incidents/inc1/dispatch"]
    # every attempt is audited with its outcome; errors the app maps to 4xx are recorded as
    # "failed" with the error (the house behaviour of ``audited_request``)
    attempts = list(reversed(dispatches))
    assert [r.outcome for r in attempts] == ["failed"] * 4 + ["ok"]
    assert "no longer accepted" in str(attempts[0].details["error"])
    assert attempts[1].details["error"] == "no unit with id 'unit-nope'"
    assert attempts[2].details["error"] == f"no unit with id {b['id']!r}"
    assert "force" in str(attempts[3].details["error"])


def test_force_takes_a_busy_unit(unit_service: UnitService, as_user: Any) -> None:
    admin = as_user("admin-all")
    a = _create(admin, "A-1", "s1")
    assert (
        admin.send("POST", "/api/incidents/inc1/dispatch", {"unit_id": a["id"]}).status_code == 200
    )
    r = admin.send("POST", "/api/incidents/inc2/dispatch", {"unit_id": a["id"], "force": True})
    assert r.status_code == 200, r.text
    assert unit_service.get(a["id"]).incident_id == "inc2"


def test_suggest_orders_same_sector_first_then_nearest(
    unit_service: UnitService, as_user: Any
) -> None:
    admin = as_user("admin-all")
    far = _create(admin, "Far", "s1")
    near = _create(admin, "Near", "s1")
    blind = _create(admin, "Blind", "s1")  # no position yet
    other = _create(admin, "Other", "s2")
    busy = _create(admin, "Busy", "s1")
    at = T0
    unit_service.update_position("Far", 51.6, 24.0, at)  # ~11 km north of the incident
    unit_service.update_position("Near", 51.51, 24.0, at)  # ~1.1 km
    unit_service.update_position("Other", 51.5, 24.001, at)  # 70 m, but another sector
    unit_service.update_position("Busy", 51.5, 24.0, at)
    admin.send("POST", f"/api/units/{busy['id']}/status", {"status": "off_duty"})

    found = admin.get("/api/incidents/inc1/units/suggest").json()
    assert [s["unit"]["callsign"] for s in found] == ["Near", "Far", "Blind", "Other"]
    assert [s["same_sector"] for s in found] == [True, True, True, False]
    assert found[0]["distance_m"] == pytest.approx(1112, abs=5)
    assert found[1]["distance_m"] == pytest.approx(11120, abs=30)
    assert found[2]["distance_m"] is None
    assert found[3]["distance_m"] == pytest.approx(69, abs=2)
    assert {far["id"], near["id"], blind["id"], other["id"]} == {s["unit"]["id"] for s in found}

    operator = as_user("operator")  # s1 only: never sees the s2 unit
    assert [
        s["unit"]["callsign"] for s in operator.get("/api/incidents/inc1/units/suggest").json()
    ] == [
        "Near",
        "Far",
        "Blind",
    ]
    assert operator.get("/api/incidents/inc2/units/suggest").status_code == 404


def test_two_operators_dispatch_the_same_unit_at_once_one_gets_409(
    site: Site, unit_service: UnitService, as_user: Any
) -> None:
    admin = as_user("admin-all")
    unit = _create(admin, "A-1", "s1")
    clients = [as_user("operator-all"), as_user("supervisor-all")]
    start = threading.Barrier(2)
    codes: list[int] = [0, 0]

    def go(k: int) -> None:
        start.wait()
        r = clients[k].send("POST", f"/api/incidents/inc{k + 1}/dispatch", {"unit_id": unit["id"]})
        codes[k] = r.status_code

    threads = [threading.Thread(target=go, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409], codes
    winner = f"inc{codes.index(200) + 1}"
    loser = f"inc{codes.index(409) + 1}"
    assert unit_service.get(unit["id"]).incident_id == winner
    assert site.context.incidents.get(loser).incident.status == "open"


def test_unit_routes_need_a_session_and_csrf(app: FastAPI) -> None:
    with TestClient(app, base_url="http://testserver") as client:
        assert client.get("/api/units").status_code == 401
        assert client.post("/api/incidents/inc1/dispatch", json={"unit_id": "x"}).status_code == 401
        login(client, "admin-all")
        r = client.post("/api/units", json={"name": "P", "callsign": "B", "sector_id": "s1"})
        assert r.status_code == 403  # no CSRF header
        paths = app.openapi()["paths"]
        assert {"/api/units", "/api/units/{unit_id}", "/api/units/{unit_id}/status"} <= set(paths)
        assert "/api/incidents/{incident_id}/units/suggest" in paths
        dispatch = paths["/api/incidents/{incident_id}/dispatch"]["post"]
        assert dispatch["tags"] == ["incidents"]
        body = dispatch["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/UnitDispatchRequest"}
        schema = app.openapi()["components"]["schemas"]["UnitDispatchRequest"]
        assert schema["required"] == ["unit_id"]
        assert set(schema["properties"]) == {"unit_id", "force", "note"}
