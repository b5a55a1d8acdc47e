"""``create_api``: the operator API as one FastAPI app (the composition root mounts it)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from kordon.api.app_type import KordonApi
from kordon.api.body_limit import BodySizeLimit
from kordon.api.context import ApiContext
from kordon.api.deps import audited_request
from kordon.api.docs_page import docs_router
from kordon.api.errors import install_error_handlers
from kordon.api.hosts import AllowedHosts, HostPatterns
from kordon.api.live import live_router
from kordon.api.responses import responses
from kordon.api.routes import auth, basemap, cameras, events, evidence, incidents, site, users
from kordon.api.security_headers import SecurityHeaders
from kordon.api.static import spa_router
from kordon.api.url_guard import UrlGuard

OPENAPI_URL = "/api/openapi.json"
TITLE = "Kordon operator API"


def create_api(context: ApiContext, *, extra_routers: Sequence[APIRouter] = ()) -> KordonApi:
    """The app: every route of docs/api.md, the live feed, and the web UI when built.

    ``extra_routers`` (the health router of ``kordon.api.health``) are included before the
    web UI's catch-all route, so they stay reachable. Every request passes, outermost first:
    the trusted proxy's forwarded address and scheme (only from ``trusted_proxies``), the
    security headers, the allowed-``Host`` check, the URL's control-character check and the
    body size limit.
    """
    settings = context.settings
    app = KordonApi(
        context,
        title=TITLE,
        version="1",
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        responses=responses(400),
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(UrlGuard)
    app.add_middleware(AllowedHosts, patterns=HostPatterns(settings.allowed_hosts))
    app.add_middleware(SecurityHeaders)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    app.include_router(docs_router(openapi_url=OPENAPI_URL, title=f"{TITLE} - Swagger UI"))
    app.include_router(auth.public_router())
    session_deps = [Depends(audited_request)]
    for router in (
        auth.session_router(),
        site.router(),
        basemap.router(),
        cameras.router(),
        events.router(),
        incidents.router(),
        evidence.router(),
        users.router(),
    ):
        app.include_router(router, dependencies=session_deps, responses=responses(401, 503))
    app.include_router(live_router(context, app.live, app.refusals))
    for router in extra_routers:
        app.include_router(router)
    directory = settings.static_dir
    if directory is not None and directory.is_dir():
        app.include_router(spa_router(directory))
    return app
