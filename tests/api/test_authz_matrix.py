"""Authorisation matrix generated from the router: every route × role × scope.

Every ``APIRoute`` of the app must appear in ``POLICY``; a new route without a policy
row fails here, so no route ships unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import JsonValue
from starlette.routing import BaseRoute

from kordon.accounts.roles import Permission, Role, permissions_of
from kordon.api.app import create_api
from kordon.domain.incident import Resolution
from kordon.store.incidents import IncidentRepository, StoredIncident
from tests.api.conftest import TestClient, login
from tests.api.fakes import Site

IDS = {
    "incident_id": ("inc1", "inc2"),
    "event_id": ("ev1", "ev2"),
    "camera_id": ("cam1", "cam2"),
    "clip_id": ("clip1", "clip2"),
    "export_id": ("exp-inc1", "exp-inc2"),
    # basemap addresses are not sector-scoped: the same address in and out of scope
    "theme": ("dark", "dark"),
    "z": ("0", "0"),
    "x": ("0", "0"),
    "y": ("0", "0"),
    "fontstack": ("Noto Sans Regular", "Noto Sans Regular"),
    "first": ("0", "0"),
    "last": ("255", "255"),
}


@dataclass(frozen=True)
class Policy:
    permission: Permission | None
    """None: any logged-in user."""
    scoped: bool
    """The route names an object whose sector is checked."""
    body: dict[str, JsonValue] | None = None
    ok: int = 200


POLICY: dict[tuple[str, str], Policy] = {
    ("POST", "/api/auth/logout"): Policy(None, scoped=False, ok=204),
    ("GET", "/api/auth/me"): Policy(None, scoped=False),
    ("GET", "/api/site"): Policy(Permission.READ, scoped=False),
    ("GET", "/api/map/borders"): Policy(Permission.READ, scoped=False),
    ("GET", "/api/map/km-posts"): Policy(Permission.READ, scoped=False),
    ("GET", "/api/map/sectors"): Policy(Permission.READ, scoped=False),
    ("GET", "/api/map/zones"): Policy(Permission.READ, scoped=False),
    ("GET", "/api/map/sensors"): Policy(Permission.READ, scoped=False),
    ("GET", "/api/map/basemap/style.json"): Policy(Permission.READ, scoped=False),
    # the shipped basemap: any logged-in user may draw the map
    ("GET", "/api/basemap/styles/{theme}.json"): Policy(None, scoped=False),
    ("GET", "/api/basemap/tiles/{z}/{x}/{y}.pbf"): Policy(None, scoped=False),
    ("GET", "/api/basemap/glyphs/{fontstack}/{first}-{last}.pbf"): Policy(None, scoped=False),
    ("GET", "/api/cameras"): Policy(Permission.READ, scoped=False),
    ("GET", "/api/cameras/{camera_id}"): Policy(Permission.READ, scoped=True),
    ("GET", "/api/cameras/{camera_id}/snapshot.jpg"): Policy(Permission.READ, scoped=True),
    ("GET", "/api/devices"): Policy(Permission.READ, scoped=False),
    ("GET", "/api/events"): Policy(Permission.READ, scoped=False),
    ("GET", "/api/events/{event_id}"): Policy(Permission.READ, scoped=True),
    ("GET", "/api/events/{event_id}/snapshot.jpg"): Policy(Permission.READ, scoped=True),
    ("GET", "/api/incidents"): Policy(Permission.READ, scoped=False),
    ("GET", "/api/incidents/{incident_id}"): Policy(Permission.READ, scoped=True),
    ("POST", "/api/incidents/{incident_id}/acknowledge"): Policy(
        Permission.INCIDENT_ACT, scoped=True, body={}
    ),
    ("POST", "/api/incidents/{incident_id}/resolve"): Policy(
        Permission.INCIDENT_ACT, scoped=True, body={"resolution": "false_alarm"}
    ),
    ("POST", "/api/incidents/{incident_id}/close"): Policy(
        Permission.INCIDENT_CLOSE, scoped=True, body={"note": "done"}
    ),
    ("POST", "/api/incidents/{incident_id}/notes"): Policy(
        Permission.INCIDENT_ACT, scoped=True, body={"text": "seen"}
    ),
    ("GET", "/api/incidents/{incident_id}/clips"): Policy(Permission.READ, scoped=True),
    ("GET", "/api/clips/{clip_id}"): Policy(Permission.READ, scoped=True),
    ("POST", "/api/exports"): Policy(Permission.EXPORT, scoped=True, body={"reason": "court"}),
    ("GET", "/api/exports/{export_id}"): Policy(Permission.READ, scoped=True),
    ("GET", "/api/audit"): Policy(Permission.AUDIT_READ, scoped=False),
    ("GET", "/api/stats/false-alarms"): Policy(Permission.READ, scoped=False),
    ("GET", "/api/users"): Policy(Permission.USERS, scoped=False),
}
PUBLIC = {
    ("POST", "/api/auth/login"),
    ("GET", "/api/docs"),
    ("GET", "/api/docs/assets/start.js"),
    ("GET", "/api/docs/assets/{name}"),
    ("GET", "/api/asyncapi.json"),
    ("POST", "/api/sensors/ugs"),  # ground sensors sign each message (HMAC), no session
}


class NoopActions:
    """Incident actions that change nothing (the matrix checks who may, not the lifecycle)."""

    def __init__(self, incidents: IncidentRepository) -> None:
        self._incidents = incidents

    def _get(self, incident_id: str) -> StoredIncident:
        return self._incidents.get(incident_id)

    def acknowledge(
        self, incident_id: str, *, actor: str, note: str, time: datetime
    ) -> StoredIncident:
        return self._get(incident_id)

    def resolve(
        self, incident_id: str, *, actor: str, resolution: Resolution, note: str, time: datetime
    ) -> StoredIncident:
        return self._get(incident_id)

    def close(self, incident_id: str, *, actor: str, note: str, time: datetime) -> StoredIncident:
        return self._get(incident_id)

    def add_note(
        self, incident_id: str, *, actor: str, text: str, time: datetime
    ) -> StoredIncident:
        return self._get(incident_id)


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every ``APIRoute``, also inside included routers (FastAPI >= 0.16x keeps those as
    lazily-resolved wrappers holding the original router)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        original = getattr(route, "original_router", None)
        if isinstance(original, APIRouter):
            yield from _api_routes(original.routes)


def _routes(site: Site) -> list[tuple[str, str]]:
    app = create_api(site.context)
    found: list[tuple[str, str]] = []
    for route in _api_routes(app.routes):
        found.extend((method, route.path) for method in sorted(route.methods or ()))
    schema_paths = set(app.openapi()["paths"])
    assert schema_paths <= {path for _, path in found}, "route walk missed OpenAPI paths"
    return found


def test_every_route_has_a_policy(site: Site) -> None:
    routes = set(_routes(site))
    missing = routes - set(POLICY) - PUBLIC
    assert not missing, f"routes without an authorisation policy: {sorted(missing)}"
    stale = set(POLICY) - routes
    assert not stale, f"policies for routes that do not exist: {sorted(stale)}"


def _url(path: str, in_scope: bool) -> str:
    def sub(match: re.Match[str]) -> str:
        pair = IDS[match.group(1)]
        return pair[0] if in_scope else pair[1]

    return re.sub(r"\{(\w+)\}", sub, path)


@pytest.mark.parametrize("role", list(Role))
def test_authorisation_matrix(site: Site, role: Role) -> None:
    context = replace(site.context, incident_actions=NoopActions(site.store.incidents))
    app = create_api(context)
    failures: list[str] = []
    for method, path in sorted(set(_routes(site)) - PUBLIC):
        policy = POLICY[(method, path)]
        for in_scope in (True, False):
            with TestClient(app) as client:
                csrf = login(client, str(role))  # scoped to s1; the "2" objects are in s2
                body = policy.body
                if path == "/api/exports":
                    body = {**(body or {}), "incident_id": "inc1" if in_scope else "inc2"}
                response = client.request(
                    method, _url(path, in_scope), json=body, headers={"X-CSRF-Token": csrf}
                )
            if policy.permission is not None and policy.permission not in permissions_of(role):
                expected = 403
            elif policy.scoped and not in_scope:
                expected = 404
            else:
                expected = policy.ok
            if response.status_code != expected:
                failures.append(
                    f"{method} {path} role={role} in_scope={in_scope}: "
                    f"{response.status_code} != {expected} ({response.text[:120]})"
                )
    assert not failures, "\n".join(failures)


def test_unauthenticated_requests_get_401_on_every_route(site: Site) -> None:
    app = create_api(site.context)
    with TestClient(app) as client:
        for method, path in sorted(set(_routes(site)) - PUBLIC):
            response = client.request(method, _url(path, True), json=POLICY[(method, path)].body)
            assert response.status_code == 401, f"{method} {path}: {response.status_code}"
