"""The centre's evidence routes: an outpost's clip or export, pulled on demand.

``GET /api/central/incidents/{incident_id}/clips`` lists the clips the outpost has of the
incident (202 while it is asked, then 200 with each clip and its URL at the centre; the
listing is kept 30 s). ``GET /api/central/incidents/{incident_id}/clips/{clip_id}`` and
``GET /api/central/incidents/{incident_id}/exports/{export_id}``: the incident (in the
user's sector scope) names its outpost (the ``edge_id`` its events arrived with). The
first request starts the pull (``kordon.central.evidence_pull``), later ones join it:
**202** with the transfer's progress while it travels, **200** with the file once received
whole and its sha256 verified (the same file the outpost serves), **404** when the outpost
does not have it or the pull failed (``?retry=true`` starts it again). Every access is
audited (``view_clip`` / ``download_export``: ``pending``, ``ok`` or ``failed``), and the
puller records each pull (``evidence.pull``) under the requesting user.

No ``from __future__ import annotations`` here: FastAPI resolves the dependency aliases at
definition time.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel

from kordon.accounts.roles import Permission
from kordon.api.deps import AuditorDep, ContextDep, CurrentUser, Guard, audited_request, require
from kordon.api.responses import responses
from kordon.central.evidence_pull import EvidencePuller, PullRefusedError
from kordon.central.evidence_transfers import TransferState
from kordon.central.outposts import incident_edge
from kordon.link.evidence_wire import EvidenceKind


class EvidencePullPublic(BaseModel):
    """A pull under way (or failed)."""

    transfer_id: str
    edge_id: str
    kind: EvidenceKind
    item_id: str
    incident_id: str | None
    state: TransferState
    received: int
    size: int | None
    sha256: str | None
    error: str | None


class PulledClipPublic(BaseModel):
    """A clip the outpost has of the incident, and where the centre serves it."""

    id: str
    camera_id: str
    start: datetime
    end: datetime
    around_event_id: str | None
    default: bool
    url: str


class ClipListingPending(BaseModel):
    edge_id: str
    incident_id: str
    state: Literal["asking"] = "asking"


_ACTIONS = {EvidenceKind.CLIP: "view_clip", EvidenceKind.EXPORT: "download_export"}


def central_evidence_router(puller: Callable[[], EvidencePuller]) -> APIRouter:
    router = APIRouter(
        tags=["central"],
        dependencies=[Depends(audited_request), Depends(require(Permission.READ))],
    )

    def serve(  # noqa: PLR0917 (one helper for both routes)
        kind: EvidenceKind,
        incident_id: str,
        item_id: str,
        retry: bool,
        context: ContextDep,
        guard: Guard,
        user: CurrentUser,
        auditor: AuditorDep,
    ) -> Response:
        stored = guard.incident(incident_id)
        edge_id = incident_edge(context.events, stored)
        if edge_id is None:
            raise HTTPException(409, detail=f"incident {incident_id!r} came from no outpost")
        subject = f"{kind}:{item_id}"
        pulls = puller()
        status = pulls.status(edge_id, kind, item_id)
        state = None if status.transfer is None else status.transfer.state
        failed = state is TransferState.FAILED
        # Never asked, or received but its file is gone (logged by status()): pull it.
        if status.file is None and (state in {None, TransferState.DONE} or (failed and retry)):
            try:
                status = pulls.request(
                    edge_id, kind, item_id, incident_id=incident_id, actor=user.username
                )
            except PullRefusedError as exc:
                raise HTTPException(400, detail=str(exc)) from exc
        if status.file is not None and status.path is not None:
            if status.file.incident_id not in {None, incident_id}:
                raise HTTPException(404, detail=f"{kind} {item_id!r} is not this incident's")
            auditor.record(
                _ACTIONS[kind], subject, "ok", {"edge_id": edge_id, "sha256": status.file.sha256}
            )
            return FileResponse(
                status.path, media_type=status.file.content_type, filename=status.file.name
            )
        transfer = status.transfer
        assert transfer is not None  # requested above
        if transfer.state is TransferState.FAILED:
            auditor.record(_ACTIONS[kind], subject, "failed", {"edge_id": edge_id})
            raise HTTPException(
                404, detail=f"{kind} {item_id!r} from {edge_id}: {transfer.error or 'failed'}"
            )
        auditor.record(
            _ACTIONS[kind],
            subject,
            "pending",
            {"edge_id": edge_id, "received": transfer.received},
        )
        body = EvidencePullPublic(
            transfer_id=transfer.transfer_id,
            edge_id=transfer.edge_id,
            kind=transfer.kind,
            item_id=transfer.item_id,
            incident_id=transfer.incident_id,
            state=transfer.state,
            received=transfer.received,
            size=transfer.size,
            sha256=transfer.sha256,
            error=transfer.error,
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=202)

    retry_query = Query(description="Start again after a failed pull.")

    @router.get(
        "/api/central/incidents/{incident_id}/clips",
        response_model=list[PulledClipPublic],
        responses={
            202: {"model": ClipListingPending, "description": "the outpost is being asked"},
            **responses(404, 409),
        },
        summary="The clips an outpost has of an incident",
    )
    def clips(incident_id: str, context: ContextDep, guard: Guard) -> Response:
        stored = guard.incident(incident_id)
        edge_id = incident_edge(context.events, stored)
        if edge_id is None:
            raise HTTPException(409, detail=f"incident {incident_id!r} came from no outpost")
        listing = puller().listings.get(edge_id, incident_id)
        if listing is None:
            pending = ClipListingPending(edge_id=edge_id, incident_id=incident_id)
            return JSONResponse(pending.model_dump(mode="json"), status_code=202)
        if listing.error is not None:
            raise HTTPException(404, detail=f"incident {incident_id!r}: {listing.error}")
        base = f"/api/central/incidents/{incident_id}/clips"
        listed = [
            PulledClipPublic(
                id=c.id,
                camera_id=c.camera_id,
                start=c.start,
                end=c.end,
                around_event_id=c.around_event_id,
                default=c.default,
                url=f"{base}/{c.id}",
            ).model_dump(mode="json")
            for c in listing.clips
        ]
        return JSONResponse(listed)

    @router.get(
        "/api/central/incidents/{incident_id}/clips/{clip_id}",
        response_class=FileResponse,
        responses={
            200: {"content": {"video/mp4": {}}},
            202: {"model": EvidencePullPublic, "description": "on its way from the outpost"},
            **responses(404, 409),
        },
        summary="An outpost's clip, pulled on demand",
    )
    def clip(  # noqa: PLR0917
        incident_id: str,
        clip_id: str,
        context: ContextDep,
        guard: Guard,
        user: CurrentUser,
        auditor: AuditorDep,
        retry: Annotated[bool, retry_query] = False,
    ) -> Response:
        return serve(EvidenceKind.CLIP, incident_id, clip_id, retry, context, guard, user, auditor)

    @router.get(
        "/api/central/incidents/{incident_id}/exports/{export_id}",
        response_class=FileResponse,
        responses={
            200: {"content": {"application/zip": {}}},
            202: {"model": EvidencePullPublic, "description": "on its way from the outpost"},
            **responses(404, 409),
        },
        summary="An outpost's evidence bundle, pulled on demand",
    )
    def export(  # noqa: PLR0917
        incident_id: str,
        export_id: str,
        context: ContextDep,
        guard: Guard,
        user: CurrentUser,
        auditor: AuditorDep,
        retry: Annotated[bool, retry_query] = False,
    ) -> Response:
        return serve(
            EvidenceKind.EXPORT, incident_id, export_id, retry, context, guard, user, auditor
        )

    return router
