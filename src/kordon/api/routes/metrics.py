"""``/metrics``: the node's numbers in the Prometheus text format 0.0.4.

Not a browser route: no session. It answers a request from a loopback address (a
Prometheus or node agent on the same machine) or one carrying ``Authorization: Bearer
<token>`` when a token is configured (``KORDON_METRICS_TOKEN``, see
docs/integrations.md); anything else gets 401. Behind a reverse proxy on the same machine
every request comes from loopback unless the proxy is a trusted one (whose forwarded
address then counts): restrict the path in the proxy, or set a token and turn
``allow_loopback`` off. The text is made by ``provider`` in a worker thread (it may read
the database).

No ``from __future__ import annotations`` here: FastAPI resolves the dependency aliases at
definition time.
"""

import asyncio
import hmac
import ipaddress
from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Request, Response

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BEARER = "bearer "


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback; False for anything unparsable."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def bearer_matches(header: str | None, token: str | None) -> bool:
    """True when ``header`` is ``Bearer <token>`` (compared in constant time)."""
    if not token or not header or header[: len(BEARER)].lower() != BEARER:
        return False
    offered = header[len(BEARER) :].strip().encode("utf-8")
    return hmac.compare_digest(offered, token.encode("utf-8"))


def metrics_router(
    provider: Callable[[], str], *, token: str | None = None, allow_loopback: bool = True
) -> APIRouter:
    """``GET /metrics`` serving ``provider()``; access as in the module docstring."""
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        client = request.client.host if request.client else None
        allowed = (allow_loopback and is_loopback(client)) or bearer_matches(
            request.headers.get("authorization"), token
        )
        if not allowed:
            raise HTTPException(
                status_code=401,
                detail="metrics need a loopback client or a bearer token",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        text = await asyncio.to_thread(provider)
        return Response(
            content=text, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"}
        )

    return router
