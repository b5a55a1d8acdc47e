"""``/api/register``: roles, scopes, imports, checks with photos, transfers (real app)."""

from __future__ import annotations

import base64
import hashlib
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from PIL import Image

from kordon.accounts.roles import Permission, Role, permissions_of
from kordon.api.app import create_api
from kordon.api.app_type import KordonApi
from kordon.api.audit_log import LedgerAuditLog
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.register.context import RegisterContext
from kordon.register.custody import Person
from kordon.register.photos import PhotoStore
from kordon.register.site import SiteDevices
from tests.api.fakes import PASSWORD, T0, Site, build_site
from tests.register.conftest import HEADER, audit_actions, project, row

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

DELIVERED = "2025-01-15"


@dataclass
class Node:
    site: Site
    app: KordonApi
    register: RegisterContext
    ledger: Ledger
    photos: Path


def _csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


@pytest.fixture
def node(tmp_path: Path, store_url: str) -> Iterator[Node]:
    site = build_site(tmp_path, database_url=store_url)
    ledger = Ledger(tmp_path / "ledger", Signer.generate())
    ledger.open()
    photos = tmp_path / "photos"
    register = RegisterContext.build(
        site.store.sessions,
        LedgerAuditLog(ledger),
        photos=PhotoStore(photos),
        site=SiteDevices(
            device_ids=frozenset({"cam1", "cam2"}), sector_ids=frozenset({"s1", "s2"})
        ),
        max_photo_bytes=100_000,
    )
    service = register.service
    service.create_project(project(), actor="seed", time=T0)
    service.create_project(project("P2", donor="Donor B"), actor="seed", time=T0)
    service.add_person(Person("G1", "Guard One", "Unit 1"), actor="seed", time=T0)
    service.grant_donor("donor_auditor-all", "Donor B", actor="seed", time=T0)
    path = tmp_path / "seed.csv"
    path.write_text(
        _csv(
            row(
                "CAM-1",
                delivered=DELIVERED,
                status="deployed",
                outpost="T1",
                sector="s1",
                device="cam1",
            ),
            row("CAM-2", delivered=DELIVERED, status="deployed", outpost="T2", sector="s2"),
            row(
                "R-1",
                project_id="P2",
                category="radio",
                delivered=DELIVERED,
                status="deployed",
                outpost="T1",
                sector="s1",
            ),
            row("H-1", category="helmet", delivered=DELIVERED),
        )
    )
    from kordon.register.importer import import_assets

    import_assets(service, path, actor="seed", time=T0)
    app = create_api(replace(site.context, register=register))
    try:
        yield Node(site, app, register, ledger, photos)
    finally:
        ledger.close()
        site.store.close()


def _login(client: TestClient, username: str) -> str:
    response = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


@pytest.fixture
def client(node: Node) -> Iterator[TestClient]:
    with TestClient(node.app, base_url="http://testserver") as c:
        yield c


def _png() -> str:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


# (method, path) -> (permission, body); "{serial}" is CAM-1 (sector s1)
POLICY: dict[tuple[str, str], tuple[Permission, dict[str, object] | None]] = {
    ("GET", "/api/register/projects"): (Permission.REGISTER_READ, None),
    ("GET", "/api/register/summary"): (Permission.REGISTER_READ, None),
    ("GET", "/api/register/assets"): (Permission.REGISTER_READ, None),
    ("GET", "/api/register/assets/{serial}"): (Permission.REGISTER_READ, None),
    ("GET", "/api/register/assets/{serial}/uptime"): (Permission.REGISTER_READ, None),
    ("GET", "/api/register/export.{fmt}"): (Permission.REGISTER_READ, None),
    ("GET", "/api/register/labels.html"): (Permission.REGISTER_READ, None),
    ("GET", "/api/register/checks/{check_id}/photo"): (Permission.REGISTER_READ, None),
    ("POST", "/api/register/assets"): (Permission.REGISTER_EDIT, {"cells": {}}),
    ("POST", "/api/register/imports"): (
        Permission.REGISTER_EDIT,
        {"file_name": "x.csv", "content_base64": ""},
    ),
    ("POST", "/api/register/assets/{serial}/deploy"): (Permission.REGISTER_EDIT, {"outpost": ""}),
    ("POST", "/api/register/assets/{serial}/status"): (Permission.REGISTER_EDIT, {}),
    ("POST", "/api/register/assets/{serial}/corrections"): (Permission.REGISTER_EDIT, {}),
    ("POST", "/api/register/transfers"): (Permission.REGISTER_EDIT, {"serials": []}),
    ("POST", "/api/register/transfers/{transfer_id}/confirm"): (Permission.REGISTER_EDIT, {}),
    ("POST", "/api/register/assets/{serial}/checks"): (Permission.REGISTER_CHECK, {}),
    ("GET", "/api/register/assets/{serial}/delivery"): (Permission.REGISTER_READ, None),
    ("GET", "/api/register/assets/{serial}/documents/{sha256}"): (Permission.REGISTER_READ, None),
    ("POST", "/api/register/assets/{serial}/documents"): (Permission.REGISTER_EDIT, {}),
}


def _register_routes(app: KordonApi) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    stack = list(app.routes)
    while stack:
        route = stack.pop()
        if isinstance(route, APIRoute) and route.path.startswith("/api/register"):
            found.update((m, route.path) for m in route.methods or ())
        original = getattr(route, "original_router", None)
        if original is not None:
            stack.extend(original.routes)
    return found


def test_every_register_route_has_a_policy(node: Node) -> None:
    assert _register_routes(node.app) == set(POLICY)


@pytest.mark.parametrize("role", list(Role))
def test_roles_without_the_permission_are_refused(node: Node, role: Role) -> None:
    """403 exactly when the role lacks the permission (bodies are invalid on purpose, so
    an allowed role gets 4xx other than 403 and nothing changes)."""
    failures = []
    for (method, path), (permission, body) in sorted(POLICY.items()):
        url = (
            path.replace("{serial}", "CAM-1")
            .replace("{fmt}", "csv")
            .replace("{check_id}", "nope")
            .replace("{transfer_id}", "nope")
            .replace("{sha256}", "0" * 64)
        )
        with TestClient(node.app, base_url="http://testserver") as c:
            csrf = _login(c, f"{role}-all")
            response = c.request(method, url, json=body, headers={"X-CSRF-Token": csrf})
        refused = response.status_code == 403
        if refused == (permission in permissions_of(role)):
            failures.append(f"{method} {path} {role}: {response.status_code}")
    assert not failures, failures


def test_logistics_imports_lists_and_reads_history(client: TestClient, node: Node) -> None:
    csrf = _login(client, "logistics")
    content = _csv(row("NEW-1", delivered=DELIVERED), row("NEW-2", delivered=DELIVERED))
    response = client.post(
        "/api/register/imports",
        json={
            "file_name": "new.csv",
            "content_base64": base64.b64encode(content.encode()).decode(),
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    assert response.json()["assets"] == 2
    page = client.get("/api/register/assets", params={"q": "new", "limit": 1}).json()
    assert [a["serial"] for a in page["items"]] == ["NEW-1"]
    assert (page["next_after"], page["total"]) == ("NEW-1", 2)
    detail = client.get("/api/register/assets/NEW-1").json()
    assert [h["kind"] for h in detail["history"]] == ["registered"]
    assert detail["project"]["id"] == "P1"
    assert audit_actions(node.ledger)[-1] == "register.assets.import"


def test_a_bad_import_answers_row_errors_and_writes_nothing(client: TestClient) -> None:
    csrf = _login(client, "logistics")
    content = _csv(
        row("CAM-1", delivered=DELIVERED), row("Z-1", category="tank", delivered=DELIVERED)
    )
    response = client.post(
        "/api/register/imports",
        json={
            "file_name": "bad.csv",
            "content_base64": base64.b64encode(content.encode()).decode(),
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["file"], e["row"], e["column"]) for e in errors] == [
        ("bad.csv", 2, "serial"),
        ("bad.csv", 3, "category"),
    ]
    assert client.get("/api/register/assets", params={"q": "Z-"}).json()["total"] == 0


def test_commander_and_donor_auditor_scopes(client: TestClient) -> None:
    _login(client, "commander")  # scoped to s1
    assert [a["serial"] for a in client.get("/api/register/assets").json()["items"]] == [
        "CAM-1",
        "R-1",
    ]
    assert client.get("/api/register/assets/CAM-2").status_code == 404
    _login(client, "donor_auditor-all")  # granted Donor B only
    assert [p["id"] for p in client.get("/api/register/projects").json()] == ["P2"]
    assert [a["serial"] for a in client.get("/api/register/assets").json()["items"]] == ["R-1"]
    assert client.get("/api/register/assets/CAM-1").status_code == 404
    assert "CAM-1" not in client.get("/api/register/export.csv").text


def test_end_use_checks_validate_the_photo(client: TestClient, node: Node) -> None:
    csrf = _login(client, "commander")
    url = "/api/register/assets/CAM-1/checks"
    headers = {"X-CSRF-Token": csrf}
    fake = base64.b64encode(b"MZ\x90\x00 not an image").decode()
    bad = client.post(url, json={"lat": 51.5, "lon": 23.6, "photo_base64": fake}, headers=headers)
    assert bad.status_code == 422
    assert "not a readable image" in bad.json()["detail"]
    big = base64.b64encode(b"\xff\xd8\xff" + b"\x00" * 200_000).decode()
    huge = client.post(url, json={"lat": 51.5, "lon": 23.6, "photo_base64": big}, headers=headers)
    assert huge.status_code == 413
    assert not node.photos.exists() or not any(node.photos.rglob("*.*"))
    out = client.post(url, json={"lat": 51.5, "lon": 23.6, "photo_base64": _png()}, headers=headers)
    assert out.status_code == 200, out.text
    photo = client.get(out.json()["photo_url"])
    assert (photo.status_code, photo.headers["content-type"]) == (200, "image/png")
    other = client.post(
        "/api/register/assets/CAM-2/checks",
        json={"lat": 51.5, "lon": 23.6, "photo_base64": _png()},
        headers=headers,
    )
    assert other.status_code == 404  # outside the commander's sectors


def test_bulk_transfer_to_an_unknown_person_is_refused_whole(client: TestClient) -> None:
    csrf = _login(client, "logistics")
    headers = {"X-CSRF-Token": csrf}
    refused = client.post(
        "/api/register/transfers",
        json={"serials": ["H-1", "CAM-1"], "to_person": "G404"},
        headers=headers,
    )
    assert refused.status_code == 422
    assert [e["row"] for e in refused.json()["errors"]] == [1, 2]
    mixed = client.post(
        "/api/register/transfers",
        json={"serials": ["H-1", "NOPE"], "to_person": "G1"},
        headers=headers,
    )
    assert [e["row"] for e in mixed.json()["errors"]] == [2]
    assert client.get("/api/register/assets/H-1").json()["transfers"] == []
    ok = client.post(
        "/api/register/transfers", json={"serials": ["H-1"], "to_person": "G1"}, headers=headers
    )
    assert ok.status_code == 200, ok.text
    (transfer,) = ok.json()
    done = client.post(
        f"/api/register/transfers/{transfer['id']}/confirm",
        json={"party": "to", "person_id": "G1"},
        headers=headers,
    )
    assert done.json()["state"] == "completed"
    asset = client.get("/api/register/assets/H-1").json()
    assert (asset["asset"]["status"], asset["holder"]) == ("issued", "G1 (Guard One)")


def test_labels_summary_and_uptime(client: TestClient, node: Node) -> None:
    from kordon.domain.status import DeviceState, DeviceStatus

    node.site.store.devices.record(DeviceStatus("cam1", T0.replace(hour=1), DeviceState.ONLINE))
    _login(client, "auditor-all")
    sheet = client.get("/api/register/labels.html")
    assert sheet.status_code == 200
    assert sheet.text.count("<svg") == 4
    (p1, _p2) = client.get("/api/register/summary").json()
    cameras = next(c for c in p1["categories"] if c["category"] == "camera")
    assert (cameras["delivered"], cameras["operational"]) == (2, 2)
    uptime = client.get("/api/register/assets/CAM-1/uptime").json()
    assert uptime["device_id"] == "cam1"
    assert client.get("/api/register/assets/CAM-2/uptime").status_code == 404
    xlsx = client.get("/api/register/export.xlsx")
    assert xlsx.content[:2] == b"PK"


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_delivery_document_is_sniffed_stored_by_hash_and_audited(
    client: TestClient, node: Node
) -> None:
    csrf = _login(client, "logistics")
    response = client.post(
        "/api/register/assets/CAM-1/documents",
        json={
            "file_name": "../../delivery note.pdf",
            "content_base64": base64.b64encode(PDF).decode(),
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    delivery = response.json()
    [doc] = delivery["documents"]
    digest = hashlib.sha256(PDF).hexdigest()
    assert (doc["name"], doc["sha256"], doc["content_type"], doc["size_bytes"]) == (
        "delivery note.pdf",
        digest,
        "application/pdf",
        len(PDF),
    )
    assert doc["attached_by"] == "logistics"
    assert delivery["sources"] == ["seed.csv"]
    assert (node.photos.parent / "documents" / digest[:2] / f"{digest}.pdf").read_bytes() == PDF
    assert audit_actions(node.ledger)[-1] == "register.delivery.document"
    # the same delivery from another serial of it; the file back, never sniffed by a browser
    same = client.get("/api/register/assets/CAM-2/delivery").json()
    assert [d["sha256"] for d in same["documents"]] == [digest]
    got = client.get(doc["url"])
    assert got.status_code == 200
    assert got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    again = client.post(
        "/api/register/assets/CAM-1/documents",
        json={"file_name": "copy.pdf", "content_base64": base64.b64encode(PDF).decode()},
        headers={"X-CSRF-Token": csrf},
    )
    assert again.status_code == 409
    assert "already attached" in again.json()["detail"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04" + b"\0" * 40, "ZIP container"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 40, "old office file"),
        (b"<html><script>alert(1)</script></html>", "markup"),
        (b"MZ\x90\x00", "a program"),
        (b"%PDF-1.4\nno end", "truncated"),
        (b"\x89PNG\r\n\x1a\nbroken", "not a readable image"),
        (b"hello", "not recognised"),
    ],
)
def test_bad_documents_are_refused_and_nothing_stored(
    client: TestClient, node: Node, content: bytes, reason: str
) -> None:
    csrf = _login(client, "logistics")
    before = audit_actions(node.ledger)
    response = client.post(
        "/api/register/assets/CAM-1/documents",
        json={"file_name": "x.pdf", "content_base64": base64.b64encode(content).decode()},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]
    assert client.get("/api/register/assets/CAM-1/delivery").json()["documents"] == []
    assert not (node.photos.parent / "documents").exists()
    assert audit_actions(node.ledger) == before


def test_an_oversized_document_is_refused_before_decoding(client: TestClient, node: Node) -> None:
    csrf = _login(client, "logistics")
    limit = node.register.service.max_document_bytes = 1000  # under the app's body limit
    big = "A" * ((limit * 4) // 3 + 8)
    response = client.post(
        "/api/register/assets/CAM-1/documents",
        json={"file_name": "big.pdf", "content_base64": big},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "the document is larger than 1000 bytes"
    assert client.get("/api/register/assets/CAM-1/delivery").json()["documents"] == []


def test_documents_follow_the_asset_scope(client: TestClient, node: Node) -> None:
    csrf = _login(client, "logistics")
    response = client.post(
        "/api/register/assets/CAM-2/documents",
        json={"file_name": "n.pdf", "content_base64": base64.b64encode(PDF).decode()},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    url = response.json()["documents"][0]["url"]
    with TestClient(node.app, base_url="http://testserver") as other:
        _login(other, "commander")  # scoped to s1; CAM-2 is in s2
        assert other.get("/api/register/assets/CAM-2/delivery").status_code == 404
        assert other.get(url).status_code == 404
