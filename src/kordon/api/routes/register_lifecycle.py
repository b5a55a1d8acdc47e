"""An asset's lifecycle: deploying it, setting its status, correcting its recorded details."""

from datetime import date
from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import Field

from kordon.api.deps import ContextDep, CurrentUser
from kordon.api.routes.register_common import CHANGE, EDIT, RegisterDep, ScopeDep
from kordon.api.routes.register_views import AssetPublic, asset_public
from kordon.api.schemas.base import RequestBody
from kordon.register.asset import AssetDetails, Deployment
from kordon.register.status import AssetStatus


class DeployRequest(RequestBody):
    outpost: str = Field(min_length=1, max_length=128)
    sector_id: str | None = Field(default=None, max_length=128)
    position: str | None = Field(default=None, max_length=128)
    device_id: str | None = Field(default=None, max_length=128)


class StatusRequest(RequestBody):
    status: Literal["in_store", "under_repair", "lost", "destroyed"]
    report: str | None = Field(default=None, max_length=4000)


class CorrectionRequest(RequestBody):
    model: str = Field(min_length=1, max_length=128)
    vendor: str = Field(min_length=1, max_length=128)
    lot: str | None = Field(default=None, max_length=128)
    warranty_until: str | None = Field(default=None, max_length=10)
    reason: str = Field(min_length=1, max_length=2000)
    corrects: int | None = Field(default=None, ge=1)


def router() -> APIRouter:
    """Deploy, set status, correct."""
    r = APIRouter(tags=["register"])

    @r.post(
        "/api/register/assets/{serial}/deploy",
        response_model=AssetPublic,
        dependencies=EDIT,
        summary="Deploy an asset (outpost, sector, position, linked device)",
        responses=CHANGE,
    )
    def deploy(
        *,
        serial: str,
        body: DeployRequest,
        register: RegisterDep,
        scope: ScopeDep,
        context: ContextDep,
        user: CurrentUser,
    ) -> AssetPublic:
        register.reader.asset(scope, serial)
        deployment = Deployment(
            outpost=body.outpost,
            sector_id=body.sector_id,
            position=body.position,
            device_id=body.device_id,
        )
        return asset_public(
            register.service.deploy(serial, deployment, actor=user.username, time=context.clock())
        )

    @r.post(
        "/api/register/assets/{serial}/status",
        response_model=AssetPublic,
        dependencies=EDIT,
        summary="Set in store, under repair, lost or destroyed (the last two need a report)",
        responses=CHANGE,
    )
    def set_status(
        *,
        serial: str,
        body: StatusRequest,
        register: RegisterDep,
        scope: ScopeDep,
        context: ContextDep,
        user: CurrentUser,
    ) -> AssetPublic:
        register.reader.asset(scope, serial)
        return asset_public(
            register.service.set_status(
                serial,
                AssetStatus(body.status),
                report=body.report,
                actor=user.username,
                time=context.clock(),
            )
        )

    @r.post(
        "/api/register/assets/{serial}/corrections",
        response_model=AssetPublic,
        dependencies=EDIT,
        summary="Correct the recorded details (a new history entry; nothing is rewritten)",
        responses=CHANGE,
    )
    def correct(
        *,
        serial: str,
        body: CorrectionRequest,
        register: RegisterDep,
        scope: ScopeDep,
        context: ContextDep,
        user: CurrentUser,
    ) -> AssetPublic:
        register.reader.asset(scope, serial)
        try:
            warranty = date.fromisoformat(body.warranty_until) if body.warranty_until else None
        except ValueError:
            raise HTTPException(status_code=422, detail="warranty_until: not a date") from None
        details = AssetDetails(
            model=body.model, vendor=body.vendor, lot=body.lot, warranty_until=warranty
        )
        return asset_public(
            register.service.correct(
                serial,
                details,
                reason=body.reason,
                corrects=body.corrects,
                actor=user.username,
                time=context.clock(),
            )
        )

    return r
