"""``/api/docs`` works offline (only local assets) and ``/api/asyncapi.json`` documents
every live-feed message with schemas the real messages validate against."""

from __future__ import annotations

import json
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import jsonschema_rs
import pytest

from kordon.api.app import create_api
from kordon.api.app_type import KordonApi
from kordon.api.asyncapi import LIVE_MESSAGES, asyncapi_document, live_types
from kordon.api.docs_page import ASSETS
from kordon.api.live_messages import HelloPublic
from kordon.bus.channels import ALERTS, DEVICE_STATUS, EVENTS, INCIDENTS, TRACKS
from kordon.domain.event import Direction, EventKind
from kordon.domain.incident import CrossingCounts
from kordon.domain.live_track import LiveTrack
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.incidents.alerts import AlertReason, IncidentAlert
from tests.api.conftest import TestClient, login
from tests.api.fakes import T0, Site

ORIGIN = {"origin": "http://testserver"}


class _Refs(HTMLParser):
    """Every URL an HTML page refers to, and the text of its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "action", "data", "poster"):
            value = values.get(name)
            if value is not None:
                self.urls.append(value)
        self._in_inline_script = tag == "script" and "src" not in values

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.inline_scripts.append(data)


def _is_external(url: str) -> bool:
    return url.startswith(("//", "http:", "https:")) or "://" in url


def test_docs_page_refers_only_to_local_assets_that_are_served(client: TestClient) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    parser = _Refs()
    parser.feed(response.text)
    assert parser.inline_scripts == []
    external = [u for u in parser.urls if _is_external(u)]
    assert external == []
    local = [u for u in parser.urls if u.startswith("/")]
    assert sorted(local) == [
        "/api/asyncapi.json",
        "/api/docs/assets/start.js",
        "/api/docs/assets/swagger-ui-bundle.js",
        "/api/docs/assets/swagger-ui.css",
    ]
    for url in local:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
    bundle = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert bundle.content == (ASSETS / "swagger-ui-bundle.js").read_bytes()
    assert bundle.headers["content-type"].startswith("text/javascript")
    start = client.get("/api/docs/assets/start.js").text
    assert '"url": "/api/openapi.json"' in start
    assert '"validatorUrl": null' in start  # no call to validator.swagger.io
    assert not _is_external(start.replace("window", ""))


def test_docs_page_policy_allows_only_its_own_origin(client: TestClient) -> None:
    response = client.get("/api/docs")
    directives = dict(
        d.split(" ", 1) for d in response.headers["content-security-policy"].split("; ")
    )
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "http" not in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("name", ["LICENSE", "NOTICE"])
def test_swagger_ui_licence_is_shipped_and_served(client: TestClient, name: str) -> None:
    response = client.get(f"/api/docs/assets/{name}")
    assert response.status_code == 200
    assert "SmartBear" in response.text or "Apache License" in response.text


def test_unknown_docs_asset_is_404(client: TestClient) -> None:
    assert client.get("/api/docs/assets/../../kordon.db").status_code in (400, 404)
    assert client.get("/api/docs/assets/README.md").status_code == 404


def test_asyncapi_lists_every_live_message_type() -> None:
    documented = {m.name for m in LIVE_MESSAGES}
    assert documented == set(live_types())
    document = asyncapi_document(title="t", version="1")
    assert document["asyncapi"] == "3.0.0"
    channel: Any = document["channels"]
    assert channel["live"]["address"] == "/api/live"
    assert set(channel["live"]["messages"]) == documented | {"ping", "pong"}


def _validator(document: dict[str, Any], message: str) -> Any:
    schema = {
        "$ref": f"#/components/schemas/{document['components']['messages'][message]['title']}",
        "components": document["components"],
    }
    return jsonschema_rs.validator_for(schema)


def test_real_live_messages_validate_against_the_document(site: Site) -> None:
    app = create_api(site.context)
    with TestClient(app) as client:
        login(client, "operator")
        document = client.get("/api/asyncapi.json").json()
        with client.websocket_connect("/api/live", headers=ORIGIN) as ws:
            ws.send_text(json.dumps({"type": "ping"}))
            before_pong = [ws.receive_json()]
            while before_pong[-1]["type"] != "pong":  # a hello may come first
                before_pong.append(ws.receive_json())
            assert isinstance(app, KordonApi)
            assert app.live.loop is not None
            site.bus.bind(app.live.loop)
            event = site.store.events.get("ev1")
            site.bus.publish(
                TRACKS,
                LiveTrack("t1", "cam1", 51.5, 24.0, "person", T0, ((24.0, 51.5),), "s1"),
            )
            site.bus.publish(EVENTS, event)
            site.bus.publish(INCIDENTS, site.context.incidents.get("inc1").incident)
            site.bus.publish(
                ALERTS,
                IncidentAlert(
                    incident_id="inc1",
                    event=event,
                    reasons=(AlertReason.OPENED,),
                    alerted_at=T0 + timedelta(seconds=1),
                    priority=2,
                    title="crossing 1",
                    sector_id="s1",
                    crossings=CrossingCounts(inbound=1),
                ),
            )
            site.bus.publish(
                DEVICE_STATUS, DeviceStatus("cam1", T0, DeviceState.ONLINE, "", {"fps": 5.0})
            )
            received = [ws.receive_json() for _ in range(5)]
    assert [m["type"] for m in received] == ["track", "event", "incident", "alert", "device"]
    for message in before_pong:
        assert _validator(document, message["type"]).is_valid(message), message
    hello = HelloPublic(epoch="e1", last_alert_seq=3, replayed=1, complete=True)
    assert _validator(document, "hello").is_valid(
        {"type": "hello", "data": hello.model_dump(mode="json")}
    )
    for message in received:
        validator = _validator(document, message["type"])
        errors = [e.message for e in validator.iter_errors(message)]
        assert errors == [], message["type"]
    # the schemas are strict enough to refuse a wrong message
    wrong = {**received[0], "type": "event"}
    assert not _validator(document, "track").is_valid(wrong)
    assert not _validator(document, "alert").is_valid({"type": "alert", "data": {}})
    assert received[3]["data"]["direction"] in (None, *[str(d) for d in Direction])
    assert received[1]["data"]["kind"] == str(EventKind.BORDER_CROSSING)
