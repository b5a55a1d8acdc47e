"""``/api/incidents``: listing, detail, lifecycle actions, notes and clips.

Dispatching (``POST /api/incidents/{id}/dispatch``, a registered unit) and the unit
suggestion live with the unit register, in :mod:`kordon.api.routes.units`.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import TypeAdapter

from kordon.accounts.roles import Permission
from kordon.api.clip_views import clip_public, crossing_clip_public
from kordon.api.deps import ContextDep, CurrentUser, EventCacheDep, Guard, require
from kordon.api.responses import Responses, responses
from kordon.api.schemas.incidents import (
    AddNoteRequest,
    ClipPublic,
    IncidentPublic,
    NoteOnlyRequest,
    ResolveRequest,
)
from kordon.api.views import incident_public, incidents_public
from kordon.domain.incident import IncidentStatus

INCIDENT_LIST = TypeAdapter(list[IncidentPublic])

ACTION: Responses = responses(403, 404, 409, 413)
"""Lifecycle actions: CSRF or role (403), unknown or out of scope (404), refused (409)."""


def router() -> APIRouter:
    r = APIRouter(tags=["incidents"])
    act = [Depends(require(Permission.INCIDENT_ACT))]

    @r.get("/api/incidents", response_model=list[IncidentPublic], summary="Incidents")
    def incidents(
        *,
        context: ContextDep,
        guard: Guard,
        events: EventCacheDep,
        status: Annotated[list[IncidentStatus] | None, Query()] = None,
        sector: Annotated[str | None, Query(max_length=128)] = None,
        priority: Annotated[int | None, Query(ge=1, le=5)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response:
        sectors = guard.sector_filter(sector)
        if sectors == []:
            return Response(b"[]", media_type="application/json")
        found = context.incidents.list(
            status=status, sector_ids=sectors, priority=priority, limit=limit
        )
        # Serialised once by pydantic (FastAPI would dump, re-validate and dump each model
        # again); the OpenAPI document still names the response model.
        return Response(
            INCIDENT_LIST.dump_json(incidents_public(context, found, cache=events)),
            media_type="application/json",
        )

    @r.get(
        "/api/incidents/{incident_id}",
        response_model=IncidentPublic,
        summary="One incident",
        responses=responses(404),
    )
    def incident(incident_id: str, context: ContextDep, guard: Guard) -> IncidentPublic:
        return incident_public(context, guard.incident(incident_id))

    @r.post(
        "/api/incidents/{incident_id}/acknowledge",
        response_model=IncidentPublic,
        dependencies=act,
        responses=ACTION,
    )
    def acknowledge(
        incident_id: str,
        body: NoteOnlyRequest,
        context: ContextDep,
        guard: Guard,
        user: CurrentUser,
    ) -> IncidentPublic:
        guard.incident(incident_id)
        stored = context.incident_actions.acknowledge(
            incident_id, actor=user.username, note=body.note, time=context.clock()
        )
        return incident_public(context, stored)

    @r.post(
        "/api/incidents/{incident_id}/resolve",
        response_model=IncidentPublic,
        dependencies=act,
        responses=ACTION,
    )
    def resolve(
        incident_id: str, body: ResolveRequest, context: ContextDep, guard: Guard, user: CurrentUser
    ) -> IncidentPublic:
        guard.incident(incident_id)
        stored = context.incident_actions.resolve(
            incident_id,
            actor=user.username,
            resolution=body.resolution,
            note=body.note,
            time=context.clock(),
        )
        return incident_public(context, stored)

    @r.post(
        "/api/incidents/{incident_id}/close",
        response_model=IncidentPublic,
        dependencies=[Depends(require(Permission.INCIDENT_CLOSE))],
        responses=ACTION,
    )
    def close(
        incident_id: str,
        body: NoteOnlyRequest,
        context: ContextDep,
        guard: Guard,
        user: CurrentUser,
    ) -> IncidentPublic:
        guard.incident(incident_id)
        stored = context.incident_actions.close(
            incident_id, actor=user.username, note=body.note, time=context.clock()
        )
        return incident_public(context, stored)

    @r.post(
        "/api/incidents/{incident_id}/notes",
        response_model=IncidentPublic,
        dependencies=act,
        responses=ACTION,
    )
    def add_note(
        incident_id: str, body: AddNoteRequest, context: ContextDep, guard: Guard, user: CurrentUser
    ) -> IncidentPublic:
        guard.incident(incident_id)
        stored = context.incident_actions.add_note(
            incident_id, actor=user.username, text=body.text, time=context.clock()
        )
        return incident_public(context, stored)

    @r.get(
        "/api/incidents/{incident_id}/clips",
        response_model=list[ClipPublic],
        summary="Video clips of an incident",
        description="One clip per camera around each crossing (pre-roll before it to "
        "post-roll after it; `around` names the crossing and its offset in the clip), then "
        "one per camera of the whole incident. `around=<event id>` lists only the clips "
        "around that event of the incident. A clip appears once its post-roll is recorded.",
        responses=responses(404),
    )
    def clips(
        incident_id: str,
        context: ContextDep,
        guard: Guard,
        around: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=64,
                description="An event of the incident: list only the clips around it.",
            ),
        ] = None,
    ) -> list[ClipPublic]:
        guard.incident(incident_id)
        provider = context.clips
        if around is not None:
            return [
                crossing_clip_public(c)
                for c in provider.crossing_clips(incident_id, event_id=around)
            ]
        listed = provider.crossing_clips(incident_id)
        whole = [clip_public(c) for c in provider.clips_for_incident(incident_id)]
        if not any(c.default for c in listed) and whole:
            whole[0] = whole[0].model_copy(update={"default": True})
        return [*(crossing_clip_public(c) for c in listed), *whole]

    return r
