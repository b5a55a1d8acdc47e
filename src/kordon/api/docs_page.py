"""``/api/docs``: Swagger UI with a Content-Security-Policy of its own.

The page loads Swagger UI from its CDN (blank on an offline node; the OpenAPI document at
``/api/openapi.json`` is always there) and starts it with one inline script. Its policy
allows that CDN and exactly that script, by hash, instead of ``'unsafe-inline'``.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

CDN = "https://cdn.jsdelivr.net"
FAVICON_HOST = "https://fastapi.tiangolo.com"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_policy(html: str) -> str:
    """The CSP for ``html``: its CDN assets and the hashes of its inline scripts."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {CDN} {hashes}",
            f"style-src 'self' 'unsafe-inline' {CDN}",
            f"img-src 'self' data: {FAVICON_HOST}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


def docs_router(*, openapi_url: str, title: str, path: str = "/api/docs") -> APIRouter:
    html = bytes(get_swagger_ui_html(openapi_url=openapi_url, title=title).body).decode()
    headers = {"Content-Security-Policy": docs_policy(html)}
    router = APIRouter(include_in_schema=False)

    @router.get(path)
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)

    return router
