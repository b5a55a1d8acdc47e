"""``/api/auth``: login (public), logout and me (session)."""

import math

from fastapi import APIRouter, HTTPException, Request, Response

from kordon.accounts.errors import InvalidCredentialsError, RateLimitedError
from kordon.api.context import ApiContext
from kordon.api.deps import (
    Auditor,
    AuditorDep,
    ContextDep,
    SessionDep,
    client_address,
    count_refusal,
)
from kordon.api.features import served_features
from kordon.api.refusals import Source
from kordon.api.responses import responses
from kordon.api.schemas.auth import LoginRequest, SessionPublic, UserPublic


def _secure(request: Request, context: ApiContext) -> bool:
    """Whether the cookie gets ``Secure``: always over HTTPS (directly or via a trusted
    proxy), and everywhere when configured."""
    return context.settings.cookie_secure or request.url.scheme == "https"


def public_router() -> APIRouter:
    router = APIRouter(tags=["auth"])

    @router.post(
        "/api/auth/login",
        response_model=SessionPublic,
        summary="Log in; sets the session cookie",
        responses=responses(401, 413, 429, 503),
    )
    def login(
        body: LoginRequest, request: Request, response: Response, context: ContextDep
    ) -> SessionPublic:
        address = client_address(request)
        try:
            issued = context.accounts.login(
                username=body.username,
                password=body.password,
                address=address,
                time=context.clock(),
                now_s=context.monotonic_s(),
            )
        except RateLimitedError as exc:
            count_refusal(
                request, Source("login", "rate_limited", address, body.username), reason=str(exc)
            )
            raise HTTPException(
                status_code=429,
                detail="too many failed logins; try again later",
                headers={"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))},
            ) from exc
        except InvalidCredentialsError as exc:
            count_refusal(
                request, Source("login", "refused", address, body.username), reason=str(exc)
            )
            raise HTTPException(status_code=401, detail="wrong username or password") from exc
        settings = context.settings
        response.set_cookie(
            settings.cookie_name,
            issued.token,
            max_age=int(context.accounts.sessions.policy.absolute_timeout_s),
            path="/",
            secure=_secure(request, context),
            httponly=True,
            samesite="lax",
        )
        Auditor(context, body.username, address).record("login", body.username, "ok")
        return SessionPublic(
            user=UserPublic.of(issued.user),
            csrf_token=issued.csrf_token,
            features=served_features(request.app.openapi()["paths"]),
        )

    return router


def session_router() -> APIRouter:
    router = APIRouter(tags=["auth"])

    @router.post(
        "/api/auth/logout",
        status_code=204,
        summary="Log out (revokes the session)",
        responses=responses(403),
    )
    def logout(
        session: SessionDep, request: Request, context: ContextDep, auditor: AuditorDep
    ) -> Response:
        context.accounts.logout(session, time=context.clock())
        response = Response(status_code=204)
        response.delete_cookie(
            context.settings.cookie_name,
            path="/",
            secure=_secure(request, context),
            httponly=True,
            samesite="lax",
        )
        del auditor  # the logout itself is audited by the router's dependency
        return response

    @router.get("/api/auth/me", response_model=SessionPublic, summary="The logged-in user")
    def me(session: SessionDep, request: Request) -> SessionPublic:
        return SessionPublic(
            user=UserPublic.of(session.user),
            csrf_token=session.csrf_token,
            features=served_features(request.app.openapi()["paths"]),
        )

    return router
