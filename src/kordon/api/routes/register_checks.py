"""End-use checks: a photo and GPS fix of a serial, by whoever may check equipment."""

from datetime import datetime

from fastapi import APIRouter, HTTPException
from pydantic import Field

from kordon.api.deps import ContextDep, CurrentUser
from kordon.api.routes.register_common import CHANGE, CHECK, RegisterDep, ScopeDep, decode_base64
from kordon.api.routes.register_views import CheckPublic, check_public
from kordon.api.schemas.base import RequestBody
from kordon.domain.time import require_utc
from kordon.register.check import GpsFix
from kordon.register.errors import RegisterInputError


class CheckRequest(RequestBody):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    time: datetime | None = Field(default=None, description="When it was seen; default: now.")
    note: str = Field(default="", max_length=2000)
    photo_base64: str = Field(min_length=1, description="A JPEG, PNG or WebP photo, base64.")


def router() -> APIRouter:
    """Record an end-use check."""
    r = APIRouter(tags=["register"])

    @r.post(
        "/api/register/assets/{serial}/checks",
        response_model=CheckPublic,
        dependencies=CHECK,
        summary="An end-use check: photo and GPS of a serial (not an image or too large: 422)",
        responses=CHANGE,
    )
    def check(
        *,
        serial: str,
        body: CheckRequest,
        register: RegisterDep,
        scope: ScopeDep,
        context: ContextDep,
        user: CurrentUser,
    ) -> CheckPublic:
        register.reader.asset(scope, serial)
        limit = register.service.max_photo_bytes
        if len(body.photo_base64) > (limit * 4) // 3 + 4:
            raise HTTPException(status_code=413, detail=f"the photo is larger than {limit} bytes")
        photo = decode_base64(body.photo_base64, "photo_base64")
        now = context.clock()
        try:
            fix = GpsFix(lat=body.lat, lon=body.lon, accuracy_m=body.accuracy_m)
            seen = require_utc(body.time) if body.time is not None else now
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        try:
            return check_public(
                register.service.record_check(
                    serial,
                    fix=fix,
                    photo=photo,
                    note=body.note,
                    actor=user.username,
                    time=seen,
                    recorded_at=now,
                )
            )
        except RegisterInputError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None

    return r
