"""``/api/export/*``: GeoJSON and KML of incidents and live tracks, scoped and audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from kordon.api.app import create_api
from kordon.api.routes import geoexport
from kordon.bus.inprocess import InProcessBus
from kordon.interop.geoexport import TrackBook
from kordon.interop.geoexport.kml import KML_NS
from tests.api.conftest import TestClient, login
from tests.api.fakes import IN_SECTOR, OUT_SECTOR, T0, Site, build_site
from tests.interop.cot.builders import tracks
from tests.interop.geoexport.builders import live_track

NS = {"k": KML_NS}
EVENT_LAT, EVENT_LON = 51.5, 24.0
"""Where the seeded site's events (and so its incidents) are."""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    built = build_site(tmp_path)
    yield built
    built.store.close()


@pytest.fixture
def book() -> TrackBook:
    b = TrackBook(InProcessBus())
    b.on_site_tracks(tracks(ids=(1, 2)))
    b.on_track(live_track("site-1", sector_id=IN_SECTOR, lat=51.61, lon=23.72))
    b.on_track(live_track("site-2", sector_id=OUT_SECTOR))
    return b


def _client(site: Site, book: TrackBook | None) -> TestClient:
    app = create_api(site.context, extra_routers=[geoexport.session_router(book)])
    return TestClient(app, base_url="http://testserver")


@pytest.fixture
def client(site: Site, book: TrackBook) -> Iterator[TestClient]:
    with _client(site, book) as c:
        yield c


def _features(client: TestClient, url: str) -> list[dict[str, object]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    assert "attachment" in response.headers["content-disposition"]
    document = json.loads(response.content)
    assert document["type"] == "FeatureCollection"
    features: list[dict[str, object]] = document["features"]
    return features


def _placemark_ids(client: TestClient, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.google-earth.kml+xml"
    root = SafeET.fromstring(response.content)
    return [m.attrib["id"] for m in root.findall("k:Document/k:Placemark", NS)]


def test_incidents_geojson_scoped_to_the_users_sectors(client: TestClient) -> None:
    login(client, "operator")  # scoped to s1
    features = _features(client, "/api/export/incidents.geojson")
    assert [f["id"] for f in features] == ["inc1"]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [EVENT_LON, EVENT_LAT]}
    properties = features[0]["properties"]
    assert isinstance(properties, dict)
    assert properties["status"] == "open"
    assert properties["sector_id"] == IN_SECTOR


def test_unscoped_user_sees_every_sector(client: TestClient) -> None:
    login(client, "operator-all")
    assert sorted(str(f["id"]) for f in _features(client, "/api/export/incidents.geojson")) == [
        "inc1",
        "inc2",
    ]
    assert sorted(_placemark_ids(client, "/api/export/incidents.kml")) == [
        "incident-inc1",
        "incident-inc2",
    ]


def test_incidents_kml(client: TestClient) -> None:
    login(client, "operator")
    response = client.get("/api/export/incidents.kml")
    assert response.status_code == 200
    root = SafeET.fromstring(response.content)
    marks = root.findall("k:Document/k:Placemark", NS)
    assert [m.attrib["id"] for m in marks] == ["incident-inc1"]
    assert marks[0].findtext("k:name", namespaces=NS) == "crossing 1"
    coordinates = marks[0].findtext("k:Point/k:coordinates", namespaces=NS)
    assert coordinates == f"{EVENT_LON!r},{EVENT_LAT!r}"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=open", ["inc1", "inc2"]),
        ("status=resolved", []),
        ("status=resolved&status=open", ["inc1", "inc2"]),
        ("sector=s2", ["inc2"]),
        ("from=2025-03-01T12:00:01Z", []),  # the seeded incidents opened at T0
        ("from=2025-03-01T12:00:00Z", ["inc1", "inc2"]),
        ("to=2025-03-01T12:00:00Z", []),
        ("to=2025-03-01T12:00:01Z", ["inc1", "inc2"]),
        ("from=2025-03-01T13:00:00%2B02:00", ["inc1", "inc2"]),  # 11:00 UTC
        ("from=2025-03-01T13:00:01%2B01:00", []),  # 12:00:01 UTC
    ],
)
def test_incident_filters(client: TestClient, query: str, expected: list[str]) -> None:
    assert T0.isoformat() == "2025-03-01T12:00:00+00:00"
    login(client, "operator-all")
    features = _features(client, f"/api/export/incidents.geojson?{query}")
    assert sorted(str(f["id"]) for f in features) == expected


def test_limit(client: TestClient) -> None:
    login(client, "operator-all")
    assert len(_features(client, "/api/export/incidents.geojson?limit=1")) == 1
    assert len(_placemark_ids(client, "/api/export/incidents.kml?limit=1")) == 1


def test_sector_outside_scope_is_empty(client: TestClient) -> None:
    login(client, "operator")
    assert _features(client, "/api/export/incidents.geojson?sector=s2") == []
    assert _placemark_ids(client, "/api/export/incidents.kml?sector=s2") == []


@pytest.mark.parametrize("path", ["incidents.geojson", "incidents.kml"])
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("status=nonsense", 422),
        ("from=yesterday", 422),
        ("limit=0", 422),
        ("limit=10001", 422),
        ("sector=" + "x" * 129, 422),
        ("from=2025-03-01T12:00:00", 400),  # no offset
        ("to=2025-03-01T12:00:00", 400),
        ("from=2025-03-01T12:00:00Z&to=2025-03-01T12:00:00Z", 400),
        ("from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z", 400),
    ],
)
def test_bad_query_is_refused(client: TestClient, path: str, query: str, status: int) -> None:
    login(client, "operator")
    response = client.get(f"/api/export/{path}?{query}")
    assert response.status_code == status, response.text


def test_tracks_geojson_scoped(client: TestClient) -> None:
    login(client, "operator")
    features = _features(client, "/api/export/tracks.geojson")
    assert [f["id"] for f in features] == ["site-1"]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [23.72, 51.61]}
    login(client, "operator-all")
    assert [f["id"] for f in _features(client, "/api/export/tracks.geojson")] == [
        "site-1",
        "site-2",
    ]


def test_tracks_kml_scoped(client: TestClient) -> None:
    login(client, "operator")
    assert _placemark_ids(client, "/api/export/tracks.kml") == ["track-site-1"]


def test_tracks_follow_the_book(client: TestClient, book: TrackBook) -> None:
    login(client, "operator-all")
    book.on_site_tracks(tracks(ids=(2,), classes=("car",), confirmed=(True,), sigma_m=(5.0,)))
    assert [f["id"] for f in _features(client, "/api/export/tracks.geojson")] == ["site-2"]


@pytest.mark.parametrize("path", ["tracks.geojson", "tracks.kml"])
def test_tracks_without_a_site_picture_404(site: Site, path: str) -> None:
    with _client(site, None) as client:
        login(client, "operator")
        response = client.get(f"/api/export/{path}")
    assert response.status_code == 404
    assert "no site picture" in response.json()["detail"]


ROUTES = ["incidents.geojson", "incidents.kml", "tracks.geojson", "tracks.kml"]


@pytest.mark.parametrize("path", ROUTES)
def test_needs_a_session(client: TestClient, path: str) -> None:
    assert client.get(f"/api/export/{path}").status_code == 401


@pytest.mark.parametrize("path", ROUTES)
def test_needs_the_read_permission(site: Site, client: TestClient, path: str) -> None:
    login(client, "logistics")
    assert client.get(f"/api/export/{path}").status_code == 403
    refused = [r for r in site.audit.recent(50) if r.action == "forbidden"]
    assert refused
    assert refused[0].subject == f"GET /api/export/{path}"


@pytest.mark.parametrize(
    ("path", "query", "features"),
    [
        ("incidents.geojson", "status=open", 1),
        ("incidents.kml", "", 1),
        ("tracks.geojson", "", 1),
        ("tracks.kml", "", 1),
    ],
)
def test_every_export_is_audited(
    site: Site, client: TestClient, path: str, query: str, features: int
) -> None:
    login(client, "operator")
    assert client.get(f"/api/export/{path}?{query}").status_code == 200
    records = [r for r in site.audit.recent(50) if r.action == "geo_export"]
    assert len(records) == 1
    record = records[0]
    assert record.actor == "operator"
    assert record.subject == f"export:{path}"
    assert record.outcome == "ok"
    assert record.details["features"] == features
    assert record.details["address"] == "testclient"
    if query:
        assert record.details["status"] == ["open"]
