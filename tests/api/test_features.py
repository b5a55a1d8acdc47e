"""The session answer lists the optional features the server mounted, and only those.

The central server's API is ``create_api`` with no optional router (its extra routers are
health and the link's); a node mounts units, drones, reports, the register, video and track
exports. The web console hides what is not listed (``web/src/features.ts``).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from kordon.api.app import create_api
from kordon.api.features import FEATURE_ROUTES, Feature, served_features
from kordon.api.routes import units as unit_routes
from kordon.incidents import IncidentService
from kordon.units.service import UnitService
from tests.api.conftest import TestClient
from tests.api.fakes import PASSWORD, Site
from tests.api.real_node import login as node_login
from tests.api.real_node import running_node


def _documented(*paths: str, hidden: str | None = None) -> dict[str, object]:
    """The OpenAPI paths of an app with a GET route per path (``hidden`` left out of it)."""
    app = FastAPI()
    router = APIRouter()
    for path in paths:
        router.add_api_route(path, lambda: None, methods=["GET"])
    if hidden is not None:
        router.add_api_route(hidden, lambda: None, methods=["GET"], include_in_schema=False)
    app.include_router(router)
    documented: dict[str, object] = app.openapi()["paths"]
    return documented


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ((), []),
        (("/api/site", "/api/incidents", "/api/cameras/{camera_id}/snapshot.jpg"), []),
        (("/api/units",), [Feature.UNITS]),
        (("/api/units/{unit_id}",), []),  # another route of the feature is not its probe
        (("/api/drones/{drone_id}/patrol",), []),
        (("/api/reports", "/api/drones"), [Feature.DRONES, Feature.REPORTS]),
        (tuple(FEATURE_ROUTES.values()), list(Feature)),
    ],
)
def test_served_features_are_the_features_whose_route_is_mounted(
    paths: tuple[str, ...], expected: list[Feature]
) -> None:
    assert served_features(_documented(*paths)) == expected


def test_an_undocumented_route_is_no_feature() -> None:
    assert served_features(_documented("/api/units", hidden="/api/drones")) == [Feature.UNITS]


def test_every_feature_has_a_route() -> None:
    assert set(FEATURE_ROUTES) == set(Feature)


def test_an_api_without_optional_routers_lists_no_feature(client: TestClient) -> None:
    """The central's composition: no drones, units, register, reports, video or exports."""
    answer = client.post("/api/auth/login", json={"username": "operator", "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    assert answer.json()["features"] == []
    me = client.get("/api/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["features"] == []


def test_mounting_the_unit_routes_lists_units_in_login_and_me(site: Site) -> None:
    incidents = IncidentService(site.store, lambda _incident: None)
    units = UnitService(site.store, sector_ids=("s1", "s2"), audit=site.audit)
    app = create_api(site.context, extra_routers=[unit_routes.session_router(units, incidents)])
    with TestClient(app, base_url="http://testserver") as client:
        answer = client.post("/api/auth/login", json={"username": "operator", "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        assert answer.json()["features"] == ["units"]
        assert client.get("/api/auth/me").json()["features"] == ["units"]


def test_the_node_lists_every_feature_it_serves(tmp_path: Path) -> None:
    with running_node(tmp_path) as node:
        token, _csrf = node_login(node.url)
        with httpx.Client(base_url=node.url, cookies={"kordon_session": token}) as client:
            me = client.get("/api/auth/me", timeout=30)
            assert me.status_code == 200, me.text
            assert me.json()["features"] == [
                "drones",
                "units",
                "register",
                "reports",
                "video",
                "track_exports",
            ]
            # each listed feature answers (none of the console's requests would 404)
            for path in ("/api/drones", "/api/units", "/api/register/projects"):
                assert client.get(path, timeout=30).status_code == 200, path
