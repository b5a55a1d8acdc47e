"""``/api/export/*``: incidents and live site tracks as GeoJSON and KML files.

Incidents are scoped like ``GET /api/incidents`` (the user's sectors); tracks are the
site picture's current fused tracks in the user's sectors. Every export is audited with
what it held and the filters it was asked for.
"""

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import JsonValue

from kordon.accounts.roles import Permission
from kordon.api.deps import AuditorDep, ContextDep, EventCacheDep, Guard, audited_request, require
from kordon.api.responses import Responses, responses
from kordon.api.schemas.incidents import IncidentPublic
from kordon.api.views import incidents_public
from kordon.domain.incident import IncidentStatus
from kordon.domain.live_track import LiveTrack
from kordon.interop.geoexport import (
    IncidentPlace,
    TrackSource,
    incidents_geojson,
    incidents_kml,
    tracks_geojson,
    tracks_kml,
)
from kordon.interop.geoexport.kml import MEDIA_TYPE as KML_MEDIA_TYPE

GEOJSON_MEDIA_TYPE = "application/geo+json"
MAX_INCIDENTS = 10_000

_GEOJSON: Responses = {200: {"content": {GEOJSON_MEDIA_TYPE: {}}, "description": "A GeoJSON file"}}
_KML: Responses = {200: {"content": {KML_MEDIA_TYPE: {}}, "description": "A KML 2.2 file"}}

StatusQuery = Annotated[
    list[IncidentStatus] | None, Query(description="Only incidents in these states.")
]
SectorQuery = Annotated[str | None, Query(max_length=128, description="Only this sector.")]
FromQuery = Annotated[
    datetime | None,
    Query(alias="from", description="Only incidents opened at or after this time (with offset)."),
]
ToQuery = Annotated[
    datetime | None,
    Query(alias="to", description="Only incidents opened before this time (with offset)."),
]
LimitQuery = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_INCIDENTS,
        description="At most this many incidents, newest alert first, before the time filter.",
    ),
]


def _file(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _geojson_bytes(document: dict[str, JsonValue]) -> bytes:
    return json.dumps(document, allow_nan=False, separators=(",", ":")).encode()


def _check_window(start: datetime | None, end: datetime | None) -> None:
    for name, value in (("from", start), ("to", end)):
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise HTTPException(
                status_code=400, detail=f"{name} needs a UTC offset (e.g. 2026-05-04T12:00:00Z)"
            )
    if start is not None and end is not None and start >= end:
        raise HTTPException(status_code=400, detail="from must be before to")


def place_of(view: IncidentPublic) -> IncidentPlace:
    """An incident's public view as the exports see it."""
    located = view.lat is not None and view.lon is not None
    return IncidentPlace(
        id=view.id,
        title=view.title,
        status=str(view.status),
        priority=view.priority,
        opened_at=view.opened_at,
        sector_id=view.sector_id,
        kind=str(view.kind) if view.kind is not None else None,
        class_name=view.class_name,
        direction=str(view.direction) if view.direction is not None else None,
        km_post=view.km_post,
        lat=view.lat if located else None,
        lon=view.lon if located else None,
    )


def session_router(tracks: TrackSource | None) -> APIRouter:
    """:func:`router` behind the session, CSRF and audit dependency and the READ
    permission, ready for ``create_api(context, extra_routers=[...])``."""
    wrapper = APIRouter(
        dependencies=[Depends(audited_request), Depends(require(Permission.READ))],
        responses=responses(401, 403, 503),
    )
    wrapper.include_router(router(tracks))
    return wrapper


def router(tracks: TrackSource | None) -> APIRouter:
    """The export routes, bare; ``tracks`` is the site picture's track source (``None``
    on a node without one: the track exports answer 404)."""
    r = APIRouter(tags=["export"])

    def incident_places(  # noqa: PLR0917 (the routes' query parameters)
        context: ContextDep,
        guard: Guard,
        events: EventCacheDep,
        status: list[IncidentStatus] | None,
        sector: str | None,
        start: datetime | None,
        end: datetime | None,
        limit: int,
    ) -> list[IncidentPlace]:
        _check_window(start, end)
        sectors = guard.sector_filter(sector)
        if sectors == []:
            return []
        found = context.incidents.list(status=status, sector_ids=sectors, limit=limit)
        views = incidents_public(context, found, cache=events)
        return [
            place_of(v)
            for v in views
            if (start is None or v.opened_at >= start) and (end is None or v.opened_at < end)
        ]

    def audit_incidents(  # noqa: PLR0917 (what the audit entry records)
        auditor: AuditorDep,
        filename: str,
        count: int,
        status: list[IncidentStatus] | None,
        sector: str | None,
        start: datetime | None,
        end: datetime | None,
    ) -> None:
        auditor.record(
            "geo_export",
            f"export:{filename}",
            "ok",
            {
                "features": count,
                "status": [str(s) for s in status] if status else None,
                "sector": sector,
                "from": start.isoformat() if start is not None else None,
                "to": end.isoformat() if end is not None else None,
            },
        )

    def site_tracks(guard: Guard) -> list[LiveTrack]:
        if tracks is None:
            raise HTTPException(status_code=404, detail="this node has no site picture")
        return [t for t in tracks.current() if guard.user.in_scope(t.sector_id)]

    @r.get(
        "/api/export/incidents.geojson",
        response_class=Response,
        summary="Incidents as GeoJSON",
        responses={**_GEOJSON, **responses(400)},
    )
    def incidents_as_geojson(  # noqa: PLR0917 (query parameters)
        context: ContextDep,
        guard: Guard,
        events: EventCacheDep,
        auditor: AuditorDep,
        status: StatusQuery = None,
        sector: SectorQuery = None,
        start: FromQuery = None,
        end: ToQuery = None,
        limit: LimitQuery = 1000,
    ) -> Response:
        places = incident_places(context, guard, events, status, sector, start, end, limit)
        body = _geojson_bytes(incidents_geojson(places))
        audit_incidents(auditor, "incidents.geojson", len(places), status, sector, start, end)
        return _file(body, GEOJSON_MEDIA_TYPE, "incidents.geojson")

    @r.get(
        "/api/export/incidents.kml",
        response_class=Response,
        summary="Incidents as KML",
        responses={**_KML, **responses(400)},
    )
    def incidents_as_kml(  # noqa: PLR0917 (query parameters)
        context: ContextDep,
        guard: Guard,
        events: EventCacheDep,
        auditor: AuditorDep,
        status: StatusQuery = None,
        sector: SectorQuery = None,
        start: FromQuery = None,
        end: ToQuery = None,
        limit: LimitQuery = 1000,
    ) -> Response:
        places = incident_places(context, guard, events, status, sector, start, end, limit)
        body = incidents_kml(places)
        audit_incidents(auditor, "incidents.kml", len(places), status, sector, start, end)
        return _file(body, KML_MEDIA_TYPE, "incidents.kml")

    @r.get(
        "/api/export/tracks.geojson",
        response_class=Response,
        summary="Live site tracks as GeoJSON",
        responses={**_GEOJSON, **responses(404)},
    )
    def tracks_as_geojson(guard: Guard, auditor: AuditorDep) -> Response:
        shown = site_tracks(guard)
        body = _geojson_bytes(tracks_geojson(shown))
        auditor.record("geo_export", "export:tracks.geojson", "ok", {"features": len(shown)})
        return _file(body, GEOJSON_MEDIA_TYPE, "tracks.geojson")

    @r.get(
        "/api/export/tracks.kml",
        response_class=Response,
        summary="Live site tracks as KML",
        responses={**_KML, **responses(404)},
    )
    def tracks_as_kml(guard: Guard, auditor: AuditorDep) -> Response:
        shown = site_tracks(guard)
        body = tracks_kml(shown)
        auditor.record("geo_export", "export:tracks.kml", "ok", {"features": len(shown)})
        return _file(body, KML_MEDIA_TYPE, "tracks.kml")

    return r
