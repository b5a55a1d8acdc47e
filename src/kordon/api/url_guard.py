"""ASGI middleware refusing URLs with control characters (``%00`` and friends) with 400.

No route takes a control character in its path or query: a NUL reaching a file name
(``/index.html%00.js``) or a PostgreSQL text parameter raises deep inside, and a 500 with a
traceback is no answer. Refusing them at the edge keeps every route's input printable.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from kordon.api.asgi_answer import send_json

_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")


def url_is_clean(path: str, query_string: bytes) -> bool:
    """Whether the decoded path and the percent-decoded query hold no control character."""
    raw_path = path.encode("utf-8", "surrogateescape")
    query = unquote_to_bytes(query_string.replace(b"+", b" "))
    return not (_CONTROL.search(raw_path) or _CONTROL.search(query))


class UrlGuard:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or url_is_clean(scope["path"], scope.get("query_string", b"")):
            await self._app(scope, receive, send)
            return
        await send_json(send, 400, "control characters are not allowed in the URL")
