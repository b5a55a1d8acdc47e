"""Uptime of a networked asset, from the health of the device it is linked to."""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import Field

from kordon.api.deps import ContextDep
from kordon.api.responses import responses
from kordon.api.routes.register_common import READ, RegisterDep, ScopeDep
from kordon.api.schemas.base import PublicModel
from kordon.domain.time import require_utc
from kordon.register.uptime import DeviceUptime

MAX_UPTIME_DAYS = 92


class OutagePublic(PublicModel):
    start: datetime
    end: datetime
    state: str
    detail: str
    ongoing: bool = Field(description="Still down at the end of the window.")


class UptimePublic(PublicModel):
    serial: str
    device_id: str
    since: datetime
    until: datetime
    up_s: float
    down_s: float
    unknown_s: float
    ratio: float | None
    outages: list[OutagePublic]


def _uptime_public(serial: str, u: DeviceUptime) -> UptimePublic:
    return UptimePublic(
        serial=serial,
        device_id=u.device_id,
        since=u.since,
        until=u.until,
        up_s=u.up_s,
        down_s=u.down_s,
        unknown_s=u.unknown_s,
        ratio=u.ratio,
        outages=[
            OutagePublic(
                start=o.start, end=o.end, state=o.state, detail=o.detail, ongoing=o.ongoing
            )
            for o in u.outages
        ],
    )


def router() -> APIRouter:
    """One asset's uptime and outages over a window."""
    r = APIRouter(tags=["register"])

    @r.get(
        "/api/register/assets/{serial}/uptime",
        response_model=UptimePublic,
        dependencies=READ,
        summary="Uptime and outages of a networked asset (from its device's health)",
        responses=responses(403, 404),
    )
    def uptime(
        *,
        serial: str,
        register: RegisterDep,
        scope: ScopeDep,
        context: ContextDep,
        since: Annotated[datetime | None, Query()] = None,
        until: Annotated[datetime | None, Query()] = None,
    ) -> UptimePublic:
        found = register.reader.asset(scope, serial)
        device = found.deployment.device_id if found.deployment is not None else None
        if device is None:
            raise HTTPException(status_code=404, detail=f"asset {serial} is not linked to a device")
        try:
            end = require_utc(until) if until is not None else context.clock()
            start = require_utc(since) if since is not None else end - timedelta(days=7)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        if not timedelta(0) < end - start <= timedelta(days=MAX_UPTIME_DAYS):
            raise HTTPException(
                status_code=422, detail=f"the period must be 0 to {MAX_UPTIME_DAYS} days long"
            )
        found_uptime = [
            u for u in register.queries.uptimes(scope, since=start, until=end) if u.serial == serial
        ]
        if not found_uptime:
            raise HTTPException(status_code=404, detail=f"no uptime for asset {serial}")
        return _uptime_public(serial, found_uptime[0].uptime)

    return r
