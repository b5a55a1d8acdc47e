"""``/api/clips``, ``/api/exports`` and ``/api/audit``: evidence and its audit trail."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse

from kordon.accounts.roles import Permission
from kordon.api.deps import AuditorDep, ContextDep, CurrentUser, Guard, require
from kordon.api.responses import responses
from kordon.api.schemas.incidents import ExportPublic, ExportRequest
from kordon.api.schemas.site import AuditRecordPublic
from kordon.domain.errors import KordonError


def router() -> APIRouter:
    r = APIRouter(tags=["evidence"])

    @r.get(
        "/api/clips/{clip_id}",
        response_class=FileResponse,
        responses={
            200: {"content": {"video/mp4": {}}},
            206: {"description": "partial content (Range)"},
            **responses(404, 416),
        },
        summary="A clip file (Range requests supported)",
    )
    def clip(clip_id: str, context: ContextDep, guard: Guard, auditor: AuditorDep) -> FileResponse:
        info = guard.clip(clip_id)
        try:
            path = context.clips.open_clip(clip_id)
        except KordonError as exc:
            raise HTTPException(status_code=404, detail=f"clip {clip_id!r}: {exc}") from exc
        if not path.is_file():
            raise HTTPException(status_code=404, detail=f"clip {clip_id!r} has no file")
        auditor.record("view_clip", f"clip:{clip_id}", "ok", {"camera_id": info.camera_id})
        return FileResponse(path, media_type=info.content_type, filename=f"{clip_id}.mp4")

    @r.post(
        "/api/exports",
        response_model=ExportPublic,
        dependencies=[Depends(require(Permission.EXPORT))],
        summary="Create an evidence bundle of an incident",
        responses=responses(403, 404, 409, 413),
    )
    def create_export(
        body: ExportRequest, context: ContextDep, guard: Guard, user: CurrentUser
    ) -> ExportPublic:
        guard.incident(body.incident_id)
        info = context.exports.create_export(
            incident_id=body.incident_id,
            reason=body.reason,
            actor=user.username,
            time=context.clock(),
            masked_video=body.masked_video,
        )
        return ExportPublic(id=info.id, url=f"/api/exports/{info.id}", sha256=info.sha256)

    @r.get(
        "/api/exports/{export_id}",
        response_class=FileResponse,
        responses={200: {"content": {"application/zip": {}}}, **responses(404, 416)},
        summary="An evidence bundle (zip)",
    )
    def export(export_id: str, guard: Guard, auditor: AuditorDep) -> FileResponse:
        info = guard.export(export_id)
        if not info.path.is_file():
            raise HTTPException(status_code=404, detail=f"export {export_id!r} has no file")
        auditor.record("download_export", f"export:{export_id}", "ok", {"sha256": info.sha256})
        return FileResponse(info.path, media_type="application/zip", filename=f"{export_id}.zip")

    @r.get(
        "/api/audit",
        response_model=list[AuditRecordPublic],
        dependencies=[Depends(require(Permission.AUDIT_READ))],
        summary="The audit log, newest first (auditor, admin)",
        responses=responses(403),
    )
    def audit(
        context: ContextDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[AuditRecordPublic]:
        return [AuditRecordPublic.of(rec) for rec in context.audit_reader.recent(limit)]

    return r
