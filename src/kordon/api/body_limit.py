"""ASGI middleware refusing request bodies larger than a limit (413)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kordon.api.asgi_answer import send_json


class _TooLargeError(Exception):
    pass


class BodySizeLimit:
    """Answers 413 when ``Content-Length`` or the streamed body exceeds ``max_bytes``, or
    the limit of the first ``path_limits`` prefix the request path starts with."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, path_limits: tuple[tuple[str, int], ...] = ()
    ) -> None:
        self._app = app
        self._default = max_bytes
        self._paths = path_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = next((m for prefix, m in self._paths if path.startswith(prefix)), self._default)
        await self._limited(scope, receive, send, limit)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await send_json(send, 400, "invalid Content-Length")
                    return
                if length > limit:
                    await send_json(send, 413, _too_large(limit))
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._app(scope, limited_receive, tracking_send)
        except _TooLargeError:
            if not started:
                await send_json(send, 413, _too_large(limit))


def _too_large(limit: int) -> str:
    return f"request body larger than {limit} bytes"
