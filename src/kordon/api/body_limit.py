"""ASGI middleware refusing request bodies larger than a limit (413)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kordon.api.asgi_answer import send_json


class _TooLargeError(Exception):
    pass


class BodySizeLimit:
    """Answers 413 when ``Content-Length`` or the streamed body exceeds ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self._app = app
        self._max = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await send_json(send, 400, "invalid Content-Length")
                    return
                if length > self._max:
                    await send_json(send, 413, self._too_large())
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max:
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
                await send_json(send, 413, self._too_large())

    def _too_large(self) -> str:
        return f"request body larger than {self._max} bytes"
