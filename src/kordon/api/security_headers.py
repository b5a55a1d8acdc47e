"""ASGI middleware adding the browser-hardening headers to every HTTP answer.

The Content-Security-Policy allows exactly what the built web UI needs: its own scripts,
styles and the MapLibre worker (same origin; ``blob:`` for workers MapLibre may spawn),
inline style attributes (MapLibre and the UI position elements with them), images from the
API and ``data:``/``blob:`` URLs (MIL-STD-2525 symbols are data URLs), and API calls and the
WebSocket on the same origin. Nothing may frame the UI. An answer that sets its own policy
(the API docs page) keeps it. HSTS is sent only on answers over HTTPS.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UI_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "child-src 'self' blob:",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000"
"""One year; no ``includeSubDomains``: other services may share the domain."""

_FIXED: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """Adds CSP, X-Frame-Options, X-Content-Type-Options, Referrer-Policy (and HSTS over
    HTTPS) to each HTTP answer, without replacing a header the answer already has."""

    def __init__(self, app: ASGIApp, *, policy: str = UI_POLICY) -> None:
        self._app = app
        self._headers = (*_FIXED, (b"content-security-policy", policy.encode("ascii")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        extra = self._headers
        if scope.get("scheme") == "https":
            extra = (*extra, (b"strict-transport-security", HSTS.encode("ascii")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in extra if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self._app(scope, receive, send_with_headers)
