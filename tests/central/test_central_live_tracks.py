"""A browser that connects to the central's ``/api/live`` gets the outposts' current tracks
at once (those of its sectors), not only as their next updates arrive: a real central
(PostgreSQL, Mosquitto, the API) and real WebSockets."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from kordon.accounts.roles import Role
from kordon.accounts.service import AccountService
from kordon.central.config import load_central
from kordon.central.server import build_central
from kordon.cli.common import load_site_or_exit
from kordon.domain.live_track import LiveTrack
from kordon.link.mqtt_link import MqttLink
from kordon.link.topics import LinkTopics
from kordon.link.track_wire import encode_tracks
from kordon.store import Store
from tests.api.fakes import PASSWORD, cheap_hasher
from tests.central.support import central_document, map_site, postgres_schema, write_central
from tests.central.test_central_live import live_socket, wait_for_message
from tests.central.test_central_server import SECTOR, running
from tests.link.support import endpoint, require_broker, wait_until
from tests.support.demo_site import free_port

pytestmark = pytest.mark.postgres
EDGE = "edge-a"
USERS = {"ops-s1": [SECTOR], "ops-s2": ["s2-centre"]}


def _until_pong(socket: ClientConnection) -> list[dict[str, Any]]:
    socket.send(json.dumps({"type": "ping"}))
    seen: list[dict[str, Any]] = []
    while (message := json.loads(socket.recv(timeout=10))) != {"type": "pong"}:
        seen.append(message)
    return seen


def test_a_browser_connecting_to_the_centre_gets_the_current_tracks(
    tmp_path: Path, postgres_server: str
) -> None:
    require_broker()
    root = f"kordon-test/{uuid.uuid4().hex[:10]}/edge"
    with postgres_schema(postgres_server) as url:
        with Store(url) as central_store:
            accounts = AccountService(central_store.sessions, hasher=cheap_hasher())
            now = datetime.now(UTC)
            for name, sectors in USERS.items():
                accounts.create_user(
                    username=name, password=PASSWORD, role=Role.OPERATOR, sectors=sectors, time=now
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
        edge = MqttLink(endpoint(f"edge-{uuid.uuid4().hex[:6]}"), [], on_message=print)
        track = LiveTrack(
            track_id="t-7",
            camera_id=None,
            lat=51.5,
            lon=24.0,
            class_name="person",
            time=datetime.now(UTC),
            sector_id=SECTOR,
            sensors=("cam-1",),
        )
        try:
            with running(server) as api, live_socket(api, "ops-s1") as watching:
                edge.start()
                wait_until(edge.connected.is_set, "the edge's connection")
                topic = f"{LinkTopics(root).root}/{EDGE}/tracks"
                assert edge.publish(topic, encode_tracks(EDGE, [track], sent_at=track.time))
                wait_for_message(
                    watching,
                    lambda m: m["type"] == "track" and m["data"]["track_id"] == f"{EDGE}/t-7",
                    "the outpost's track as it arrives",
                )
                # A browser connecting now gets it at once, before any other message.
                with live_socket(api, "ops-s1") as late:
                    shown = _until_pong(late)
                    assert [(m["type"], m["data"]["track_id"]) for m in shown] == [
                        ("track", f"{EDGE}/t-7")
                    ]
                    assert shown[0]["data"]["sensors"] == ["cam-1"]
                with live_socket(api, "ops-s2") as other_sector:
                    assert _until_pong(other_sector) == []
        finally:
            edge.stop()
