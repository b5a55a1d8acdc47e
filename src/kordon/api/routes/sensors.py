"""``/api/sensors/ugs``: ground-sensor messages over HTTP, signed with HMAC-SHA256.

Not a session route: sensors authenticate each request with their shared secret
(``kordon.sensors.ugs.signature``; docs/sensors.md). An unsigned or badly signed request
answers 401 and nothing is delivered.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from starlette.requests import HTTPConnection

from kordon.api.app_type import KordonApi
from kordon.api.deps import client_address, count_refusal, get_context
from kordon.api.refusals import Source
from kordon.api.responses import ErrorPublic
from kordon.api.schemas.base import PublicModel
from kordon.sensors.ugs.http_intake import SignedRequest, UgsHttpError, UgsHttpIntake
from kordon.sensors.ugs.schema import message_schema
from kordon.sensors.ugs.signature import SENSOR_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER

PATH = "/api/sensors/ugs"
WWW_AUTHENTICATE = 'HMAC-SHA256 realm="kordon-ugs"'

_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "model": ErrorPublic}
    for status, text in {
        400: "The message is not valid JSON or fails the message schema, names another "
        "sensor type, or its time is too old or too far ahead",
        401: "Unsigned, badly signed, outside the replay window, replayed, or signed for "
        "another sensor than the message names",
        404: "No ground sensor on this node accepts messages over HTTP",
        413: "The message is larger than the limit",
        429: "The sensor exceeds its configured message rate; the message was dropped",
    }.items()
}


class UgsAccepted(PublicModel):
    """What became of the message: ``accepted``, or ``duplicate`` (its ``seq`` was seen)."""

    verdict: str


def get_ugs_intake(conn: HTTPConnection) -> UgsHttpIntake:
    """The node's HTTP intake of ground-sensor messages; 404 when it has none."""
    intake = get_context(conn).ground_sensors
    if intake is None:
        raise HTTPException(
            status_code=404, detail="no ground sensor accepts messages over HTTP on this node"
        )
    return intake


UgsIntakeDep = Annotated[UgsHttpIntake, Depends(get_ugs_intake)]


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, reading at most ``limit + 1`` bytes (enough to tell that it is too large)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)


def _count_refusal(request: Request, reason: str) -> None:
    """In the operator API, refused sensor requests join the audited refused-attempt counts
    (one entry per source and interval, like refused logins)."""
    if isinstance(request.app, KordonApi):
        count_refusal(request, Source("ugs", "refused", client_address(request)), reason=reason)


def router() -> APIRouter:
    r = APIRouter(tags=["sensors"])

    @r.post(
        PATH,
        status_code=202,
        response_model=UgsAccepted,
        summary="A ground sensor's alarm or heartbeat (HMAC-SHA256 signed)",
        responses=_RESPONSES,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": message_schema()}},
            }
        },
    )
    async def ugs_message(
        request: Request,
        intake: UgsIntakeDep,
        sensor_id: Annotated[str | None, Header(alias=SENSOR_HEADER)] = None,
        timestamp: Annotated[str | None, Header(alias=TIMESTAMP_HEADER)] = None,
        signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
    ) -> UgsAccepted:
        body = await _read_body(request, intake.max_bytes)
        try:
            verdict = intake.accept(SignedRequest(body, sensor_id, timestamp, signature))
        except UgsHttpError as exc:
            headers = None
            if exc.status == 401:
                headers = {"WWW-Authenticate": WWW_AUTHENTICATE}
                _count_refusal(request, exc.reason)
            raise HTTPException(exc.status, detail=exc.detail, headers=headers) from exc
        return UgsAccepted(verdict=verdict.value)

    return r
