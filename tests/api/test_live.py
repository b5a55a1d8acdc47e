"""The WebSocket live feed: origin check, cookie auth, scope filtering, ping/pong, drops."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from starlette.websockets import WebSocketDisconnect

from kordon.api.app import create_api
from kordon.api.app_type import KordonApi
from kordon.api.live_messages import ScopedText
from kordon.bus.channels import EVENTS, TRACKS
from kordon.domain.event import Event, EventKind
from kordon.domain.live_track import LiveTrack
from tests.api.conftest import TestClient, login
from tests.api.fakes import T0, Site, client_settings, flush_refusals

ORIGIN = {"origin": "http://testserver"}


def _event(n: int, sector: str) -> Event:
    return Event(
        kind=EventKind.ZONE_ENTER,
        time=T0 + timedelta(seconds=n),
        source_id="cam1",
        id=f"live{n}",
        sector_id=sector,
    )


def _bind(app: KordonApi, site: Site) -> None:
    loop = app.live.loop
    assert loop is not None
    site.bus.bind(loop)


def test_cross_origin_websocket_is_refused_and_audited(site: Site) -> None:
    app = create_api(site.context)
    with TestClient(app) as client:
        login(client, "operator")
        for headers in ({"origin": "http://evil.example"}, {}):
            with (
                pytest.raises(WebSocketDisconnect) as info,
                client.websocket_connect("/api/live", headers=headers),
            ):
                pass
            assert info.value.code == 1008
    flush_refusals(app)
    refused = [r for r in site.audit.recent(5) if r.action == "live"]
    assert [(r.outcome, r.details["count"]) for r in refused] == [("refused", 2)]


def test_configured_origin_is_allowed(site: Site) -> None:
    settings = client_settings(allowed_origins=frozenset({"https://ops.example"}))
    app = create_api(replace(site.context, settings=settings))
    with TestClient(app) as client:
        login(client, "operator")
        with client.websocket_connect("/api/live", headers={"origin": "https://ops.example"}) as ws:
            ws.send_text(json.dumps({"type": "ping"}))
            assert ws.receive_json() == {"type": "pong"}


def test_websocket_needs_a_session(site: Site) -> None:
    with (
        TestClient(create_api(site.context)) as client,
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect("/api/live", headers=ORIGIN),
    ):
        pass


def test_messages_are_filtered_by_scope(site: Site) -> None:
    app = create_api(site.context)
    with TestClient(app) as client:
        login(client, "operator")
        with client.websocket_connect("/api/live", headers=ORIGIN) as ws:
            ws.send_text(json.dumps({"type": "ping"}))
            assert ws.receive_json() == {"type": "pong"}
            _bind(app, site)
            site.bus.publish(EVENTS, _event(1, "s2"))  # not for this user
            site.bus.publish(
                TRACKS,
                LiveTrack("t1", "cam1", 51.5, 24.0, "person", T0, ((24.0, 51.5),), "s1"),
            )
            site.bus.publish(EVENTS, _event(2, "s1"))
            track = ws.receive_json()
            assert track["type"] == "track"
            assert track["data"]["trail"] == [[24.0, 51.5]]
            event = ws.receive_json()
            assert event["type"] == "event"
            assert event["data"]["id"] == "live2"


def test_slow_client_is_dropped_not_the_server(site: Site) -> None:
    settings = client_settings(live_queue_size=4)
    app = create_api(replace(site.context, settings=settings))
    with TestClient(app) as client:
        login(client, "operator")
        with client.websocket_connect("/api/live", headers=ORIGIN) as ws:
            ws.send_text(json.dumps({"type": "ping"}))
            ws.receive_json()
            loop = app.live.loop
            assert loop is not None

            async def flood() -> None:
                for n in range(50):
                    text = json.dumps({"type": "event", "data": {"n": n}})
                    app.live.broadcast(ScopedText("s1", text))  # 50 at once: no send between

            asyncio.run_coroutine_threadsafe(flood(), loop).result(timeout=5)
            received = 0
            with pytest.raises(WebSocketDisconnect) as info:  # noqa: PT012 (drain, then close)
                for _ in range(60):
                    ws.receive_json()
                    received += 1
            assert info.value.code == 1013
            assert received <= 4  # what was queued before the drop, at most
        assert app.live.client_count == 0
