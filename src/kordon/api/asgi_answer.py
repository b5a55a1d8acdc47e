"""``send_json``: a complete JSON answer from ASGI middleware (before any route runs)."""

from __future__ import annotations

import json

from starlette.types import Send


async def send_json(send: Send, status: int, detail: str) -> None:
    """Send ``{"detail": detail}`` with ``status`` as the whole HTTP answer."""
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
