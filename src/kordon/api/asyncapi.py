"""``/api/asyncapi.json``: the live feed's messages as an AsyncAPI 3.0 document.

Generated from the same pydantic models the feed serialises (``kordon.api.live_messages``
and the public schemas), so the document cannot drift from what ``/api/live`` sends. Every
server message is an envelope ``{"type": <LiveType>, "data": <payload>}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, JsonValue
from pydantic.json_schema import models_json_schema

from kordon.api.live_messages import AlertPublic, HelloPublic, LiveTrackPublic, LiveType
from kordon.api.schemas.aircraft import AircraftPublic
from kordon.api.schemas.drones import DronePublic
from kordon.api.schemas.events import EventPublic
from kordon.api.schemas.incidents import IncidentPublic
from kordon.api.schemas.site import DeviceStatusPublic

ASYNCAPI_URL = "/api/asyncapi.json"
LIVE_ADDRESS = "/api/live"
_REF = "#/components/schemas/{model}"


@dataclass(frozen=True, slots=True)
class LiveMessageDoc:
    """One kind of server message: its ``type`` (``name``), payload model and meaning."""

    name: LiveType
    payload: type[BaseModel]
    summary: str


LIVE_MESSAGES: tuple[LiveMessageDoc, ...] = (
    LiveMessageDoc(
        "track", LiveTrackPublic, "A track's position and trail ([lon, lat] pairs) for the map."
    ),
    LiveMessageDoc("event", EventPublic, "An event a rule raised (crossing, zone, dwell…)."),
    LiveMessageDoc(
        "incident",
        IncidentPublic,
        "An incident as GET /api/incidents/{id} answers it, after every change.",
    ),
    LiveMessageDoc(
        "alert",
        AlertPublic,
        "Operators must look at this incident now (opened, new crossing, new track, change "
        "of direction); sent right after the incident message of the same change.",
    ),
    LiveMessageDoc("device", DeviceStatusPublic, "A camera's or recorder's state changed."),
    LiveMessageDoc(
        "hello",
        HelloPublic,
        "The first message on every connection: the alert epoch and last alert number, and "
        "after a reconnect with ?epoch=…&after=N how many missed alerts were replayed.",
    ),
    LiveMessageDoc("drone", DronePublic, "A drone's position, attitude and camera gimbal."),
    LiveMessageDoc(
        "aircraft",
        AircraftPublic,
        "A cooperative aircraft (ADS-B, CAT021) apart from the fused ground picture; "
        "status expired: remove it from the map.",
    ),
)
"""Every ``LiveType`` the feed sends, with its payload model (a test keeps them in step)."""


def _envelope(type_: str, data: JsonValue | None) -> dict[str, JsonValue]:
    properties: dict[str, JsonValue] = {"type": {"const": type_, "type": "string"}}
    required: list[JsonValue] = ["type"]
    if data is not None:
        properties["data"] = data
        required.append("data")
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _message(name: str, title: str, summary: str) -> dict[str, JsonValue]:
    return {
        "name": name,
        "title": title,
        "summary": summary,
        "contentType": "application/json",
        "payload": {"$ref": _REF.format(model=title)},
    }


def asyncapi_document(*, title: str, version: str) -> dict[str, JsonValue]:
    """The AsyncAPI 3.0 document of ``/api/live`` (from the node's point of view)."""
    _, top = models_json_schema(
        [(m.payload, "serialization") for m in LIVE_MESSAGES], ref_template=_REF
    )
    schemas: dict[str, JsonValue] = dict(top.get("$defs", {}))
    messages: dict[str, JsonValue] = {}
    for m in LIVE_MESSAGES:
        envelope = f"Live{m.name.capitalize()}Message"
        schemas[envelope] = _envelope(m.name, {"$ref": _REF.format(model=m.payload.__name__)})
        messages[m.name] = _message(m.name, envelope, m.summary)
    schemas["LivePongMessage"] = _envelope("pong", None)
    schemas["LivePingMessage"] = _envelope("ping", None)
    messages["pong"] = _message("pong", "LivePongMessage", "The answer to a ping.")
    messages["ping"] = _message(
        "ping", "LivePingMessage", "Client → server: keep-alive; answered by a pong."
    )
    server_sends: list[JsonValue] = [
        {"$ref": f"#/channels/live/messages/{m.name}"} for m in LIVE_MESSAGES
    ]
    server_sends.append({"$ref": "#/channels/live/messages/pong"})
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"{title} - live feed",
            "version": version,
            "description": (
                "WebSocket at /api/live: session cookie, allowed Host and Origin (docs/api.md). "
                "Only objects in the user's sectors are sent. A client more than its queue "
                "behind is closed with code 1013 and should reconnect."
            ),
        },
        "servers": {
            "node": {
                "host": "{host}",
                "protocol": "ws",
                "description": "The node's API address (wss behind TLS).",
                "variables": {"host": {"description": "host[:port] of the node's API"}},
            }
        },
        "channels": {
            "live": {
                "address": LIVE_ADDRESS,
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
            }
        },
        "operations": {
            "sendLiveMessages": {
                "action": "send",
                "channel": {"$ref": "#/channels/live"},
                "summary": "What the node sends to each connected client.",
                "messages": server_sends,
            },
            "receivePing": {
                "action": "receive",
                "channel": {"$ref": "#/channels/live"},
                "summary": "Keep-alive from a client.",
                "messages": [{"$ref": "#/channels/live/messages/ping"}],
            },
        },
        "components": {"schemas": schemas, "messages": messages},
    }


def asyncapi_router(*, title: str, version: str) -> APIRouter:
    """The public ``/api/asyncapi.json`` route (like ``/api/openapi.json``)."""
    router = APIRouter(include_in_schema=False)
    document: dict[str, JsonValue] | None = None

    @router.get(ASYNCAPI_URL)
    def asyncapi() -> JSONResponse:
        nonlocal document
        if document is None:
            document = asyncapi_document(title=title, version=version)
        return JSONResponse(document)

    return router


def live_types() -> tuple[str, ...]:
    """Every ``type`` the live feed's server messages may carry, per ``LiveType``."""
    return get_args(LiveType)
