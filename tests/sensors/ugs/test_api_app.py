"""The endpoint inside the real operator API (``create_api``): reachable without a session,
404 when the node has no HTTP intake, refused attempts audited like refused logins."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path

from kordon.api.app import create_api
from kordon.sensors.ugs.http_intake import UgsHttpIntake
from kordon.sensors.ugs.signature import SignatureVerifier, signed_headers
from tests.api.fakes import build_site, flush_refusals
from tests.sensors.ugs.support import ManualClock, build_intake, message_dict

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # see tests/api/conftest.py
    from fastapi.testclient import TestClient

SECRET = b"ugs-1 shared secret 0123"
URL = "/api/sensors/ugs"


def test_signed_messages_pass_without_a_session_and_refusals_are_audited(
    tmp_path: Path,
) -> None:
    site = build_site(tmp_path)
    clock = ManualClock()
    intake, got = build_intake(clock)
    http = UgsHttpIntake(SignatureVerifier({"ugs-1": SECRET}, clock), intake)
    app = create_api(replace(site.context, ground_sensors=http))
    body = json.dumps(message_dict()).encode()
    with TestClient(app) as client:
        headers = signed_headers("ugs-1", SECRET, body, int(clock().timestamp()))
        accepted = client.post(URL, content=body, headers=headers)
        assert accepted.status_code == 202, accepted.text
        refused = client.post(URL, content=body)
        assert refused.status_code == 401
        assert refused.json()["detail"].startswith("not authenticated: unsigned request")
        flush_refusals(client.app)
    assert got.rows == 1
    [entry] = [r for r in site.audit.recent(20) if r.action == "ugs"]
    assert (entry.outcome, entry.details["count"]) == ("refused", 1)


def test_without_an_intake_the_endpoint_answers_404(tmp_path: Path) -> None:
    site = build_site(tmp_path)
    with TestClient(create_api(site.context)) as client:
        response = client.post(URL, content=b"{}")
    assert response.status_code == 404
    assert response.json() == {"detail": "no ground sensor accepts messages over HTTP on this node"}
