"""The centre's evidence routes (SQLite and PostgreSQL): 202 with progress while a clip or
export travels, 200 with the verified file, scope and refusals, every access audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kordon.api.app import create_api
from kordon.api.providers import ClipInfo
from kordon.central.evidence_routes import central_evidence_router
from kordon.domain.event import Event, EventKind
from kordon.domain.incident import Incident
from kordon.link.evidence_wire import EvidenceKind
from kordon.link.ingest import EDGE_ATTRIBUTE
from kordon.services.pulled_evidence import NodeEvidenceSource
from tests.api.conftest import TestClient, login
from tests.api.fakes import IN_SECTOR, OUT_SECTOR, T0, Site, build_site
from tests.central.evidence_support import EDGE, payload_bytes
from tests.central.test_evidence_pull import Rig


@pytest.fixture
def site(tmp_path: Path, store_url: str) -> Iterator[Site]:
    built = build_site(tmp_path, database_url=store_url)
    for n, sector in (("a", IN_SECTOR), ("b", OUT_SECTOR)):
        built.store.events.add(
            Event(
                kind=EventKind.BORDER_CROSSING,
                time=T0,
                source_id="cam-e",
                id=f"ev-{n}",
                sector_id=sector,
                attributes={EDGE_ATTRIBUTE: EDGE},
            )
        )
        built.store.incidents.create(
            Incident(
                id=f"inc-{n}",
                title=f"outpost crossing {n}",
                opened_at=T0,
                priority=2,
                sector_id=sector,
                event_ids=(f"ev-{n}",),
            ),
            time=T0,
        )
    yield built
    built.store.close()


@pytest.fixture
def rig(site: Site, tmp_path: Path) -> Rig:
    return Rig(site.store, tmp_path)


@pytest.fixture
def client(site: Site, rig: Rig) -> Iterator[TestClient]:
    app = create_api(site.context, extra_routers=[central_evidence_router(lambda: rig.puller)])
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def _audited(site: Site, action: str) -> list[str]:
    return [r.outcome for r in site.audit.recent(1000) if r.action == action][::-1]


def test_a_clip_answers_202_while_it_travels_then_200_with_the_file(
    site: Site, rig: Rig, client: TestClient
) -> None:
    data = payload_bytes(300_000)
    rig.item(EvidenceKind.CLIP, "clip-9", data, incident="inc-a")
    login(client, "operator")
    url = "/api/central/incidents/inc-a/clips/clip-9"
    first = client.get(url)
    assert first.status_code == 202, first.text
    assert first.json()["state"] == "opening"
    assert first.json()["edge_id"] == EDGE
    rig.run(until_chunks=2)
    moving = client.get(url)
    assert moving.status_code == 202
    assert moving.json()["state"] == "fetching"
    assert moving.json()["size"] == len(data)
    assert 0 < moving.json()["received"] < len(data)
    rig.run()
    done = client.get(url)
    assert done.status_code == 200
    assert done.content == data
    assert done.headers["content-type"] == "video/mp4"
    assert _audited(site, "view_clip") == ["pending", "pending", "ok"]
    pulls = [r for r in rig.audit.records if r.action == "evidence.pull"]
    assert [(r.actor, r.outcome) for r in pulls] == [
        ("operator", "requested"),
        ("operator", "done"),
    ]


def test_an_export_the_outpost_lacks_is_404_and_can_be_asked_again(
    site: Site, rig: Rig, client: TestClient
) -> None:
    login(client, "operator")
    url = "/api/central/incidents/inc-a/exports/e404"
    assert client.get(url).status_code == 202
    rig.run()
    missing = client.get(url)
    assert missing.status_code == 404
    assert "not_found" in missing.json()["detail"]
    assert client.get(url).status_code == 404  # not asked again by itself
    assert rig.loop.to_edge == []
    rig.item(EvidenceKind.EXPORT, "e404", b"PK\x03\x04 bundle", incident="inc-a")
    assert client.get(url + "?retry=true").status_code == 202
    rig.run()
    got = client.get(url)
    assert got.status_code == 200
    assert got.content == b"PK\x03\x04 bundle"
    assert _audited(site, "download_export") == ["pending", "failed", "failed", "pending", "ok"]


def test_scope_ids_and_incidents_without_an_outpost_are_refused(
    rig: Rig, client: TestClient
) -> None:
    login(client, "operator")  # scoped to the sector of inc-a
    assert client.get("/api/central/incidents/inc-b/clips/c").status_code == 404
    assert client.get("/api/central/incidents/nope/clips/c").status_code == 404
    bad = client.get("/api/central/incidents/inc-a/clips/bad%20id")
    assert bad.status_code == 400
    assert "item id" in bad.json()["detail"]
    local = client.get("/api/central/incidents/inc1/clips/c")  # seeded without an outpost
    assert local.status_code == 409
    assert rig.loop.to_edge == []  # nothing was asked of the edge


def test_without_a_session_nothing_is_pulled(rig: Rig, client: TestClient) -> None:
    assert client.get("/api/central/incidents/inc-a/clips/c").status_code == 401
    assert rig.loop.to_edge == []


def test_a_nodes_clips_and_exports_reach_the_centre_through_its_routes(
    site: Site, tmp_path: Path
) -> None:
    """The edge answers from a node's own clip and export services (``NodeEvidenceSource``):
    the incident's clips are listed, then a clip and an export are pulled."""
    content = bytes(range(256)) * 700
    site.clips.add(ClipInfo("clip-a", "cam1", "inc-a", T0, T0 + timedelta(seconds=10)), content)
    export = site.exports.create_export(incident_id="inc-a", reason="r", actor="a", time=T0)
    rig = Rig(
        site.store,
        tmp_path,
        source=NodeEvidenceSource(clips=site.clips, exports=site.exports),
    )
    app = create_api(site.context, extra_routers=[central_evidence_router(lambda: rig.puller)])
    with TestClient(app, base_url="http://testserver") as client:
        login(client, "operator")
        base = "/api/central/incidents/inc-a"
        asking = client.get(f"{base}/clips")
        assert asking.status_code == 202
        assert asking.json() == {"edge_id": EDGE, "incident_id": "inc-a", "state": "asking"}
        rig.run()
        listed = client.get(f"{base}/clips")
        assert listed.status_code == 200
        assert [(c["id"], c["url"]) for c in listed.json()] == [("clip-a", f"{base}/clips/clip-a")]
        for url, expected in (
            (f"{base}/clips/clip-a", content),
            (f"{base}/exports/{export.id}", export.path.read_bytes()),
        ):
            assert client.get(url).status_code == 202
            rig.run()
            got = client.get(url)
            assert got.status_code == 200
            assert got.content == expected
        # clip1 is another incident's clip at that outpost: not this incident's to pull.
        assert client.get(f"{base}/clips/clip1").status_code == 202
        rig.run()
        refused = client.get(f"{base}/clips/clip1")
        assert refused.status_code == 404
        assert "not_found" in refused.json()["detail"]


def test_a_received_file_that_went_missing_is_pulled_again(rig: Rig, client: TestClient) -> None:
    data = payload_bytes(100_000)
    rig.item(EvidenceKind.CLIP, "clip-m", data, incident="inc-a")
    login(client, "operator")
    url = "/api/central/incidents/inc-a/clips/clip-m"
    assert client.get(url).status_code == 202
    rig.run()
    kept = rig.puller.status(EDGE, EvidenceKind.CLIP, "clip-m").path
    assert kept is not None
    kept.unlink()
    assert client.get(url).status_code == 202
    rig.run()
    again = client.get(url)
    assert again.status_code == 200
    assert again.content == data
