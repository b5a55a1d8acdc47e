"""``POST /api/exports`` with ``masked_video``: passed to the export service, bad values 422."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import login
from tests.api.fakes import Site


def _export(client: TestClient, csrf: str, **extra: object) -> int:
    response = client.post(
        "/api/exports",
        json={"incident_id": "inc1", "reason": "press release", **extra},
        headers={"X-CSRF-Token": csrf},
    )
    status: int = response.status_code
    return status


def test_masked_video_reaches_the_export_service(client: TestClient, site: Site) -> None:
    csrf = login(client, "admin")
    assert _export(client, csrf, masked_video=True) == 200
    assert site.exports.masked_video["exp-inc1"] is True
    assert _export(client, csrf) == 200
    assert site.exports.masked_video["exp-inc1"] is False


def test_a_masked_video_that_is_not_a_boolean_is_refused(client: TestClient, site: Site) -> None:
    csrf = login(client, "admin")
    before = dict(site.exports.masked_video)
    assert _export(client, csrf, masked_video="yes") == 422
    assert site.exports.masked_video == before


def test_the_option_is_documented_in_openapi(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["ExportRequest"]
    assert schema["properties"]["masked_video"]["default"] is False
