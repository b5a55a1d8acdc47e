"""``/api/auth``: login (public), logout and me (session)."""

import math

from fastapi import APIRouter, HTTPException, Response

from kordon.accounts.errors import InvalidCredentialsError, RateLimitedError
from kordon.api.deps import AnonymousAuditor, AuditorDep, ContextDep, SessionDep
from kordon.api.schemas.auth import LoginRequest, SessionPublic, UserPublic


def public_router() -> APIRouter:
    router = APIRouter(tags=["auth"])

    @router.post(
        "/api/auth/login",
        response_model=SessionPublic,
        summary="Log in; sets the session cookie",
        responses={401: {"description": "wrong credentials"}, 429: {"description": "locked"}},
    )
    def login(
        body: LoginRequest, response: Response, context: ContextDep, auditor: AnonymousAuditor
    ) -> SessionPublic:
        auditor.actor = body.username
        try:
            issued = context.accounts.login(
                username=body.username,
                password=body.password,
                address=auditor.address,
                time=context.clock(),
                now_s=context.monotonic_s(),
            )
        except RateLimitedError as exc:
            auditor.record("login", body.username, "rate_limited")
            raise HTTPException(
                status_code=429,
                detail="too many failed logins; try again later",
                headers={"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))},
            ) from exc
        except InvalidCredentialsError as exc:
            auditor.record("login", body.username, "refused")
            raise HTTPException(status_code=401, detail="wrong username or password") from exc
        settings = context.settings
        response.set_cookie(
            settings.cookie_name,
            issued.token,
            max_age=int(context.accounts.sessions.policy.absolute_timeout_s),
            path="/",
            secure=settings.cookie_secure,
            httponly=True,
            samesite="lax",
        )
        auditor.record("login", body.username, "ok")
        return SessionPublic(user=UserPublic.of(issued.user), csrf_token=issued.csrf_token)

    return router


def session_router() -> APIRouter:
    router = APIRouter(tags=["auth"])

    @router.post("/api/auth/logout", status_code=204, summary="Log out (revokes the session)")
    def logout(session: SessionDep, context: ContextDep, auditor: AuditorDep) -> Response:
        context.accounts.logout(session, time=context.clock())
        response = Response(status_code=204)
        response.delete_cookie(
            context.settings.cookie_name,
            path="/",
            secure=context.settings.cookie_secure,
            httponly=True,
            samesite="lax",
        )
        del auditor  # the logout itself is audited by the router's dependency
        return response

    @router.get("/api/auth/me", response_model=SessionPublic, summary="The logged-in user")
    def me(session: SessionDep) -> SessionPublic:
        return SessionPublic(user=UserPublic.of(session.user), csrf_token=session.csrf_token)

    return router
