"""``build_central`` for real: PostgreSQL, Mosquitto, an edge's outbox sender, the API.

An edge writes events and an incident into its outbox; its sender delivers them through
the real broker; the central server (started as ``kordon central`` starts it) stores them
in PostgreSQL, and they come out of the same operator API a node serves. A revoked and an
unknown edge publish too: refused, counted in ``/api/central/link``, nothing stored.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from kordon.accounts.roles import Role
from kordon.accounts.service import AccountService
from kordon.central.config import load_central
from kordon.central.link_routes import CentralLink
from kordon.central.server import CentralServer, build_central
from kordon.cli.common import load_site_or_exit
from kordon.domain.incident import Incident, IncidentStatus, IncidentStep
from kordon.link.batch import encode_batch
from kordon.link.edge_events import store_event
from kordon.link.kinds import Shipped
from kordon.link.mqtt_link import MqttLink
from kordon.link.outbox import Outbox, OutboxEntry
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.link.topics import LinkTopics
from kordon.store import Store
from tests.api.fakes import PASSWORD, cheap_hasher
from tests.central.support import central_document, map_site, postgres_schema, write_central
from tests.link.support import edge_store, endpoint, event, require_broker, wait_until
from tests.support.demo_site import free_port

pytestmark = pytest.mark.postgres
ADMIN = "central-admin"
SECTOR = "s1-tripoint"


@contextmanager
def running(server: CentralServer) -> Iterator[str]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="central", daemon=True)
    thread.start()

    async def new_event() -> asyncio.Event:
        return asyncio.Event()

    stop = asyncio.run_coroutine_threadsafe(new_event(), loop).result(timeout=10)
    run: Future[None] = asyncio.run_coroutine_threadsafe(server.run(stop), loop)
    try:
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=5) as client:
            while True:
                if run.done():
                    run.result()
                    raise AssertionError("the central server stopped during start-up")
                try:
                    if client.get(f"{server.api.url}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError("central server not healthy within 60 s")
                time.sleep(0.2)
        yield server.api.url
    finally:
        loop.call_soon_threadsafe(stop.set)
        run.result(timeout=60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def _incident(event_ids: tuple[str, ...], opened: datetime) -> Incident:
    return Incident(
        id=f"inc-{uuid.uuid4().hex[:8]}",
        title="Crossing at km 10",
        opened_at=opened,
        priority=1,
        sector_id=SECTOR,
        event_ids=event_ids,
        history=(IncidentStep(IncidentStatus.OPEN, "system", opened, "opened"),),
        last_alert_at=opened,
    )


def test_central_serves_an_edges_incidents_and_refuses_strangers(
    tmp_path: Path, postgres_server: str
) -> None:
    require_broker()
    root = f"kordon-test/{uuid.uuid4().hex[:10]}/edge"
    topics = LinkTopics(root)
    with postgres_schema(postgres_server) as url:
        with Store(url) as central_store:  # migrated; the operator account exists
            AccountService(central_store.sessions, hasher=cheap_hasher()).create_user(
                username=ADMIN, password=PASSWORD, role=Role.ADMIN, time=datetime.now(UTC)
            )
        document = central_document(
            database_url=url,
            site=map_site(tmp_path),
            topic_root=root,
            edges=[{"id": "edge-a"}, {"id": "edge-r", "revoked": True}],
            api_port=free_port(),
        )
        config = load_central(write_central(tmp_path, document))
        server = build_central(
            config, load_site_or_exit(config.resolve(config.site)), web_dir=tmp_path / "no-ui"
        )
        # The edge: events and an incident in its outbox, written as its node writes them.
        edge = edge_store(tmp_path / "edge-a.db")
        outbox = Outbox(edge.sessions)
        now = datetime.now(UTC).replace(microsecond=0)
        events = [replace(event(n), time=now - timedelta(seconds=10 - n)) for n in range(5)]
        for item in events:
            assert store_event(edge, outbox, item, time=now) is not None
        opened = _incident(tuple(e.id for e in events[:2]), now)
        acknowledged = replace(
            opened,
            status=IncidentStatus.ACKNOWLEDGED,
            history=(
                *opened.history,
                IncidentStep(IncidentStatus.ACKNOWLEDGED, "op", now, "seen"),
            ),
        )
        with edge.sessions.begin() as session:
            outbox.append(session, opened, created_at=now)
            outbox.append(session, acknowledged, created_at=now)
        sender = OutboxSender(
            outbox,
            endpoint(f"edge-a-{uuid.uuid4().hex[:6]}"),
            SenderSettings("edge-a", poll_s=0.05),
            clock=time.monotonic,
            topics=topics,
        )
        stranger = MqttLink(endpoint(f"stranger-{uuid.uuid4().hex[:6]}"), [], on_message=print)
        try:
            with running(server) as api:
                sender.start()
                wait_until(lambda: outbox.count() == 0, "the edge's outbox to be acknowledged")
                stranger.start()
                wait_until(stranger.connected.is_set, "the stranger's connection")
                payload = encode_batch("b-x", "edge-r", outbox_entries(tmp_path, events[4:]))
                assert stranger.publish(topics.outbox("edge-r"), payload)
                payload = encode_batch("b-y", "edge-x", outbox_entries(tmp_path, events[4:]))
                assert stranger.publish(topics.outbox("edge-x"), payload)
                with httpx.Client(base_url=api, timeout=10) as client:
                    response = client.post(
                        "/api/auth/login", json={"username": ADMIN, "password": PASSWORD}
                    )
                    assert response.status_code == 200, response.text
                    csrf = str(response.json()["csrf_token"])

                    def link() -> CentralLink:
                        answer = client.get("/api/central/link")
                        assert answer.status_code == 200, answer.text
                        return CentralLink.model_validate(answer.json())

                    wait_until(
                        lambda: link().brokers[0].refused == {"revoked_edge": 1, "unknown_edge": 1},
                        "the two strangers' refusals",
                    )
                    state = link()
                    assert state.edges == ["edge-a"]
                    assert state.revoked == ["edge-r"]
                    [broker] = state.brokers
                    assert broker.connected
                    assert broker.new_entries == 7

                    incidents = client.get("/api/incidents").json()
                    assert [i["id"] for i in incidents] == [opened.id]
                    [shown] = incidents
                    assert shown["status"] == "acknowledged"  # the newer snapshot won
                    assert shown["event_ids"] == [e.id for e in events[:2]]
                    stored = client.get("/api/events", params={"limit": 100}).json()
                    assert sorted(e["id"] for e in stored) == sorted(e.id for e in events)
                    assert {e["attributes"]["edge_id"] for e in stored} == {"edge-a"}
                    # The centre shows outposts' incidents; it does not act on them (yet).
                    refused = client.post(
                        f"/api/incidents/{opened.id}/acknowledge",
                        json={"note": "from the centre"},
                        headers={"X-CSRF-Token": csrf},
                    )
                    assert refused.status_code == 409, refused.text
                    assert "belongs to its outpost" in refused.text
        finally:
            sender.stop()
            stranger.stop()
            edge.close()


def outbox_entries(tmp_path: Path, items: Sequence[Shipped]) -> list[OutboxEntry]:
    """Outbox entries of ``items`` in a scratch database (a stranger's batch)."""
    store = edge_store(tmp_path / f"scratch-{uuid.uuid4().hex[:6]}.db")
    outbox = Outbox(store.sessions)
    try:
        with store.sessions.begin() as session:
            return [outbox.append(session, item, created_at=datetime.now(UTC)) for item in items]
    finally:
        store.close()
