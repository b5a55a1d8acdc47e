"""The API against the real providers of a running node (store, ledger, site view, live
frames, incident service), over HTTP: what the fakes of the other API tests stand in for."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from pydantic import JsonValue

from kordon.evidence.entry import EntryKind
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.evidence.verify import verify_ledger
from tests.api.real_node import CAMERA, SECTOR, login, running_node

pytestmark = pytest.mark.slow

JPEG_MAGIC = b"\xff\xd8\xff"


def _audit_payloads(data_dir: Path) -> list[dict[str, JsonValue]]:
    with Ledger(data_dir / "ledger", Signer.load_or_create(data_dir), tree_head_every=0) as led:
        entries = [led.entry(seq) for seq in range(led.size)]
    return [dict(e.payload) for e in entries if e.kind is EntryKind.AUDIT]


def _first_frame(client: httpx.Client, timeout_s: float = 60.0) -> httpx.Response:
    """The camera's snapshot once its first frame went through the pipeline."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get(f"/api/cameras/{CAMERA}/snapshot.jpg")
        if response.status_code != 404 or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def test_api_serves_the_real_providers_and_audits_into_the_real_ledger(tmp_path: Path) -> None:
    with running_node(tmp_path) as node:
        token, csrf = login(node.url)
        with httpx.Client(
            base_url=node.url, cookies={"kordon_session": token}, timeout=30
        ) as client:
            site = client.get("/api/site").json()
            assert site["id"] == "volyn"
            borders = client.get("/api/map/borders").json()
            assert [f["properties"]["id"] for f in borders["features"]] == ["ua-by"]
            sectors = client.get("/api/map/sectors").json()["features"]
            assert SECTOR in {f["properties"]["id"] for f in sectors}
            cameras = client.get("/api/cameras").json()
            assert [(c["id"], c["georeferenced"]) for c in cameras] == [(CAMERA, True)]
            incidents = client.get("/api/incidents").json()
            # three crossings half an hour apart: three incidents, newest alert first
            assert [i["event_ids"] for i in incidents] == [["seed-0"], ["seed-1"], ["seed-2"]]
            assert {(i["camera_id"], i["sector_id"]) for i in incidents} == {(CAMERA, SECTOR)}
            snapshot = _first_frame(client)
            assert snapshot.status_code == 200
            assert snapshot.content.startswith(JPEG_MAGIC)
            assert snapshot.headers["x-frame-options"] == "DENY"
            acked = client.post(
                f"/api/incidents/{incidents[0]['id']}/acknowledge",
                json={"note": "seen"},
                headers={"X-CSRF-Token": csrf},
            )
            assert acked.status_code == 200
            assert acked.json()["status"] == "acknowledged"
        forged_cookie = {"kordon_session": "forged"}
        with httpx.Client(base_url=node.url, cookies=forged_cookie, timeout=30) as anonymous:
            for _ in range(20):
                assert anonymous.get("/api/events").status_code == 401
        data_dir = node.config.data_path()
    report = verify_ledger(data_dir / "ledger")
    assert report.ok, report.render()
    audits = _audit_payloads(data_dir)
    actions = [(p["action"], p["outcome"]) for p in audits]
    assert (f"POST /api/incidents/{incidents[0]['id']}/acknowledge", "ok") in actions
    sessions = [p for p in audits if p["action"] == "session"]
    assert len(sessions) == 1  # twenty forged cookies: one entry, written at stop
    details = sessions[0]["details"]
    assert isinstance(details, dict)
    assert (details["address"], details["count"]) == ("127.0.0.1", 20)
