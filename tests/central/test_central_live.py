"""The central's ``/api/live`` shows what edges deliver, as it arrives, to whom it concerns.

A real central (PostgreSQL, Mosquitto, the API) with three browsers on its WebSocket: an
operator of the incident's sector, an operator of another sector and an admin. An edge's
sender delivers events, an incident and its ledger of audit entries; the first operator gets
the ``event`` and ``incident`` messages a node's browser gets, the other operator none of
them; the centre holds the edge's audit entries; a stranger's ledger batch is refused and
the admin sees the link's health go ``degraded``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from kordon.accounts.roles import Role
from kordon.accounts.service import AccountService
from kordon.central.config import load_central
from kordon.central.server import build_central
from kordon.cli.common import load_site_or_exit
from kordon.link.edge_events import store_event
from kordon.link.ledger_cursor import LedgerCursor
from kordon.link.ledger_shipper import LedgerShipper
from kordon.link.mqtt_link import MqttLink
from kordon.link.outbox import Outbox
from kordon.link.sender import OutboxSender
from kordon.link.sender_settings import SenderSettings
from kordon.link.topics import LinkTopics
from kordon.store import Store
from tests.api.fakes import PASSWORD, cheap_hasher
from tests.central.support import central_document, map_site, postgres_schema, write_central
from tests.central.test_central_server import SECTOR, _incident, running
from tests.link.ledger_support import open_ledger, write_entries
from tests.link.support import edge_store, endpoint, event, require_broker, wait_until
from tests.link.test_ledger_shipping import centre_entries
from tests.support.demo_site import free_port

pytestmark = pytest.mark.postgres
USERS = {"ops-s1": (Role.OPERATOR, [SECTOR]), "ops-s2": (Role.OPERATOR, ["s2-centre"])}
ADMIN = "central-admin"
EDGE = "edge-a"


@contextmanager
def live_socket(api: str, username: str) -> Iterator[ClientConnection]:
    with httpx.Client(base_url=api, timeout=10) as client:
        response = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        cookie = client.cookies.get("kordon_session")
    assert cookie
    url = api.replace("http://", "ws://") + "/api/live"
    with connect(
        url, additional_headers={"Cookie": f"kordon_session={cookie}", "Origin": api}
    ) as socket:
        yield socket


def wait_for_message(
    socket: ClientConnection, match: Callable[[dict[str, Any]], bool], what: str
) -> list[dict[str, Any]]:
    """Every message up to and including the first that ``match``es (30 s at most)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            message = json.loads(socket.recv(timeout=max(deadline - time.monotonic(), 0.01)))
        except TimeoutError:
            break
        seen.append(message)
        if match(message):
            return seen
    raise AssertionError(f"no {what} on the live feed; got {[m.get('type') for m in seen]}")


def test_the_central_live_feed_shows_an_edges_delivery_in_scope(
    tmp_path: Path, postgres_server: str
) -> None:
    require_broker()
    root = f"kordon-test/{uuid.uuid4().hex[:10]}/edge"
    topics = LinkTopics(root)
    with postgres_schema(postgres_server) as url:
        with Store(url) as central_store:
            accounts = AccountService(central_store.sessions, hasher=cheap_hasher())
            now = datetime.now(UTC)
            accounts.create_user(username=ADMIN, password=PASSWORD, role=Role.ADMIN, time=now)
            for name, (role, sectors) in USERS.items():
                accounts.create_user(
                    username=name, password=PASSWORD, role=role, sectors=sectors, time=now
                )
        document = central_document(
            database_url=url,
            site=map_site(tmp_path),
            topic_root=root,
            edges=[{"id": EDGE}],
            api_port=free_port(),
        )
        config = load_central(write_central(tmp_path, document))
        server = build_central(
            config, load_site_or_exit(config.resolve(config.site)), web_dir=tmp_path / "no-ui"
        )
        edge = edge_store(tmp_path / "edge.db")
        outbox = Outbox(edge.sessions)
        ledger = open_ledger(tmp_path / "ledger", every=4)
        write_entries(ledger, 9)
        moment = datetime.now(UTC).replace(microsecond=0)
        events = [
            replace(event(n), time=moment - timedelta(seconds=5 - n), sector_id=SECTOR)
            for n in range(3)
        ]
        sender = OutboxSender(
            outbox,
            endpoint(f"edge-{uuid.uuid4().hex[:6]}"),
            SenderSettings(EDGE, poll_s=0.05),
            clock=time.monotonic,
            topics=topics,
            ledger=LedgerShipper(
                ledger, LedgerCursor(edge, EDGE), edge_id=EDGE, now=lambda: datetime.now(UTC)
            ),
        )
        stranger = MqttLink(endpoint(f"stranger-{uuid.uuid4().hex[:6]}"), [], on_message=print)
        try:
            with (
                running(server) as api,
                live_socket(api, "ops-s1") as in_scope,
                live_socket(api, "ops-s2") as other_sector,
                live_socket(api, ADMIN) as admin,
            ):
                for item in events:
                    assert store_event(edge, outbox, item, time=moment) is not None
                opened = _incident(tuple(e.id for e in events[:2]), moment)
                with edge.sessions.begin() as session:
                    outbox.append(session, opened, created_at=moment)
                sender.start()

                seen = wait_for_message(
                    in_scope,
                    lambda m: m["type"] == "incident" and m["data"]["id"] == opened.id,
                    "incident message for the sector's operator",
                )
                shown = [m["data"]["id"] for m in seen if m["type"] == "event"]
                assert sorted(shown) == sorted(e.id for e in events)
                assert {
                    m["data"]["attributes"]["edge_id"] for m in seen if m["type"] == "event"
                } == {EDGE}
                assert seen[-1]["data"]["sector_id"] == SECTOR
                # The other sector's operator was told nothing: a ping's pong comes first.
                other_sector.send(json.dumps({"type": "ping"}))
                assert json.loads(other_sector.recv(timeout=10)) == {"type": "pong"}

                wait_until(lambda: len(centre_entries_of(url)) == 9, "the edge's ledger")

                stranger.start()
                wait_until(stranger.connected.is_set, "the stranger's connection")
                assert stranger.publish(topics.ledger("edge-x"), b'{"v": 1}')
                health = wait_for_message(
                    admin,
                    lambda m: m["type"] == "device" and m["data"]["device_id"] == "link-unknown",
                    "the link's health for the admin",
                )
                assert health[-1]["data"]["state"] == "degraded"
        finally:
            sender.stop()
            stranger.stop()
            ledger.close()
            edge.close()


def centre_entries_of(url: str) -> list[int]:
    with Store(url) as store:
        return [row.seq for row in centre_entries(store)]
