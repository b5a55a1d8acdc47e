"""Cooperative aircraft on the live feed: the ``aircraft`` message and the ``expired`` one
that removes it from the map. Aircraft belong to no sector: like drones, only users not
scoped to sectors receive them."""

from __future__ import annotations

import json
from dataclasses import replace

from kordon.api.app import create_api
from kordon.api.app_type import KordonApi
from kordon.bus.channels import AIRCRAFT, TRACKS
from kordon.domain.aircraft import AircraftState, AircraftStatus
from kordon.domain.live_track import LiveTrack
from tests.api.conftest import TestClient, login
from tests.api.fakes import T0, Site

ORIGIN = {"origin": "http://testserver"}


def _bind(app: KordonApi, site: Site) -> None:
    loop = app.live.loop
    assert loop is not None
    site.bus.bind(loop)


def test_an_aircraft_and_its_expiry_reach_the_browser(site: Site) -> None:
    state = AircraftState(
        key="50AD01",
        time=T0,
        sensor_id="radar-1",
        sac=25,
        sic=12,
        lat=51.55,
        lon=23.65,
        icao_address="50AD01",
        callsign="KRD101",
        flight_level=350.0,
        geometric_altitude_ft=36_000.0,
        ground_speed_mps=230.0,
        track_deg=85.0,
        mode3a="7000",
        emitter_category=5,
    )
    app = create_api(site.context)
    with TestClient(app) as client:
        login(client, "operator-all")
        with client.websocket_connect("/api/live", headers=ORIGIN) as ws:
            ws.send_text(json.dumps({"type": "ping"}))
            assert ws.receive_json() == {"type": "pong"}
            _bind(app, site)
            site.bus.publish(AIRCRAFT, state)
            site.bus.publish(AIRCRAFT, replace(state, status=AircraftStatus.EXPIRED))
            current = ws.receive_json()
            assert current["type"] == "aircraft"
            assert current["data"] == {
                "key": "50AD01",
                "icao_address": "50AD01",
                "callsign": "KRD101",
                "time": "2025-03-01T12:00:00Z",
                "sensor_id": "radar-1",
                "sac": 25,
                "sic": 12,
                "lat": 51.55,
                "lon": 23.65,
                "flight_level": 350.0,
                "geometric_altitude_ft": 36_000.0,
                "ground_speed_mps": 230.0,
                "track_deg": 85.0,
                "mode3a": "7000",
                "emitter_category": 5,
                "status": "current",
            }
            expired = ws.receive_json()
            assert (expired["type"], expired["data"]["status"]) == ("aircraft", "expired")


def test_users_scoped_to_sectors_do_not_receive_aircraft(site: Site) -> None:
    state = AircraftState(
        key="50AD01", time=T0, sensor_id="radar-1", sac=25, sic=12, lat=51.55, lon=23.65
    )
    app = create_api(site.context)
    with TestClient(app) as client:
        login(client, "operator")  # scoped to one sector
        with client.websocket_connect("/api/live", headers=ORIGIN) as ws:
            ws.send_text(json.dumps({"type": "ping"}))
            assert ws.receive_json() == {"type": "pong"}
            _bind(app, site)
            site.bus.publish(AIRCRAFT, state)
            # published after the aircraft on the same bus: had the aircraft been sent, it
            # would come first
            site.bus.publish(
                TRACKS, LiveTrack("t1", "cam1", 51.5, 24.0, "person", T0, ((24.0, 51.5),), "s1")
            )
            assert ws.receive_json()["type"] == "track"
