"""``create_api``: the operator API as one FastAPI app (the composition root mounts it)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from kordon.accounts.roles import Permission
from kordon.api.app_type import KordonApi
from kordon.api.asyncapi import ASYNCAPI_URL, asyncapi_router
from kordon.api.body_limit import BodySizeLimit
from kordon.api.context import ApiContext
from kordon.api.deps import audited_request, require
from kordon.api.docs_page import docs_router
from kordon.api.errors import install_error_handlers
from kordon.api.hosts import AllowedHosts, HostPatterns
from kordon.api.live import live_router
from kordon.api.responses import responses
from kordon.api.routes import (
    auth,
    basemap,
    cameras,
    events,
    evidence,
    incidents,
    register,
    sensors,
    site,
    stats,
    users,
)
from kordon.api.security_headers import SecurityHeaders
from kordon.api.static import spa_router
from kordon.api.url_guard import UrlGuard

OPENAPI_URL = "/api/openapi.json"
TITLE = "Kordon operator API"
VERSION = "1"


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
        version=VERSION,
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        responses=responses(400),
    )
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, path_limits=settings.path_body_bytes
    )
    app.add_middleware(UrlGuard)
    app.add_middleware(AllowedHosts, patterns=HostPatterns(settings.allowed_hosts))
    app.add_middleware(SecurityHeaders)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    app.include_router(
        docs_router(
            openapi_url=OPENAPI_URL, title=f"{TITLE} - Swagger UI", asyncapi_url=ASYNCAPI_URL
        )
    )
    app.include_router(asyncapi_router(title=TITLE, version=VERSION))
    app.include_router(auth.public_router())
    app.include_router(sensors.router())  # HMAC-signed, not a session route
    session_deps = [Depends(audited_request)]
    # The site picture (map, cameras, events, incidents, footage, exports) needs the READ
    # permission, checked (403, audited) before any route-level check or object scope.
    reader_deps = [*session_deps, Depends(require(Permission.READ))]
    for router in (
        site.router(),
        cameras.router(),
        events.router(),
        incidents.router(),
        evidence.router(),
    ):
        app.include_router(router, dependencies=reader_deps, responses=responses(401, 403, 503))
    for router in (
        auth.session_router(),
        basemap.router(),
        stats.router(),
        users.router(),
        *([register.router()] if context.register is not None else []),
    ):
        app.include_router(router, dependencies=session_deps, responses=responses(401, 503))
    app.include_router(live_router(context, app.live, app.refusals))
    for router in extra_routers:
        app.include_router(router)
    directory = settings.static_dir
    if directory is not None and directory.is_dir():
        app.include_router(spa_router(directory))
    return app
