"""Operators posting notes at once through the HTTP API: no 503, every note stored.

Requests run in the app's thread pool, as under uvicorn. Each thread posts to its own
incident so version conflicts (409, "reload and retry") cannot occur; anything but 200 is
a failure. ``KORDON_CONCURRENCY_ITERATIONS=N`` sets the notes per thread; run with ``-s``
to see the figures.
"""

from __future__ import annotations

import pytest

from kordon.domain.event import Event, EventKind
from kordon.domain.incident import Incident, IncidentStatus, IncidentStep
from tests.api.conftest import TestClient, login
from tests.api.fakes import IN_SECTOR, T0, Site
from tests.support.concurrency import run_writers, writes_per_thread


def _seed_incidents(site: Site, count: int) -> list[str]:
    ids = [f"inc-c{n}" for n in range(count)]
    for n, incident_id in enumerate(ids):
        event = Event(
            kind=EventKind.BORDER_CROSSING,
            time=T0,
            source_id="cam1",
            id=f"ev-c{n}",
            sector_id=IN_SECTOR,
        )
        site.store.events.add(event)
        incident = Incident(
            id=incident_id,
            title=f"crossing c{n}",
            opened_at=T0,
            priority=2,
            sector_id=IN_SECTOR,
            event_ids=(event.id,),
            history=(IncidentStep(IncidentStatus.OPEN, actor="correlator", time=T0),),
        )
        site.store.incidents.create(incident, time=T0)
    return ids


@pytest.mark.parametrize("threads", [2, 8])
def test_concurrent_notes_over_http_all_succeed(
    client: TestClient, site: Site, threads: int
) -> None:
    incidents = _seed_incidents(site, threads)
    headers = {"X-CSRF-Token": login(client, "operator")}
    writes = writes_per_thread()

    def post_note(thread: int, i: int) -> None:
        response = client.post(
            f"/api/incidents/{incidents[thread]}/notes",
            json={"text": f"note {i}"},
            headers=headers,
        )
        if response.status_code != 200:
            raise AssertionError(f"HTTP {response.status_code}: {response.text[:200]}")

    load = run_writers(f"HTTP notes {site.store.engine.dialect.name}", threads, writes, post_note)
    print(load.figures())

    assert load.failures == ()
    for incident_id in incidents:
        body = client.get(f"/api/incidents/{incident_id}").json()
        assert [n["text"] for n in body["notes"]] == [f"note {i}" for i in range(writes)]
        assert body["version"] == 1 + writes
