"""``/api/events``: stored events, newest first, within the user's sectors."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from kordon.api.deps import ContextDep, Guard
from kordon.api.responses import responses
from kordon.api.routes.cameras import JPEG
from kordon.api.schemas.events import EventPublic
from kordon.domain.event import EventKind
from kordon.store.errors import NotFoundError


def router() -> APIRouter:
    r = APIRouter(tags=["events"])

    @r.get(
        "/api/events",
        response_model=list[EventPublic],
        summary="Events, newest first",
        responses=responses(404),
    )
    def events(
        *,
        context: ContextDep,
        guard: Guard,
        since: datetime | None = None,
        until: datetime | None = None,
        kind: Annotated[list[EventKind] | None, Query()] = None,
        camera: Annotated[str | None, Query(max_length=128)] = None,
        sector: Annotated[str | None, Query(max_length=128)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        before: Annotated[
            str | None, Query(max_length=64, description="Id of the last event of the last page")
        ] = None,
    ) -> list[EventPublic]:
        sectors = guard.sector_filter(sector)
        if sectors == []:
            return []
        if before is not None:
            guard.event(before)  # a cursor outside the scope is as unknown as a bad one
        try:
            found = context.events.list(
                since=since,
                until=until,
                kinds=kind,
                source_ids=[camera] if camera is not None else None,
                sector_ids=sectors,
                limit=limit,
                before_id=before,
            )
        except NotFoundError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        return [EventPublic.of(e) for e in found]

    @r.get(
        "/api/events/{event_id}",
        response_model=EventPublic,
        summary="One event",
        responses=responses(404),
    )
    def event(event_id: str, guard: Guard) -> EventPublic:
        return EventPublic.of(guard.event(event_id))

    @r.get(
        "/api/events/{event_id}/snapshot.jpg",
        response_class=Response,
        responses={**JPEG, **responses(404)},
        summary="JPEG at the event (privacy masked)",
    )
    def event_snapshot(event_id: str, context: ContextDep, guard: Guard) -> Response:
        guard.event(event_id)
        jpeg = context.snapshots.event_jpeg(event_id)
        if jpeg is None:
            raise HTTPException(status_code=404, detail=f"no snapshot for event {event_id!r}")
        return Response(jpeg, media_type="image/jpeg")

    return r
