"""Property-based requests from the OpenAPI schema (schemathesis): never a 5xx.

Bounded: a few examples per operation, as an admin (every route reachable) with a valid
CSRF token. Marked ``slow`` (about 20-40 s on two cores).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from kordon.api.app import create_api
from tests.api.conftest import TestClient, login
from tests.api.fakes import build_site

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis

pytestmark = pytest.mark.slow


def test_no_server_errors(tmp_path: Path) -> None:
    site = build_site(tmp_path)
    app = create_api(site.context)
    with TestClient(app) as client:
        csrf = login(client, "admin-all")
        headers = {
            "X-CSRF-Token": csrf,
            "Cookie": f"kordon_session={client.cookies['kordon_session']}",
        }
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    operations = 0
    statuses: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # Err would raise: wanted
        operations += 1
        if operation.path == "/api/auth/logout":
            continue  # would end the session the other operations run in

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
            response = case.call(headers=headers)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        check()
    site.store.close()
    assert operations >= 25
    assert len(statuses) >= 2 * operations
    assert sum(200 <= s < 300 for s in statuses) > operations, sorted(statuses)
    assert not failures, "\n".join(failures[:20])
