"""Typed dependencies: context, session, CSRF, permissions, audit, scope guard.

No ``from __future__ import annotations``: FastAPI resolves these aliases at definition.

A dependency that does no I/O is ``async def``: FastAPI runs a plain ``def`` dependency
in its thread pool, and a page of incidents went through about forty thread hops per
request, each waiting for the event loop under load. Those that read or write the store
(the session, the audit record) stay off the loop.
"""

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import JsonValue
from starlette.requests import HTTPConnection

from kordon.accounts.errors import SessionInvalidError
from kordon.accounts.roles import Permission, permissions_of
from kordon.accounts.sessions import AuthSession
from kordon.accounts.users import User
from kordon.api.app_type import KordonApi
from kordon.api.context import ApiContext
from kordon.api.event_cache import EventCache
from kordon.api.refusals import Source
from kordon.api.scope import ScopeGuard

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_DETAIL = "CSRF token missing or invalid"


def _api(conn: HTTPConnection) -> KordonApi:
    app = conn.app
    if not isinstance(app, KordonApi):
        raise TypeError("the operator API must be created with kordon.api.create_api")
    return app


def get_context(conn: HTTPConnection) -> ApiContext:
    return _api(conn).context


async def _context_dep(conn: HTTPConnection) -> ApiContext:
    return get_context(conn)


ContextDep = Annotated[ApiContext, Depends(_context_dep)]


def client_address(conn: HTTPConnection) -> str:
    """The client's address (behind a trusted proxy, the one it forwarded)."""
    return conn.client.host[:64] if conn.client is not None else "unknown"


def count_refusal(conn: HTTPConnection, source: Source, *, reason: str) -> None:
    """Count a refused unauthenticated attempt (audited as one entry per source and interval)."""
    app = _api(conn)
    app.refusals.count(source, reason=reason, time=app.context.clock())


class Auditor:
    """Records audit entries for one request: who, from where, when."""

    def __init__(self, context: ApiContext, actor: str, address: str) -> None:
        self._context = context
        self.actor = actor
        self.address = address

    def record(
        self, action: str, subject: str, outcome: str, details: dict[str, JsonValue] | None = None
    ) -> None:
        merged: dict[str, JsonValue] = {"address": self.address, **(details or {})}
        self._context.audit.record(
            self.actor, action, subject, outcome, merged, self._context.clock()
        )


async def get_event_cache(conn: HTTPConnection) -> EventCache:
    return _api(conn).event_cache


EventCacheDep = Annotated[EventCache, Depends(get_event_cache)]


def get_session(request: Request, context: ContextDep) -> AuthSession:
    """The request's valid session, from the cookie; 401 otherwise (counted if invalid)."""
    token = request.cookies.get(context.settings.cookie_name)
    if not token:
        raise HTTPException(status_code=401, detail="not logged in")
    try:
        return context.accounts.resolve_session(token, time=context.clock())
    except SessionInvalidError as exc:
        count_refusal(
            request,
            Source("session", "refused", client_address(request)),
            reason=str(exc),
        )
        raise HTTPException(status_code=401, detail=f"not logged in: {exc}") from exc


SessionDep = Annotated[AuthSession, Depends(get_session)]


async def get_user(session: SessionDep) -> User:
    return session.user


CurrentUser = Annotated[User, Depends(get_user)]


async def get_auditor(request: Request, context: ContextDep, user: CurrentUser) -> Auditor:
    return Auditor(context, user.username, client_address(request))


AuditorDep = Annotated[Auditor, Depends(get_auditor)]


async def audited_request(
    request: Request, session: SessionDep, auditor: AuditorDep
) -> AsyncIterator[None]:
    """On every authenticated route: CSRF check for state-changing methods, and the audit
    record of every state-changing action with its outcome (one place for all routes).

    A read passes straight through on the event loop; the audit records (store writes)
    of a state-changing request are written in the thread pool."""
    if request.method in SAFE_METHODS:
        yield
        return
    action = f"{request.method} {request.url.path}"
    if not session.csrf_ok(request.headers.get(CSRF_HEADER)):
        await run_in_threadpool(auditor.record, "csrf", action, "refused", {"reason": CSRF_DETAIL})
        raise HTTPException(status_code=403, detail=CSRF_DETAIL)
    try:
        yield
    except HTTPException as exc:
        await run_in_threadpool(
            auditor.record,
            action,
            request.url.path,
            f"refused {exc.status_code}",
            {"detail": exc.detail},
        )
        raise
    except Exception as exc:
        await run_in_threadpool(
            auditor.record, action, request.url.path, "failed", {"error": str(exc)[:500]}
        )
        raise
    await run_in_threadpool(auditor.record, action, request.url.path, "ok")


def require(
    permission: Permission,
) -> Callable[[User, Auditor, Request], Coroutine[Any, Any, None]]:
    """A dependency refusing (403, audited) users whose role lacks ``permission``."""

    async def check(user: CurrentUser, auditor: AuditorDep, request: Request) -> None:
        if permission not in permissions_of(user.role):
            await run_in_threadpool(
                auditor.record,
                "forbidden",
                f"{request.method} {request.url.path}",
                "refused",
                {"role": str(user.role), "needs": str(permission)},
            )
            raise HTTPException(
                status_code=403, detail=f"role {user.role} may not do this (needs {permission})"
            )

    return check


async def get_scope_guard(
    context: ContextDep, user: CurrentUser, auditor: AuditorDep
) -> ScopeGuard:
    return ScopeGuard(context, user, auditor.record)


Guard = Annotated[ScopeGuard, Depends(get_scope_guard)]
