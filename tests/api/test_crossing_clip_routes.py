"""``GET /api/incidents/{id}/clips``: the clips around each crossing, then the whole incident.

The seeded site's clip provider is swapped for one that also cuts clips around events
(the real one is tested on recorded footage in ``tests/services/test_crossing_clips.py``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest

from kordon.api.app import create_api
from kordon.api.providers import ClipInfo, CrossingClip
from kordon.domain.event import Direction, EventKind
from kordon.store import NotFoundError
from tests.api.conftest import login
from tests.api.fakes import T0, FakeClips, Site

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

CROSSING_AT = T0 + timedelta(seconds=20)


@dataclass
class FakeCrossingClips(FakeClips):
    around: dict[str, list[CrossingClip]] = field(default_factory=dict)

    def clips_for_incident(self, incident_id: str) -> Sequence[ClipInfo]:
        cut = {c.clip.id for c in self.around.get(incident_id, [])}
        return [c for c in super().clips_for_incident(incident_id) if c.id not in cut]

    def crossing_clips(
        self, incident_id: str, *, event_id: str | None = None
    ) -> Sequence[CrossingClip]:
        found = self.around.get(incident_id, [])
        if event_id is None:
            return found
        if event_id not in {c.event_id for c in found}:
            raise NotFoundError(f"event {event_id!r} is not an event of {incident_id!r}")
        return [c for c in found if c.event_id == event_id]


def _client(site: Site, clips: FakeClips) -> TestClient:
    return TestClient(create_api(replace(site.context, clips=clips)), base_url="http://testserver")


@pytest.fixture
def crossing_client(site: Site) -> Iterator[TestClient]:
    clips = FakeCrossingClips(site.clips.directory, dict(site.clips.clips))
    around = ClipInfo("x1", "cam1", "inc1", CROSSING_AT - timedelta(seconds=5.6), CROSSING_AT)
    clips.add(around, b"\0" * 64)
    clips.around["inc1"] = [
        CrossingClip(around, "ev1", EventKind.BORDER_CROSSING, Direction.INBOUND, CROSSING_AT, True)
    ]
    with _client(site, clips) as client:
        yield client


def test_the_listing_gives_the_crossing_clips_first_with_the_crossing_offset(
    crossing_client: TestClient,
) -> None:
    login(crossing_client, "operator")
    response = crossing_client.get("/api/incidents/inc1/clips")
    assert response.status_code == 200, response.text
    listed = response.json()
    assert [(c["id"], c["span"], c["default"]) for c in listed] == [
        ("x1", "crossing", True),
        ("clip1", "incident", False),
    ]
    assert listed[0]["around"] == {
        "event_id": "ev1",
        "kind": "border_crossing",
        "direction": "inbound",
        "time": "2025-03-01T12:00:20Z",
        "offset_s": 5.6,
    }
    assert listed[1]["around"] is None
    assert crossing_client.get(listed[0]["url"]).content == b"\0" * 64


def test_around_lists_only_the_clips_of_that_event(crossing_client: TestClient) -> None:
    login(crossing_client, "operator")
    response = crossing_client.get("/api/incidents/inc1/clips", params={"around": "ev1"})
    assert response.status_code == 200, response.text
    assert [c["id"] for c in response.json()] == ["x1"]


@pytest.mark.parametrize(
    ("around", "status", "detail"),
    [
        ("ev9", 404, "'ev9' is not an event of 'inc1'"),
        ("", 422, "at least 1 character"),
        ("e" * 65, 422, "at most 64 characters"),
    ],
)
def test_around_an_unknown_or_malformed_event_is_refused(
    crossing_client: TestClient, around: str, status: int, detail: str
) -> None:
    login(crossing_client, "operator")
    response = crossing_client.get("/api/incidents/inc1/clips", params={"around": around})
    assert response.status_code == status
    assert detail in response.text


def test_a_provider_without_crossing_clips_lists_the_whole_incident_as_default(
    site: Site,
) -> None:
    with _client(site, site.clips) as client:
        login(client, "operator")
        listed = client.get("/api/incidents/inc1/clips").json()
        assert [(c["id"], c["span"], c["default"]) for c in listed] == [("clip1", "incident", True)]
        response = client.get("/api/incidents/inc1/clips", params={"around": "ev1"})
        assert response.status_code == 200
        assert response.json() == []


def test_clips_of_an_incident_out_of_scope_are_not_found(crossing_client: TestClient) -> None:
    login(crossing_client, "operator")  # scoped to sector s1; inc2 lies in s2
    response = crossing_client.get("/api/incidents/inc2/clips", params={"around": "ev2"})
    assert response.status_code == 404
