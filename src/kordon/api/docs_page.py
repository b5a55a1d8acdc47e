"""``/api/docs``: Swagger UI served from the package, so it works on an offline node.

The assets (``swagger-ui-bundle.js``, ``swagger-ui.css``; npm ``swagger-ui-dist``,
Apache-2.0, licence and notice beside them in ``kordon/api/swagger_ui/``) are answered at
``/api/docs/assets/…``; the page starts Swagger UI with a script of its own at the same
place, never an inline one, so its Content-Security-Policy allows scripts from ``'self'``
only. The page names no other host: the validator badge (which would call
``validator.swagger.io``) is off.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

ASSETS = Path(__file__).resolve().parent / "swagger_ui"
"""The shipped Swagger UI files (see ``swagger_ui/README.md`` for version and origin)."""

DOCS_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # Swagger UI sets style attributes on its elements
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""The docs page's own policy (the security-headers middleware keeps it)."""


@dataclass(frozen=True, slots=True)
class _Asset:
    filename: str
    media_type: str


_FILES = {
    "swagger-ui-bundle.js": _Asset("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "swagger-ui.css": _Asset("swagger-ui.css", "text/css; charset=utf-8"),
    "LICENSE": _Asset("LICENSE", "text/plain; charset=utf-8"),
    "NOTICE": _Asset("NOTICE", "text/plain; charset=utf-8"),
}
_CACHE = {"Cache-Control": "public, max-age=86400"}


def docs_html(*, title: str, assets_path: str, asyncapi_url: str | None) -> str:
    """The page: local stylesheet, local bundle, local start script; no inline script."""
    link = (
        f'<p class="kordon-links">WebSocket messages (<code>/api/live</code>): '
        f'<a href="{escape(asyncapi_url)}">AsyncAPI document</a></p>'
        if asyncapi_url
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
        '<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        '<link rel="icon" href="data:,">\n'
        f'<link rel="stylesheet" href="{assets_path}/swagger-ui.css">\n'
        "</head>\n<body>\n"
        f"{link}\n"
        '<div id="swagger-ui"></div>\n'
        f'<script src="{assets_path}/swagger-ui-bundle.js"></script>\n'
        f'<script src="{assets_path}/start.js"></script>\n'
        "</body>\n</html>\n"
    )


def start_script(openapi_url: str) -> str:
    """Starts Swagger UI on ``openapi_url`` (same origin), without the online validator."""
    options = {
        "url": openapi_url,
        "dom_id": "#swagger-ui",
        "layout": "BaseLayout",
        "deepLinking": True,
        "validatorUrl": None,
        "showExtensions": True,
    }
    return (
        "window.addEventListener('load', function () {\n"
        f"  var options = {json.dumps(options)};\n"
        "  options.presets = [SwaggerUIBundle.presets.apis];\n"
        "  window.ui = SwaggerUIBundle(options);\n"
        "});\n"
    )


def docs_router(
    *,
    openapi_url: str,
    title: str,
    path: str = "/api/docs",
    asyncapi_url: str | None = None,
) -> APIRouter:
    """``path`` (the page) and ``path/assets/{name}`` (its files); all public."""
    assets_path = f"{path}/assets"
    html = docs_html(title=title, assets_path=assets_path, asyncapi_url=asyncapi_url)
    start = start_script(openapi_url)
    router = APIRouter(include_in_schema=False)

    @router.get(path)
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": DOCS_POLICY})

    @router.get(f"{assets_path}/start.js")
    def docs_start() -> Response:
        return Response(start, media_type="text/javascript; charset=utf-8", headers=_CACHE)

    @router.get(assets_path + "/{name}")
    def docs_asset(name: str) -> FileResponse:
        asset = _FILES.get(name)
        if asset is None:
            raise HTTPException(status_code=404, detail=f"no docs asset {name!r}")
        return FileResponse(ASSETS / asset.filename, media_type=asset.media_type, headers=_CACHE)

    return router
