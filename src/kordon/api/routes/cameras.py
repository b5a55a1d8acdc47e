"""``/api/cameras`` and ``/api/devices``."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response

from kordon.api.deps import ContextDep, CurrentUser, Guard
from kordon.api.responses import responses
from kordon.api.schemas.site import CameraPublic, DeviceStatusPublic

JPEG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}}, "description": "JPEG image"}
}


def router() -> APIRouter:
    r = APIRouter(tags=["cameras"])

    @r.get("/api/cameras", response_model=list[CameraPublic], summary="Cameras in scope")
    def cameras(context: ContextDep, guard: Guard) -> list[CameraPublic]:
        statuses = {s.device_id: s for s in context.devices.latest()}
        return [
            CameraPublic.of(c, statuses.get(c.id))
            for c in context.cameras.cameras()
            if guard.camera_visible(c)
        ]

    @r.get(
        "/api/cameras/{camera_id}",
        response_model=CameraPublic,
        summary="One camera",
        responses=responses(404),
    )
    def camera(camera_id: str, context: ContextDep, guard: Guard) -> CameraPublic:
        info = guard.camera(camera_id)
        statuses = {s.device_id: s for s in context.devices.latest()}
        return CameraPublic.of(info, statuses.get(info.id))

    @r.get(
        "/api/cameras/{camera_id}/snapshot.jpg",
        response_class=Response,
        responses={**JPEG, **responses(404)},
        summary="Latest frame (privacy masked)",
    )
    def snapshot(
        camera_id: str,
        context: ContextDep,
        guard: Guard,
        overlay: Annotated[bool, Query()] = False,
    ) -> Response:
        guard.camera(camera_id)
        jpeg = context.snapshots.latest_jpeg(camera_id, overlay)
        if jpeg is None:
            raise HTTPException(status_code=404, detail=f"no frame yet from camera {camera_id!r}")
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    @r.get("/api/devices", response_model=list[DeviceStatusPublic], summary="Device health")
    def devices(context: ContextDep, user: CurrentUser) -> list[DeviceStatusPublic]:
        sectors = {c.id: c.sector_id for c in context.cameras.cameras()}
        return [
            DeviceStatusPublic.of(s)
            for s in context.devices.latest()
            if user.in_scope(sectors.get(s.device_id))
        ]

    return r
