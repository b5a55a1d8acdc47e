"""``create_api``: the operator API as one FastAPI app (the composition root mounts it)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends

from kordon.api.app_type import KordonApi
from kordon.api.body_limit import BodySizeLimit
from kordon.api.context import ApiContext
from kordon.api.deps import audited_request
from kordon.api.errors import install_error_handlers
from kordon.api.live import live_router
from kordon.api.routes import auth, cameras, events, evidence, incidents, site, users
from kordon.api.static import spa_router


def create_api(context: ApiContext, *, extra_routers: Sequence[APIRouter] = ()) -> KordonApi:
    """The app: every route of docs/api.md, the live feed, and the web UI when built.

    ``extra_routers`` (the health router of ``kordon.api.health``) are included before the
    web UI's catch-all route, so they stay reachable.
    """
    app = KordonApi(
        context,
        title="Kordon operator API",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=context.settings.max_body_bytes)
    app.include_router(auth.public_router())
    session_deps = [Depends(audited_request)]
    for router in (
        auth.session_router(),
        site.router(),
        cameras.router(),
        events.router(),
        incidents.router(),
        evidence.router(),
        users.router(),
    ):
        app.include_router(router, dependencies=session_deps)
    app.include_router(live_router(context, app.live))
    for router in extra_routers:
        app.include_router(router)
    directory = context.settings.static_dir
    if directory is not None and directory.is_dir():
        app.include_router(spa_router(directory))
    return app
