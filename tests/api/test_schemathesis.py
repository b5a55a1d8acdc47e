"""schemathesis against the real application: never a 5xx, every status documented.

The node of ``tests/api/real_node.py`` (real store, ledger, incident service, site view,
live frames, clips and exports behind the real uvicorn server) is fuzzed over HTTP from its
own OpenAPI document, as an admin (every route reachable) with a valid CSRF token: positive
and negative examples for every operation, bounded by ``MAX_EXAMPLES`` each. Each answer must
pass schemathesis' ``not_a_server_error`` and ``status_code_conformance`` checks.
``POST /api/auth/logout`` runs on sessions of its own so it never ends the fuzzing session.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from starlette.routing import BaseRoute

from tests.api.real_node import CAMERA, SECTOR, login, running_node

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import APIOperation, Case, GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.failures import FailureGroup
    from schemathesis.specs.openapi.checks import status_code_conformance

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 6
LOGOUT = ("POST", "/api/auth/logout")
NEVER_SUCCEED = {
    ("POST", "/api/auth/login"),  # random credentials
    ("GET", "/api/clips/{clip_id}"),  # a file camera is not recorded: no footage, no clip
    ("POST", "/api/exports"),  # nor anything to export
    ("GET", "/api/exports/{export_id}"),
    ("GET", "/api/events/{event_id}/snapshot.jpg"),  # seeded events have no snapshot
    ("GET", "/api/cameras/{camera_id}/recordings"),  # ... nor recordings of a file camera
    ("GET", "/api/cameras/{camera_id}/playback.mp4"),
    ("POST", "/api/sensors/ugs"),  # needs a sensor's HMAC signature; none is configured
    # The register: random serials, ids and bodies never name a real asset, check, person or
    # transfer of the demo register, and an import needs a well-formed spreadsheet.
    ("GET", "/api/register/assets/{serial}"),
    ("GET", "/api/register/assets/{serial}/uptime"),
    ("GET", "/api/register/assets/{serial}/delivery"),
    ("GET", "/api/register/assets/{serial}/documents/{sha256}"),
    ("POST", "/api/register/assets/{serial}/documents"),
    ("GET", "/api/register/checks/{check_id}/photo"),
    ("POST", "/api/register/assets"),
    ("POST", "/api/register/assets/{serial}/checks"),
    ("POST", "/api/register/assets/{serial}/corrections"),
    ("POST", "/api/register/assets/{serial}/deploy"),
    ("POST", "/api/register/assets/{serial}/status"),
    ("POST", "/api/register/imports"),
    ("POST", "/api/register/transfers"),
    ("POST", "/api/register/transfers/{transfer_id}/confirm"),
    ("GET", "/api/reports/{report_id}"),  # random ids name no report
    # drone tasking: random drone ids and tokens name no drone of the demo and no plan
    ("POST", "/api/incidents/{incident_id}/drone-cue"),
    ("POST", "/api/drones/{drone_id}/patrol"),
    ("POST", "/api/drones/{drone_id}/missions/confirm"),
    ("POST", "/api/drones/{drone_id}/missions/cancel"),
    # Patrol units: unit ids are generated (random ones name no unit), a random sector is
    # not one of the site's, and dispatching needs a registered unit's id (docs/units.md).
    ("GET", "/api/units/{unit_id}"),
    ("PATCH", "/api/units/{unit_id}"),
    ("DELETE", "/api/units/{unit_id}"),
    ("POST", "/api/units/{unit_id}/status"),
    ("POST", "/api/units"),
    ("POST", "/api/incidents/{incident_id}/dispatch"),
}
"""Operations no request can make succeed on this node; every other one must, at least once."""
HTML_ONLY = {
    ("GET", "/api/docs"),
    ("GET", "/api/docs/assets/start.js"),
    ("GET", "/api/docs/assets/{name}"),
    ("GET", "/api/asyncapi.json"),
    ("GET", "/metrics"),
}
"""Routes outside the OpenAPI document (the docs page, its assets, the AsyncAPI document, the
Prometheus text exposition)."""


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every HTTP route of the app, also inside included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        original = getattr(route, "original_router", None)
        if isinstance(original, APIRouter):
            yield from _api_routes(original.routes)


def _existing_ids(url: str, token: str) -> dict[str, str]:
    """Ids of seeded objects, by path parameter name (the node records no clip and has no
    footage to export, so those ids stay random)."""
    with httpx.Client(base_url=url, cookies={"kordon_session": token}, timeout=30) as client:
        incidents = client.get("/api/incidents").json()
    basemap = {"z": "8", "x": "145", "y": "85", "fontstack": "Noto Sans Regular"}
    glyph_range = {"first": "1024", "last": "1279"}
    return {
        "incident_id": incidents[0]["id"],
        "event_id": "seed-0",
        "camera_id": CAMERA,
        "sector_id": SECTOR,
        "file_format": "plan",
        **basemap,
        **glyph_range,
    }


class Fuzzer:
    """Calls the node with each generated case and collects statuses and failed checks."""

    def __init__(self, url: str, session: tuple[str, str], logout: list[tuple[str, str]]):
        self.url = url
        self._session = session
        self._logout_sessions = logout
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self.succeeded: set[tuple[str, str]] = set()

    def run(
        self,
        operation: APIOperation[Any, Any, Any, Any],
        mode: GenerationMode,
        path_parameters: dict[str, str] | None = None,
    ) -> None:
        """Fuzz ``operation``; ``path_parameters`` fixes its ids to objects that exist."""
        logout = (operation.method.upper(), operation.path) == LOGOUT
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

        @given(case=strategy)
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Case) -> None:  # type: ignore[type-arg]
            token, csrf = self._logout_sessions.pop() if logout else self._session
            response = case.call(
                base_url=self.url,
                headers={"X-CSRF-Token": csrf},
                cookies={"kordon_session": token},
                timeout=30,
            )
            self.statuses[response.status_code] += 1
            if 200 <= response.status_code < 300:
                self.succeeded.add((operation.method.upper(), operation.path))
            try:
                case.validate_response(
                    response, checks=[not_a_server_error, status_code_conformance]
                )
            except FailureGroup as exc:
                self.failures.append(f"{case.method} {case.formatted_path}: {exc.message}")

        try:
            check()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise
            # Nothing to make invalid: no parameter and no body, or only free-text ones.


@pytest.mark.timeout(600)
def test_real_application_answers_no_5xx_and_only_documented_statuses(tmp_path: Path) -> None:
    with running_node(tmp_path) as node:
        logout_sessions = [login(node.url) for _ in range(2 * MAX_EXAMPLES + 2)]
        session = login(node.url)
        fuzzer = Fuzzer(node.url, session, logout_sessions)
        known = _existing_ids(node.url, session[0])
        schema = schemathesis.openapi.from_url(f"{node.url}/api/openapi.json")
        covered: set[tuple[str, str]] = set()
        for result in schema.get_all_operations():
            operation = result.ok()  # type: ignore[union-attr]  # an Err would raise: wanted
            covered.add((operation.method.upper(), operation.path))
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzzer.run(operation, mode)
            names = {p.name for p in operation.iter_parameters() if p.location == "path"}
            if names and names <= known.keys():
                fuzzer.run(operation, GenerationMode.POSITIVE, {n: known[n] for n in names})
        served = node.node.api.app
        assert served is not None
        walked = _api_routes(served.routes)
        routes = {(m, route.path) for route in walked for m in route.methods or ()}
    assert covered == routes - HTML_ONLY, f"not fuzzed: {sorted(routes - HTML_ONLY - covered)}"
    assert not fuzzer.failures, "\n\n".join(fuzzer.failures[:10])
    statuses = fuzzer.statuses
    assert sum(statuses.values()) >= 4 * len(covered), statuses
    assert covered - fuzzer.succeeded == NEVER_SUCCEED, (
        statuses,
        sorted(covered - fuzzer.succeeded - NEVER_SUCCEED),
        sorted(NEVER_SUCCEED - (covered - fuzzer.succeeded)),
    )
