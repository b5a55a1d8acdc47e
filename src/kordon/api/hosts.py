"""ASGI middleware answering only requests whose ``Host`` is one of the allowed names.

Without it, a page on any domain whose name the attacker points at the node's address (DNS
rebinding) is "same origin" with the node: the browser sends ``Host`` and ``Origin`` of the
attacker's name, and the live feed's same-origin check would pass. Refused HTTP requests get
``400``; refused WebSocket upgrades are closed before they are accepted (``403``).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from kordon.api.asgi_answer import send_json

POLICY_VIOLATION = 1008


def host_name(header: str) -> str | None:
    """The host part of a ``Host`` header, lower-case, without port or IPv6 brackets."""
    value = header.strip().lower()
    if not value:
        return None
    if value.startswith("["):
        end = value.find("]")
        rest = value[end + 1 :]
        if end < 0 or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        return value[1:end] or None
    name, _, port = value.partition(":")
    if port and not port.isdigit():
        return None
    return name or None


class HostPatterns:
    """Allowed host names: exact names or addresses, ``*.example.org`` (any subdomain of
    example.org), or ``*`` (any host: only behind a proxy that checks it)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self._exact: set[str] = set()
        self._suffixes: list[str] = []
        self._any = False
        for raw in patterns:
            pattern = raw.strip().lower().strip("[]")
            if pattern == "*":
                self._any = True
            elif pattern.startswith("*."):
                self._suffixes.append(pattern[1:])
            elif "*" in pattern:
                raise ValueError(f"host pattern {raw!r}: '*' only as '*' or '*.domain'")
            elif pattern:
                self._exact.add(pattern)

    def allows(self, host_header: str | None) -> bool:
        if self._any:
            return True
        name = host_name(host_header) if host_header is not None else None
        if name is None:
            return False
        return name in self._exact or any(name.endswith(s) for s in self._suffixes)


class AllowedHosts:
    def __init__(self, app: ASGIApp, *, patterns: HostPatterns) -> None:
        self._app = app
        self._patterns = patterns

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._patterns.allows(
            Headers(scope=scope).get("host")
        ):
            await self._app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": POLICY_VIOLATION, "reason": ""})
            return
        await send_json(send, 400, "Host header not allowed")
