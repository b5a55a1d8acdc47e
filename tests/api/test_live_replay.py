"""Alerts missed while a browser was away are sent, in order, when it reconnects.

The node numbers every alert (``RecentAlerts``); the first message on each connection is
``hello`` with the run's epoch and last alert number. A browser reconnecting with
``?epoch=E&after=N`` first gets every alert of its sectors numbered after ``N``, marked
``replayed``, then ``hello`` saying whether that was all; then the live feed.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

import pytest

from kordon.api.app import create_api
from kordon.bus.channels import ALERTS, INCIDENTS
from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.incident import Incident
from kordon.incidents import IncidentAlert, IncidentService
from kordon.services.recent_alerts import RecentAlerts
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


def _service(site: Site, recent: RecentAlerts) -> IncidentService:
    def incident(message: Incident) -> None:
        site.bus.publish(INCIDENTS, message)

    def alert(message: IncidentAlert) -> None:
        recent.add(message)
        site.bus.publish(ALERTS, message)

    return IncidentService(site.store, incident, alert_publish=alert)


def _until_hello(ws: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    before: list[dict[str, Any]] = []
    while True:
        message = ws.receive_json()
        if message["type"] == "hello":
            return before, message["data"]
        before.append(message)


def test_a_reconnecting_browser_gets_the_alerts_it_missed_in_order(site: Site) -> None:
    recent = RecentAlerts(epoch="run1")
    service = _service(site, recent)
    app = create_api(dataclasses.replace(site.context, recent_alerts=recent))
    with TestClient(app) as client:
        login(client, "operator")  # scoped to IN_SECTOR
        with client.websocket_connect("/api/live", headers=ORIGIN) as ws:
            before, hello = _until_hello(ws)
            assert before == []
            assert hello == {"epoch": "run1", "last_alert_seq": 0, "replayed": 0, "complete": True}
            loop = app.live.loop
            assert loop is not None
            site.bus.bind(loop)
            service.ingest(_crossing("c1", 0.0, Direction.INBOUND, IN_SECTOR), T0)
            seen = [ws.receive_json() for _ in range(2)]
            assert [m["type"] for m in seen] == ["incident", "alert"]
            assert (seen[1]["data"]["seq"], seen[1]["data"]["epoch"]) == (1, "run1")
            assert seen[1]["data"]["replayed"] is False
        # away: three more alerts, one of them in a sector this operator does not see
        service.ingest(_crossing("x1", 5.0, Direction.INBOUND, OUT_SECTOR), T0)
        service.ingest(_crossing("c2", 20.0, Direction.OUTBOUND, IN_SECTOR), T0)
        service.ingest(_crossing("c3", 40.0, Direction.INBOUND, IN_SECTOR), T0)
        assert recent.last_seq == 4
        with client.websocket_connect("/api/live?epoch=run1&after=1", headers=ORIGIN) as ws:
            missed, hello = _until_hello(ws)
    assert [m["type"] for m in missed] == ["alert", "alert"]
    assert [m["data"]["event_id"] for m in missed] == ["c2", "c3"]
    assert [m["data"]["seq"] for m in missed] == [3, 4]
    assert all(m["data"]["replayed"] for m in missed)
    assert hello == {"epoch": "run1", "last_alert_seq": 4, "replayed": 2, "complete": True}


@pytest.mark.parametrize(
    "query",
    [
        "?epoch=another&after=1",  # the node restarted: another run
        "?epoch=run1&after=99",  # a number this run never gave
    ],
)
def test_a_resume_the_node_cannot_honour_says_so(site: Site, query: str) -> None:
    recent = RecentAlerts(epoch="run1")
    service = _service(site, recent)
    service.ingest(_crossing("c1", 0.0, Direction.INBOUND, IN_SECTOR), T0)
    app = create_api(dataclasses.replace(site.context, recent_alerts=recent))
    with TestClient(app) as client:
        login(client, "operator")
        with client.websocket_connect(f"/api/live{query}", headers=ORIGIN) as ws:
            missed, hello = _until_hello(ws)
    assert missed == []
    assert hello == {"epoch": "run1", "last_alert_seq": 1, "replayed": 0, "complete": False}


def test_the_log_keeps_a_bounded_window_and_knows_when_alerts_fell_out(site: Site) -> None:
    recent = RecentAlerts(capacity=2, epoch="e")
    service = _service(site, recent)
    for n in range(4):
        service.ingest(_crossing(f"c{n}", 20.0 * n, Direction.INBOUND, IN_SECTOR), T0)
    assert recent.last_seq == 4
    assert recent.after("e", 1) is None  # alert 2 fell out of the window
    kept = recent.after("e", 2)
    assert kept is not None
    assert [seq for seq, _ in kept] == [3, 4]
    assert recent.after("e", 4) == []
    assert recent.after("other", 2) is None
    assert json.dumps([a.event.id for _, a in kept]) == '["c2", "c3"]'
