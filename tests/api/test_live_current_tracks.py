"""``/api/live`` sends the tracks held now when a browser connects (the centre's picture of
its outposts' tracks): only those of the user's sectors, none that expired, before any live
message, and never so many that the browser is dropped for it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from kordon.api.app import create_api
from kordon.bus.channels import TRACKS
from kordon.central.track_picture import TrackPicture
from kordon.domain.live_track import LiveTrack
from tests.api.conftest import TestClient, login
from tests.api.fakes import IN_SECTOR, OUT_SECTOR, T0, Site, client_settings

ORIGIN = {"origin": "http://testserver"}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _track(track_id: str, n: float, sector: str) -> LiveTrack:
    return LiveTrack(
        track_id=track_id,
        camera_id=None,
        lat=51.5,
        lon=24.0 + n * 1e-4,
        class_name="person",
        time=T0 + timedelta(seconds=n),
        sector_id=sector,
        sensors=("cam-1",),
    )


def _until_pong(ws: Any) -> list[dict[str, Any]]:
    """Every message before the answer to a ping (so nothing more is pending)."""
    ws.send_text(json.dumps({"type": "ping"}))
    seen: list[dict[str, Any]] = []
    while (message := ws.receive_json()) != {"type": "pong"}:
        seen.append(message)
    return seen


def test_a_browser_gets_the_current_tracks_of_its_sectors_on_connect(site: Site) -> None:
    clock = Clock()
    picture = TrackPicture(clock=clock, expire_s=60)
    picture.update("edge-a", [_track("t-old", 0, IN_SECTOR)])
    clock.now += timedelta(seconds=50)
    picture.update("edge-a", [_track("t-1", 40, IN_SECTOR), _track("t-2", 41, OUT_SECTOR)])
    picture.update("edge-b", [_track("t-1", 42, IN_SECTOR)])
    clock.now += timedelta(seconds=20)  # t-old: 70 s without an update, expired
    app = create_api(replace(site.context, current_tracks=picture.current))
    with TestClient(app) as client:
        login(client, "operator")
        with client.websocket_connect("/api/live", headers=ORIGIN) as ws:
            shown = _until_pong(ws)
            assert [m["type"] for m in shown] == ["track", "track"]
            assert [m["data"]["track_id"] for m in shown] == ["edge-a/t-1", "edge-b/t-1"]
            # ...then live updates as before
            loop = app.live.loop
            assert loop is not None
            site.bus.bind(loop)
            site.bus.publish(TRACKS, _track("edge-a/t-1", 45, IN_SECTOR))
            update = ws.receive_json()
            assert update["type"] == "track"
            assert update["data"]["track_id"] == "edge-a/t-1"
        login(client, "operator-all")  # every sector
        with client.websocket_connect("/api/live", headers=ORIGIN) as ws:
            assert [m["data"]["track_id"] for m in _until_pong(ws)] == [
                "edge-a/t-1",
                "edge-a/t-2",
                "edge-b/t-1",
            ]


def test_without_a_picture_nothing_is_sent_on_connect(site: Site) -> None:
    with TestClient(create_api(site.context)) as client:
        login(client, "operator")
        with client.websocket_connect("/api/live", headers=ORIGIN) as ws:
            assert _until_pong(ws) == []


def test_a_large_picture_sends_the_latest_tracks_and_keeps_the_browser(site: Site) -> None:
    clock = Clock()
    picture = TrackPicture(clock=clock)
    picture.update("edge-a", [_track(f"t-{n}", n, IN_SECTOR) for n in range(9)])
    settings = client_settings(live_queue_size=8)
    app = create_api(replace(site.context, current_tracks=picture.current, settings=settings))
    with TestClient(app) as client:
        login(client, "operator")
        with client.websocket_connect("/api/live", headers=ORIGIN) as ws:
            shown = _until_pong(ws)  # still connected: a pong came back
            assert [m["data"]["track_id"] for m in shown] == [f"edge-a/t-{n}" for n in (8, 7, 6, 5)]
        assert app.live.client_count == 0
