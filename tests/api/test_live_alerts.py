"""Alerts on the live feed: two crossings in opposite directions 20 s apart, two alerts.

The incident service publishes to the same bus the API's live hub listens on, as in the
node; the WebSocket client sees each change as an ``incident`` message followed by an
explicit ``alert`` message, and nothing of a sector outside its scope.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from kordon.api.app import create_api
from kordon.bus.channels import ALERTS, INCIDENTS
from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.incident import Incident
from kordon.incidents import IncidentAlert, IncidentService
from tests.api.conftest import TestClient, login
from tests.api.fakes import IN_SECTOR, OUT_SECTOR, T0, Site

ORIGIN = {"origin": "http://testserver"}


def _crossing(event_id: str, seconds: float, direction: Direction, sector: str) -> Event:
    return Event(
        kind=EventKind.BORDER_CROSSING,
        time=T0 + timedelta(seconds=seconds),
        source_id="cam1" if sector == IN_SECTOR else "cam2",
        id=event_id,
        track_id=event_id,
        class_name="person",
        direction=direction,
        sector_id=sector,
        lat=51.6,
        lon=24.1,
        km_post=10.2,
    )


def _service(site: Site) -> IncidentService:
    def incident(message: Incident) -> None:
        site.bus.publish(INCIDENTS, message)

    def alert(message: IncidentAlert) -> None:
        site.bus.publish(ALERTS, message)

    return IncidentService(site.store, incident, alert_publish=alert)


def test_opposite_crossings_20_s_apart_give_two_alerts(site: Site) -> None:
    service = _service(site)
    app = create_api(site.context)
    with TestClient(app) as client:
        login(client, "operator")  # scoped to IN_SECTOR
        with client.websocket_connect("/api/live", headers=ORIGIN) as ws:
            ws.send_text(json.dumps({"type": "ping"}))
            assert ws.receive_json() == {"type": "pong"}
            loop = app.live.loop
            assert loop is not None
            site.bus.bind(loop)
            service.ingest(_crossing("x-out", 0.0, Direction.INBOUND, OUT_SECTOR), T0)
            service.ingest(_crossing("c-in", 0.0, Direction.INBOUND, IN_SECTOR), T0)
            later = T0 + timedelta(seconds=20)
            service.ingest(_crossing("c-out", 20.0, Direction.OUTBOUND, IN_SECTOR), later)
            messages: list[dict[str, Any]] = [ws.receive_json() for _ in range(4)]
            ws.send_text(json.dumps({"type": "ping"}))
            assert ws.receive_json() == {"type": "pong"}  # nothing else was queued before it

    assert [m["type"] for m in messages] == ["incident", "alert", "incident", "alert"]
    first, second = messages[1]["data"], messages[3]["data"]
    assert first["incident_id"] == second["incident_id"] == messages[0]["data"]["id"]
    assert first["reasons"] == ["opened"]
    assert second["reasons"] == ["crossing", "new_track", "direction_change"]
    assert (first["event_id"], second["event_id"]) == ("c-in", "c-out")
    assert (first["direction"], second["direction"]) == ("inbound", "outbound")
    assert second["alerted_at"] == "2025-03-01T12:00:20Z"
    assert second["crossings"] == {"inbound": 1, "outbound": 1, "line_in": 0, "line_out": 0}
    assert (second["priority"], second["km_post"], second["camera_id"]) == (1, 10.2, "cam1")
    assert "inbound" in second["title"]
    incident = messages[2]["data"]
    assert incident["last_alert_at"] == "2025-03-01T12:00:20Z"
    assert incident["crossings"] == second["crossings"]
    assert incident["direction"] == "inbound"  # named by its most severe event


def test_incident_list_carries_alert_time_and_counts_newest_alert_first(site: Site) -> None:
    service = _service(site)
    later = T0 + timedelta(seconds=30)  # alerted after the seeded incident was opened
    opened = service.ingest(_crossing("c-in", 30.0, Direction.INBOUND, IN_SECTOR), later)
    assert opened.incident is not None
    with TestClient(create_api(site.context)) as client:
        login(client, "operator")
        listed = client.get("/api/incidents").json()
    assert [i["id"] for i in listed] == [opened.incident.incident.id, "inc1"]
    assert listed[0]["last_alert_at"] == "2025-03-01T12:00:30Z"
    assert listed[0]["crossings"] == {"inbound": 1, "outbound": 0, "line_in": 0, "line_out": 0}
    # an incident stored without the service was never alerted: its opening time stands in
    assert listed[1]["last_alert_at"] == listed[1]["opened_at"]
