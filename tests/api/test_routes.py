"""Routes: scope filtering, lifecycle conflicts, bad bodies, ranges, static UI."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from kordon.api.app import create_api
from tests.api.conftest import TestClient, login
from tests.api.fakes import Site, client_settings
from tests.api.raw_http import asgi_request


def test_listings_only_show_the_users_sectors(client: TestClient) -> None:
    login(client, "operator")
    assert [i["id"] for i in client.get("/api/incidents").json()] == ["inc1"]
    assert [e["id"] for e in client.get("/api/events").json()] == ["ev1"]
    assert [c["id"] for c in client.get("/api/cameras").json()] == ["cam1"]
    assert client.get("/api/incidents", params={"sector": "s2"}).json() == []
    features = client.get("/api/map/sectors").json()["features"]
    assert [f["properties"]["id"] for f in features] == ["s1"]
    assert client.get("/api/events", params={"before": "ev2"}).status_code == 404


def test_unscoped_user_sees_every_sector(client: TestClient) -> None:
    login(client, "operator-all")
    assert sorted(i["id"] for i in client.get("/api/incidents").json()) == ["inc1", "inc2"]
    assert client.get("/api/incidents/inc2").status_code == 200


def test_out_of_scope_is_404_like_unknown_and_audited(client: TestClient, site: Site) -> None:
    login(client, "operator")
    out = client.get("/api/incidents/inc2")
    unknown = client.get("/api/incidents/nope")
    assert out.status_code == unknown.status_code == 404
    assert out.json()["detail"] == "no incident with id 'inc2'"
    assert any(r.action == "out_of_scope" for r in site.audit.recent(10))


def test_incident_shape_and_lifecycle(client: TestClient) -> None:
    csrf = login(client, "supervisor")
    h = {"X-CSRF-Token": csrf}
    inc = client.get("/api/incidents/inc1").json()
    assert inc["status"] == "open"
    assert inc["camera_id"] == "cam1"
    assert inc["kind"] == "border_crossing"
    assert inc["opened_at"].endswith("Z")
    assert inc["version"] == 1
    r = client.post("/api/incidents/inc1/acknowledge", json={}, headers=h)
    assert r.status_code == 200
    assert r.json()["assignee"] == "supervisor"
    r = client.post("/api/incidents/inc1/notes", json={"text": "on the way"}, headers=h)
    assert r.json()["notes"] == [
        {"author": "supervisor", "time": "2025-03-01T12:00:00Z", "text": "on the way"}
    ]
    r = client.post(
        "/api/incidents/inc1/resolve", json={"resolution": "true_alarm", "note": "x"}, headers=h
    )
    assert r.json()["resolution"] == "true_alarm"
    r = client.post("/api/incidents/inc1/close", json={}, headers=h)
    body = r.json()
    assert body["status"] == "closed"
    assert [s["status"] for s in body["history"]] == ["acknowledged", "resolved", "closed"]
    assert body["version"] == 5


def test_invalid_transition_is_409_and_changes_nothing(client: TestClient, site: Site) -> None:
    csrf = login(client, "supervisor")
    h = {"X-CSRF-Token": csrf}
    client.post("/api/incidents/inc1/resolve", json={"resolution": "duplicate"}, headers=h)
    client.post("/api/incidents/inc1/close", json={}, headers=h)
    before = site.store.incidents.get("inc1")
    r = client.post("/api/incidents/inc1/resolve", json={"resolution": "false_alarm"}, headers=h)
    assert r.status_code == 409
    assert r.json() == {"detail": "cannot go from closed to resolved"}
    assert site.store.incidents.get("inc1") == before
    assert any(r.outcome == "failed" and "resolve" in r.action for r in site.audit.recent(5))


def test_malformed_json_and_bad_fields_are_422(client: TestClient, site: Site) -> None:
    csrf = login(client, "operator")
    h = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    r = client.post("/api/incidents/inc1/notes", content=b'{"text": ', headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "json_invalid"
    r = client.post("/api/incidents/inc1/notes", json={"text": "u", "extra": 1}, headers=h)
    assert r.status_code == 422
    r = client.post("/api/incidents/inc1/resolve", json={"resolution": "maybe"}, headers=h)
    assert r.status_code == 422
    assert site.store.incidents.get("inc1").version == 1


def test_oversized_body_is_413(client: TestClient) -> None:
    csrf = login(client, "operator")
    big = b'{"text": "' + b"x" * (1024 * 1024 + 1) + b'"}'
    r = client.post(
        "/api/incidents/inc1/notes",
        content=big,
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert r.status_code == 413


def test_clip_range_request_is_206(client: TestClient) -> None:
    login(client, "operator")
    clips = client.get("/api/incidents/inc1/clips").json()
    assert clips[0]["url"] == "/api/clips/clip1"
    full = client.get("/api/clips/clip1")
    assert full.status_code == 200
    part = client.get("/api/clips/clip1", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == full.content[10:20]


def test_export_roundtrip_and_audit_log(client: TestClient) -> None:
    csrf = login(client, "admin")
    r = client.post(
        "/api/exports",
        json={"incident_id": "inc1", "reason": "court order 12"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 200
    export = r.json()
    data = client.get(export["url"]).content

    assert hashlib.sha256(data).hexdigest() == export["sha256"]
    log = client.get("/api/audit").json()
    assert log[0]["action"] == "download_export"
    assert any(rec["action"] == "POST /api/exports" and rec["outcome"] == "ok" for rec in log)


def test_openapi_is_served(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    assert "/api/incidents/{incident_id}/resolve" in doc["paths"]


def test_web_ui_is_served_with_spa_fallback(site: Site, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<html>ui</html>")
    (dist / "app.js").write_text("js")
    (tmp_path / "secret.txt").write_text("secret beside the UI")
    app = create_api(replace(site.context, settings=client_settings(static_dir=dist)))
    with TestClient(app) as client:
        assert client.get("/app.js").text == "js"
        assert client.get("/incidents/inc1").text == "<html>ui</html>"
        assert client.get("/api/nothing").status_code == 404
    # httpx would send "/secret.txt" for "/../secret.txt": the path goes in raw (more in
    # test_raw_paths.py, over a real server too)
    traversal = asgi_request(app, "/../secret.txt")
    assert traversal.status == 400
    assert b"secret" not in traversal.body
    missing = create_api(replace(site.context, settings=client_settings(static_dir=tmp_path / "x")))
    with TestClient(missing) as client:
        assert client.get("/").status_code == 404
