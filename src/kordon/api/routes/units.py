"""``/api/units``: the patrol-unit register, and dispatching a unit to an incident.

Reading needs ``read`` and is limited to the user's sectors (units outside them answer 404
like unknown ids). Registering, changing and deleting units is for admins and commanders
(commanders within their sectors); setting a unit's field status for anyone who may act
on incidents, and commanders. Every change is audited twice: the request with its outcome
(``audited_request``) and the unit change itself (``unit.*`` in the evidence ledger).

``POST /api/incidents/{id}/dispatch`` sends a registered unit (``unit_id``): it must be
available unless ``force`` (409 otherwise); ``GET /api/incidents/{id}/units/suggest``
orders the available units, the incident's sector first, then nearest first.

Mounted by the composition root: ``create_api(context, extra_routers=[session_router(...)])``.
"""

from collections.abc import Collection
from datetime import datetime
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import Field, model_validator

from kordon.accounts.roles import Permission, Role, permissions_of
from kordon.accounts.users import User
from kordon.api.deps import (
    AuditorDep,
    ContextDep,
    CurrentUser,
    Guard,
    audited_request,
    require,
)
from kordon.api.responses import responses
from kordon.api.schemas.base import PublicModel, RequestBody
from kordon.api.schemas.incidents import IncidentPublic
from kordon.api.views import incident_public
from kordon.store.incidents import StoredIncident
from kordon.units.model import (
    MAX_CALLSIGN,
    MAX_NAME,
    MAX_UID,
    NewUnit,
    Unit,
    UnitChanges,
    UnitStatus,
)
from kordon.units.service import UnitService
from kordon.units.suggest import Suggestion

UNIT_EDITORS: frozenset[Role] = frozenset({Role.ADMIN, Role.COMMANDER})
"""Roles that may register, change and delete units."""

Note = Annotated[str, Field(max_length=1000)]


class IncidentDispatcher(Protocol):
    """What dispatching needs of the incident service (``IncidentService`` is one)."""

    def dispatch(
        self,
        incident_id: str,
        *,
        actor: str,
        unit_id: str,
        time: datetime,
        expected_version: int,
        note: str = "",
        force: bool = False,
        sectors: Collection[str] | None = None,
    ) -> StoredIncident: ...


# -- schemas -----------------------------------------------------------------------------------


class PositionPublic(PublicModel):
    lat: float
    lon: float
    time: datetime
    source: str


class UnitPublic(PublicModel):
    id: str
    name: str
    callsign: str
    sector_id: str
    status: UnitStatus
    incident_id: str | None = Field(
        description="The incident the unit is bound to while dispatched, on scene or returning."
    )
    cot_uid: str | None
    position: PositionPublic | None = Field(description="The last known position, if any.")
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, unit: Unit) -> "UnitPublic":
        p = unit.position
        return cls(
            id=unit.id,
            name=unit.name,
            callsign=unit.callsign,
            sector_id=unit.sector_id,
            status=unit.status,
            incident_id=unit.incident_id,
            cot_uid=unit.cot_uid,
            position=PositionPublic(lat=p.lat, lon=p.lon, time=p.time, source=p.source)
            if p is not None
            else None,
            updated_at=unit.updated_at,
            version=unit.version,
        )


class SuggestionPublic(PublicModel):
    unit: UnitPublic
    same_sector: bool
    distance_m: float | None = Field(
        description="Straight-line distance from the incident; null without both positions."
    )

    @classmethod
    def of(cls, suggestion: Suggestion) -> "SuggestionPublic":
        d = suggestion.distance_m
        return cls(
            unit=UnitPublic.of(suggestion.unit),
            same_sector=suggestion.same_sector,
            distance_m=round(d, 1) if d is not None else None,
        )


class UnitCreate(RequestBody):
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    callsign: Annotated[str, Field(min_length=1, max_length=MAX_CALLSIGN)]
    sector_id: Annotated[str, Field(min_length=1, max_length=128)]
    status: UnitStatus = UnitStatus.AVAILABLE
    cot_uid: Annotated[str | None, Field(min_length=1, max_length=MAX_UID)] = None


class UnitUpdate(RequestBody):
    """Fields to change; absent fields are kept, ``"cot_uid": null`` removes the CoT uid."""

    name: Annotated[str | None, Field(min_length=1, max_length=MAX_NAME)] = None
    callsign: Annotated[str | None, Field(min_length=1, max_length=MAX_CALLSIGN)] = None
    sector_id: Annotated[str | None, Field(min_length=1, max_length=128)] = None
    cot_uid: Annotated[str | None, Field(min_length=1, max_length=MAX_UID)] = None

    def changes(self) -> UnitChanges:
        return UnitChanges(
            name=self.name,
            callsign=self.callsign,
            sector_id=self.sector_id,
            cot_uid=self.cot_uid,
            clear_cot_uid="cot_uid" in self.model_fields_set and self.cot_uid is None,
        )


class UnitStatusRequest(RequestBody):
    status: UnitStatus
    note: Note = ""


class UnitDispatchRequest(RequestBody):
    unit_id: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="A registered unit (GET /api/units or /api/incidents/{id}/units/suggest)."
    )
    force: Annotated[bool, Field(strict=True)] = Field(
        default=False,
        description="Take the unit even if it is not available (not when out of service).",
    )
    note: Annotated[str, Field(max_length=4000)] = ""

    @model_validator(mode="before")
    @classmethod
    def _no_free_text(cls, data: object) -> object:
        if isinstance(data, dict) and "unit" in data and "unit_id" not in data:
            raise ValueError(
                "'unit' (free text) is no longer accepted: name a registered unit by its "
                "'unit_id' (see GET /api/units)"
            )
        return data


# -- routes ------------------------------------------------------------------------------------


def _scope(user: User) -> list[str] | None:
    return list(user.sectors) if user.sectors else None


def _refuse(auditor: AuditorDep, request: Request, user: User, needs: str) -> HTTPException:
    auditor.record(
        "forbidden",
        f"{request.method} {request.url.path}",
        "refused",
        {"role": str(user.role), "needs": needs},
    )
    return HTTPException(status_code=403, detail=f"role {user.role} may not do this ({needs})")


def require_unit_editor(user: CurrentUser, auditor: AuditorDep, request: Request) -> None:
    """Admins and commanders manage the register (403, audited, for anyone else)."""
    if user.role not in UNIT_EDITORS:
        raise _refuse(auditor, request, user, "admin or commander")


def require_unit_reporter(user: CurrentUser, auditor: AuditorDep, request: Request) -> None:
    """Field status: whoever may act on incidents, and commanders."""
    if user.role not in UNIT_EDITORS and Permission.INCIDENT_ACT not in permissions_of(user.role):
        raise _refuse(auditor, request, user, f"{Permission.INCIDENT_ACT} or commander")


def session_router(units: UnitService, incidents: IncidentDispatcher) -> APIRouter:
    """:func:`router` behind the session, CSRF, audit and ``read`` dependencies of the
    site routes, ready for ``create_api(context, extra_routers=[...])``."""
    wrapper = APIRouter(
        dependencies=[Depends(audited_request), Depends(require(Permission.READ))],
        responses=responses(401, 403, 503),
    )
    wrapper.include_router(router(units, incidents))
    return wrapper


def router(units: UnitService, incidents: IncidentDispatcher) -> APIRouter:
    """The unit routes, bare: include them behind the site routes' dependencies (or use
    :func:`session_router`)."""
    r = APIRouter()
    editor = [Depends(require_unit_editor)]
    reporter = [Depends(require_unit_reporter)]

    @r.get("/api/units", response_model=list[UnitPublic], summary="Patrol units", tags=["units"])
    def list_units(
        *,
        guard: Guard,
        sector: Annotated[str | None, Query(max_length=128)] = None,
        status: Annotated[list[UnitStatus] | None, Query()] = None,
    ) -> list[UnitPublic]:
        sectors = guard.sector_filter(sector)
        if sectors == []:
            return []
        return [UnitPublic.of(u) for u in units.list(sector_ids=sectors, statuses=status)]

    @r.get(
        "/api/units/{unit_id}",
        response_model=UnitPublic,
        tags=["units"],
        summary="One unit",
        responses=responses(404),
    )
    def get_unit(unit_id: str, user: CurrentUser) -> UnitPublic:
        return UnitPublic.of(units.get(unit_id, sectors=_scope(user)))

    @r.post(
        "/api/units",
        response_model=UnitPublic,
        status_code=201,
        tags=["units"],
        summary="Register a unit",
        dependencies=editor,
        responses=responses(409, 413),
    )
    def create_unit(body: UnitCreate, context: ContextDep, user: CurrentUser) -> UnitPublic:
        new = NewUnit(
            name=body.name,
            callsign=body.callsign,
            sector_id=body.sector_id,
            status=body.status,
            cot_uid=body.cot_uid,
        )
        unit = units.create(new, actor=user.username, time=context.clock(), sectors=_scope(user))
        return UnitPublic.of(unit)

    @r.patch(
        "/api/units/{unit_id}",
        response_model=UnitPublic,
        tags=["units"],
        summary="Change a unit",
        dependencies=editor,
        responses=responses(404, 409, 413),
    )
    def update_unit(
        unit_id: str, body: UnitUpdate, context: ContextDep, user: CurrentUser
    ) -> UnitPublic:
        unit = units.update(
            unit_id,
            body.changes(),
            actor=user.username,
            time=context.clock(),
            sectors=_scope(user),
        )
        return UnitPublic.of(unit)

    @r.delete(
        "/api/units/{unit_id}",
        status_code=204,
        tags=["units"],
        summary="Delete a unit",
        dependencies=editor,
        responses=responses(404, 409),
    )
    def delete_unit(unit_id: str, context: ContextDep, user: CurrentUser) -> Response:
        units.delete(unit_id, actor=user.username, time=context.clock(), sectors=_scope(user))
        return Response(status_code=204)

    @r.post(
        "/api/units/{unit_id}/status",
        response_model=UnitPublic,
        tags=["units"],
        summary="Set a unit's field status",
        dependencies=reporter,
        responses=responses(404, 409, 413),
    )
    def set_status(
        unit_id: str, body: UnitStatusRequest, context: ContextDep, user: CurrentUser
    ) -> UnitPublic:
        unit = units.set_status(
            unit_id,
            body.status,
            actor=user.username,
            time=context.clock(),
            note=body.note,
            sectors=_scope(user),
        )
        return UnitPublic.of(unit)

    @r.post(
        "/api/incidents/{incident_id}/dispatch",
        response_model=IncidentPublic,
        tags=["incidents"],
        summary="Dispatch a registered unit to an incident",
        dependencies=[Depends(require(Permission.INCIDENT_ACT))],
        responses=responses(404, 409, 413),
    )
    def dispatch(
        incident_id: str,
        body: UnitDispatchRequest,
        context: ContextDep,
        guard: Guard,
        user: CurrentUser,
    ) -> IncidentPublic:
        stored = guard.incident(incident_id)
        dispatched = incidents.dispatch(
            incident_id,
            actor=user.username,
            unit_id=body.unit_id,
            time=context.clock(),
            expected_version=stored.version,
            note=body.note,
            force=body.force,
            sectors=_scope(user),
        )
        return incident_public(context, dispatched)

    @r.get(
        "/api/incidents/{incident_id}/units/suggest",
        response_model=list[SuggestionPublic],
        tags=["incidents"],
        summary="Available units for an incident, best first",
        description=(
            "Available units within your sectors: the incident's sector first, then by "
            "straight-line distance from the incident to each unit's last known position "
            "(units without a position last, by callsign)."
        ),
        responses=responses(404),
    )
    def suggest(
        incident_id: str, context: ContextDep, guard: Guard, user: CurrentUser
    ) -> list[SuggestionPublic]:
        view = incident_public(context, guard.incident(incident_id))
        found = units.suggest(
            sector_id=view.sector_id, lat=view.lat, lon=view.lon, sectors=_scope(user)
        )
        return [SuggestionPublic.of(s) for s in found]

    return r
