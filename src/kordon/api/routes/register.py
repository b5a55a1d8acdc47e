"""``/api/register``: the equipment register (issue 16).

Reading needs ``register_read`` and is limited to the user's register scope (a commander
sees his sectors, a donor auditor the projects of his donors); assets outside it answer 404
like unknown serials. Changes need ``register_edit``; end-use checks ``register_check``.
Every change is an entry of the asset's append-only history and of the evidence ledger.

Each concept has its own router module (``register_browse``, ``register_uptime``,
``register_exports``, ``register_attachments``, ``register_intake``, ``register_lifecycle``,
``register_custody``, ``register_checks``); :func:`router` joins them in one fixed order,
which is the order of the paths in the OpenAPI document.
"""

from fastapi import APIRouter

from kordon.api.routes import (
    register_attachments,
    register_browse,
    register_checks,
    register_custody,
    register_exports,
    register_intake,
    register_lifecycle,
    register_uptime,
)


def router() -> APIRouter:
    """Every ``/api/register`` route: reads first, then changes."""
    r = APIRouter()
    for part in (
        register_browse.router(),
        register_uptime.router(),
        register_exports.router(),
        register_attachments.router(),
        register_intake.router(),
        register_lifecycle.router(),
        register_custody.router(),
        register_checks.router(),
    ):
        r.include_router(part)
    return r
