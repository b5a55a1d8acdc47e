"""``ScopeGuard``: the one place where objects are checked against the user's sectors.

Every object a route names by id is loaded here; objects outside the user's sectors
answer 404, exactly like unknown ids, so ids outside the scope leak nothing. Each refusal
is audited.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException
from pydantic import JsonValue

from kordon.accounts.users import User
from kordon.api.context import ApiContext
from kordon.api.providers import CameraInfo, ClipInfo, ExportInfo
from kordon.domain.event import Event
from kordon.store.errors import NotFoundError
from kordon.store.incidents import StoredIncident

AuditFn = Callable[[str, str, str, dict[str, JsonValue] | None], None]


class ScopeGuard:
    def __init__(self, context: ApiContext, user: User, audit: AuditFn) -> None:
        self._context = context
        self._user = user
        self._audit = audit

    @property
    def user(self) -> User:
        return self._user

    def sector_filter(self, requested: str | None) -> list[str] | None:
        """Sector ids to filter a listing by (``None``: no filter)."""
        if requested is not None:
            return [requested] if self._user.in_scope(requested) else []
        return list(self._user.sectors) if self._user.sectors else None

    def _not_found(self, what: str, object_id: str, *, out_of_scope: bool) -> HTTPException:
        if out_of_scope:
            self._audit("out_of_scope", f"{what}:{object_id}", "refused", None)
        return HTTPException(status_code=404, detail=f"no {what} with id {object_id!r}")

    def _check(self, what: str, object_id: str, sector_id: str | None) -> None:
        if not self._user.in_scope(sector_id):
            raise self._not_found(what, object_id, out_of_scope=True)

    def incident(self, incident_id: str) -> StoredIncident:
        try:
            stored = self._context.incidents.get(incident_id)
        except NotFoundError:
            raise self._not_found("incident", incident_id, out_of_scope=False) from None
        self._check("incident", incident_id, stored.incident.sector_id)
        return stored

    def event(self, event_id: str) -> Event:
        try:
            event = self._context.events.get(event_id)
        except NotFoundError:
            raise self._not_found("event", event_id, out_of_scope=False) from None
        self._check("event", event_id, event.sector_id)
        return event

    def camera(self, camera_id: str) -> CameraInfo:
        for camera in self._context.cameras.cameras():
            if camera.id == camera_id:
                self._check("camera", camera_id, camera.sector_id)
                return camera
        raise self._not_found("camera", camera_id, out_of_scope=False)

    def camera_visible(self, camera: CameraInfo) -> bool:
        return self._user.in_scope(camera.sector_id)

    def camera_sector(self, camera_id: str) -> str | None:
        for camera in self._context.cameras.cameras():
            if camera.id == camera_id:
                return camera.sector_id
        return None

    def clip(self, clip_id: str) -> ClipInfo:
        info = self._context.clips.clip_info(clip_id)
        if info is None:
            raise self._not_found("clip", clip_id, out_of_scope=False)
        if info.incident_id is not None:
            try:
                self.incident(info.incident_id)
            except HTTPException:
                raise self._not_found("clip", clip_id, out_of_scope=True) from None
        else:
            self._check("clip", clip_id, self.camera_sector(info.camera_id))
        return info

    def export(self, export_id: str) -> ExportInfo:
        info = self._context.exports.export_info(export_id)
        if info is None:
            raise self._not_found("export", export_id, out_of_scope=False)
        try:
            self.incident(info.incident_id)
        except HTTPException:
            raise self._not_found("export", export_id, out_of_scope=True) from None
        return info
