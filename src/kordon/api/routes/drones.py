"""``/api/drones``: the drones' live states, and tasking them — plan, then confirm.

- ``GET /api/drones``: each drone's latest telemetry (``read``).
- ``POST /api/incidents/{id}/drone-cue`` ``{drone_id}``: "send drone": a short mission from
  where the drone is to look at the incident from the home side;
  ``POST /api/drones/{drone_id}/patrol`` ``{sector_id}``: the sector's border patrol. Both
  only **plan**: the answer is the mission (items, route, altitude, loiter, closest
  approach to the border) and a single-use confirmation token with its expiry; nothing is
  sent to the vehicle.
- ``POST /api/drones/{drone_id}/missions/confirm`` ``{token}`` uploads the planned mission
  over the MAVLink mission protocol and answers when the vehicle has acknowledged it;
  ``.../missions/cancel`` drops it.
- ``GET /api/drones/patrols/{sector_id}/mission.plan`` (QGroundControl JSON) or
  ``.../mission.waypoints`` (MAVLink WPL 110): the sector's patrol mission as a patrol plan
  uploads it, for a ground station (audited as ``drone.export``).

Planning and confirming need ``incident_act`` (as dispatching does) and the user's sector
scope: a cue's incident, a patrol's sector (404 outside it, like unknown ids, audited).
Refusals: unknown drone, incident or sector 404; a drone without a position, with its
link lost, replaying a log or busy with another upload 409; a used, expired, cancelled or
other drone's token 409; a mission that would cross the border or come within its
buffer, or an incident out of reach from the home side, 422; the vehicle silent 504;
the vehicle refusing the mission 502. Nothing is uploaded on any refusal. Each plan,
upload and refusal is audited (``drone.plan``, ``drone.upload``, with the drone, the
incident or sector and a fingerprint of the token, never the token), besides the request
record every state-changing route gets.

Mounted by the composition root: ``create_api(context, extra_routers=[session_router(...)])``.
"""

import hashlib
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Response
from pydantic import Field, JsonValue

from kordon.accounts.roles import Permission
from kordon.api.deps import Auditor, AuditorDep, ContextDep, Guard, audited_request, require
from kordon.api.responses import ErrorPublic, Responses, responses
from kordon.api.schemas.base import PublicModel, RequestBody
from kordon.api.schemas.drones import DronePublic
from kordon.api.views import incident_public
from kordon.drones.tasking import (
    Binding,
    DroneTaskingService,
    DroneUnavailableError,
    MissionKind,
    PlannedMission,
    PlanRefusedError,
    TaskingError,
    TokenRefusedError,
    UnknownDroneError,
    VehicleRefusedError,
    VehicleTimeoutError,
)
from kordon.interop.missions.model import Command, MissionItem
from kordon.interop.missions.plan_file import dump_plan
from kordon.interop.missions.wpl_file import dump_wpl

DroneId = Annotated[str, Field(min_length=1, max_length=64)]


def _error(status: int, description: str) -> Responses:
    return {status: {"description": description, "model": ErrorPublic}}


PLAN: Responses = {
    **responses(403, 404, 409, 413),
    **_error(422, "The mission would cross the border or its buffer, or no safe one exists"),
}
CONFIRM: Responses = {
    **PLAN,
    **_error(502, "The vehicle refused the mission (or its link closed); nothing flies"),
    **_error(504, "The vehicle did not answer the upload in time; it was cancelled"),
}


# -- schemas -----------------------------------------------------------------------------------


class DroneCueRequest(RequestBody):
    drone_id: DroneId = Field(description="The drone to send (GET /api/drones).")


class DronePatrolRequest(RequestBody):
    sector_id: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        description="A sector along the border (GET /api/site/sectors)."
    )


class MissionTokenRequest(RequestBody):
    token: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        description="The token of the planned mission."
    )


class MissionItemPublic(PublicModel):
    """One uploaded item: ``seq`` as sent (0 is the home position, not listed), the MAVLink
    command's name, its position (a waypoint, or where the camera looks for a
    ``DO_SET_ROI_LOCATION``), altitude above home, hold time of a loiter, speed set."""

    seq: int
    command: str
    lat: float | None
    lon: float | None
    alt_m: float | None
    hold_s: float | None
    speed_mps: float | None

    @classmethod
    def of(cls, seq: int, item: MissionItem) -> "MissionItemPublic":
        try:
            name = Command(item.command).name
        except ValueError:
            name = str(item.command)
        located = item.has_position or (
            item.command == Command.DO_SET_ROI_LOCATION and not (item.lat == 0 == item.lon)
        )
        p = item.params
        return cls(
            seq=seq,
            command=name,
            lat=item.lat if located else None,
            lon=item.lon if located else None,
            alt_m=item.alt_m if item.has_position and item.alt_m == item.alt_m else None,
            hold_s=p[0] if item.command == Command.NAV_LOITER_TIME else None,
            speed_mps=p[1] if item.command == Command.DO_CHANGE_SPEED else None,
        )


class LoiterPublic(PublicModel):
    """Where a cue watches from: the loiter point, its radius and time, the stand-off
    from the incident, and whether the incident lies across a border."""

    lat: float
    lon: float
    radius_m: float
    seconds: float
    standoff_m: float
    incident_across: bool


class MissionPlanPublic(PublicModel):
    """A planned mission waiting for confirmation (nothing is uploaded yet)."""

    token: str = Field(description="Single-use: confirm with it before expires_at.")
    expires_at: datetime
    expires_in_s: float
    drone_id: str
    kind: MissionKind
    incident_id: str | None
    sector_id: str | None
    start: list[float] = Field(description="[lon, lat] where the drone is: the flight starts here.")
    home: list[float] | None = Field(description="[lon, lat] where it returns to; null unknown.")
    target: list[float] | None = Field(description="[lon, lat] of the incident (a cue).")
    route: list[list[float]] = Field(description="The path as flown, [lon, lat] points.")
    items: list[MissionItemPublic]
    waypoints: int
    altitude_m: float = Field(description="Cruise altitude above home.")
    speed_mps: float
    path_length_m: float
    duration_s: float = Field(description="Estimated flight time, loiter included.")
    border_clearance_m: float = Field(description="The path's closest approach to a border.")
    buffer_m: float = Field(description="The distance every mission keeps from a border.")
    offset_m: float | None = Field(
        description="A patrol's distance inland from the border (on the home side); null: a cue."
    )
    loiter: LoiterPublic | None

    @classmethod
    def of(
        cls, plan: PlannedMission, now: datetime, *, offset_m: float | None = None
    ) -> "MissionPlanPublic":
        cue = plan.cue
        return cls(
            token=plan.token,
            expires_at=now + timedelta(seconds=plan.ttl_s),
            expires_in_s=round(plan.ttl_s, 1),
            drone_id=plan.drone_id,
            kind=plan.kind,
            incident_id=plan.incident_id,
            sector_id=plan.sector_id,
            start=[plan.start_latlon[1], plan.start_latlon[0]],
            home=[plan.home_latlon[1], plan.home_latlon[0]] if plan.home_latlon else None,
            target=[cue.incident_latlon[1], cue.incident_latlon[0]] if cue else None,
            route=[[lon, lat] for lat, lon in plan.path_latlon],
            items=[MissionItemPublic.of(i + 1, item) for i, item in enumerate(plan.mission.items)],
            waypoints=plan.summary.waypoints,
            altitude_m=plan.altitude_m,
            speed_mps=plan.speed_mps,
            path_length_m=round(plan.path_length_m, 1),
            duration_s=round(plan.duration_s, 1),
            border_clearance_m=round(plan.border_clearance_m, 1),
            buffer_m=plan.buffer_m,
            offset_m=offset_m,
            loiter=LoiterPublic(
                lat=cue.loiter_latlon[0],
                lon=cue.loiter_latlon[1],
                radius_m=cue.loiter_radius_m,
                seconds=cue.loiter_s,
                standoff_m=round(cue.standoff_m, 1),
                incident_across=cue.incident_across,
            )
            if cue
            else None,
        )


class MissionUploadPublic(PublicModel):
    """An uploaded mission, acknowledged by the vehicle."""

    drone_id: str
    kind: MissionKind
    incident_id: str | None
    sector_id: str | None
    items: int = Field(description="MAVLink items sent, the home position included.")
    resent: int = Field(description="Messages sent again after a timeout.")
    elapsed_s: float
    uploaded_at: datetime


# -- routes ------------------------------------------------------------------------------------


def fingerprint(token: str) -> str:
    """A short, non-reversible name of a token for the audit log."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def _status(exc: TaskingError) -> int:
    if isinstance(exc, UnknownDroneError):
        return 404
    if isinstance(exc, DroneUnavailableError | TokenRefusedError):
        return 409
    if isinstance(exc, PlanRefusedError):
        return 422
    if isinstance(exc, VehicleTimeoutError):
        return 504
    if isinstance(exc, VehicleRefusedError):
        return 502
    return 400


def _refused(
    auditor: Auditor,
    action: str,
    drone_id: str,
    exc: TaskingError,
    details: dict[str, JsonValue],
) -> HTTPException:
    status = _status(exc)
    if isinstance(exc, PlanRefusedError) and exc.violations:
        details = {**details, "violations": [str(v) for v in exc.violations[:10]]}
    auditor.record(
        action, f"drone:{drone_id}", f"refused {status}", {**details, "reason": str(exc)[:500]}
    )
    return HTTPException(status_code=status, detail=str(exc))


def _plan_details(plan: PlannedMission) -> dict[str, JsonValue]:
    return {
        "kind": str(plan.kind),
        "incident_id": plan.incident_id,
        "sector_id": plan.sector_id,
        "plan": fingerprint(plan.token),
        "waypoints": plan.summary.waypoints,
        "items": plan.summary.items,
        "altitude_m": plan.altitude_m,
        "border_clearance_m": round(plan.border_clearance_m, 1),
        "buffer_m": plan.buffer_m,
        "start": [plan.start_latlon[1], plan.start_latlon[0]],
    }


def session_router(tasking: DroneTaskingService) -> APIRouter:
    """:func:`router` behind the session, CSRF, audit and ``read`` dependencies of the
    site routes, ready for ``create_api(context, extra_routers=[...])``."""
    wrapper = APIRouter(
        dependencies=[Depends(audited_request), Depends(require(Permission.READ))],
        responses=responses(401, 403, 503),
    )
    wrapper.include_router(router(tasking))
    return wrapper


def router(tasking: DroneTaskingService) -> APIRouter:
    """The drone routes, bare (see :func:`session_router`)."""
    r = APIRouter(tags=["drones"])
    act = [Depends(require(Permission.INCIDENT_ACT))]

    def _sector_in_scope(sector_id: str, guard: Guard, auditor: Auditor) -> None:
        """An unknown sector, or one outside the user's scope (audited): 404 alike."""
        if sector_id not in tasking.sector_ids or not guard.user.in_scope(sector_id):
            if sector_id in tasking.sector_ids:
                auditor.record("out_of_scope", f"sector:{sector_id}", "refused")
            raise HTTPException(status_code=404, detail=f"no sector with id {sector_id!r}")

    @r.get("/api/drones", response_model=list[DronePublic], summary="Drones")
    def drones() -> list[DronePublic]:
        return [DronePublic.of(state) for state in tasking.states()]

    @r.post(
        "/api/incidents/{incident_id}/drone-cue",
        response_model=MissionPlanPublic,
        tags=["incidents"],
        summary="Plan a drone cue to an incident (confirm to upload)",
        dependencies=act,
        responses=PLAN,
    )
    def plan_cue(
        incident_id: str,
        body: DroneCueRequest,
        context: ContextDep,
        guard: Guard,
        auditor: AuditorDep,
    ) -> MissionPlanPublic:
        view = incident_public(context, guard.incident(incident_id))
        details: dict[str, JsonValue] = {"kind": "cue", "incident_id": incident_id}
        try:
            if view.lat is None or view.lon is None:
                raise DroneUnavailableError(f"incident {incident_id!r} has no position")
            plan = tasking.plan_cue(
                drone_id=body.drone_id,
                incident_id=incident_id,
                incident_lat=view.lat,
                incident_lon=view.lon,
            )
        except TaskingError as exc:
            raise _refused(auditor, "drone.plan", body.drone_id, exc, details) from exc
        auditor.record("drone.plan", f"drone:{body.drone_id}", "ok", _plan_details(plan))
        return MissionPlanPublic.of(plan, context.clock())

    @r.post(
        "/api/drones/{drone_id}/patrol",
        response_model=MissionPlanPublic,
        summary="Plan a sector patrol for a drone (confirm to upload)",
        dependencies=act,
        responses=PLAN,
    )
    def plan_patrol(
        drone_id: str,
        body: DronePatrolRequest,
        context: ContextDep,
        guard: Guard,
        auditor: AuditorDep,
    ) -> MissionPlanPublic:
        sector_id = body.sector_id
        _sector_in_scope(sector_id, guard, auditor)
        details: dict[str, JsonValue] = {"kind": "patrol", "sector_id": sector_id}
        try:
            plan = tasking.plan_patrol(drone_id=drone_id, sector_id=sector_id)
        except TaskingError as exc:
            raise _refused(auditor, "drone.plan", drone_id, exc, details) from exc
        auditor.record("drone.plan", f"drone:{drone_id}", "ok", _plan_details(plan))
        return MissionPlanPublic.of(plan, context.clock(), offset_m=tasking.patrol_spec.offset_m)

    @r.get(
        "/api/drones/patrols/{sector_id}/mission.{file_format}",
        summary="A sector's patrol mission as a QGroundControl .plan or WPL 110 file",
        response_class=Response,
        dependencies=act,
        responses={
            **responses(403, 404),
            **_error(422, "No patrol clear of the border exists for this sector"),
            200: {
                "description": "The mission file (an attachment)",
                "content": {"application/json": {}, "text/plain": {}},
            },
        },
    )
    def export_patrol(
        sector_id: str,
        file_format: Literal["plan", "waypoints"],
        guard: Guard,
        auditor: AuditorDep,
    ) -> Response:
        _sector_in_scope(sector_id, guard, auditor)
        try:
            mission = tasking.patrol_mission(sector_id)
        except TaskingError as exc:
            raise HTTPException(status_code=_status(exc), detail=str(exc)) from exc
        plan = file_format == "plan"
        text = dump_plan(mission) if plan else dump_wpl(mission)
        auditor.record(
            "drone.export",
            f"sector:{sector_id}",
            "ok",
            {"format": file_format, "items": len(mission.items)},
        )
        return Response(
            text,
            media_type="application/json" if plan else "text/plain; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="patrol-{sector_id}.{file_format}"'
            },
        )

    def _check_scope(binding: Binding | None, guard: Guard, auditor: Auditor) -> None:
        """A token for an incident or sector outside the user's scope: 404 (audited)."""
        if binding is None:
            return
        if binding.incident_id is not None:
            guard.incident(binding.incident_id)
        if binding.sector_id is not None and not guard.user.in_scope(binding.sector_id):
            auditor.record("out_of_scope", f"sector:{binding.sector_id}", "refused")
            raise HTTPException(status_code=404, detail="no such planned mission")

    @r.post(
        "/api/drones/{drone_id}/missions/confirm",
        response_model=MissionUploadPublic,
        summary="Upload a planned mission to the drone",
        dependencies=act,
        responses=CONFIRM,
    )
    def confirm(
        drone_id: str,
        body: MissionTokenRequest,
        context: ContextDep,
        guard: Guard,
        auditor: AuditorDep,
    ) -> MissionUploadPublic:
        binding = tasking.binding(body.token)
        _check_scope(binding, guard, auditor)
        details: dict[str, JsonValue] = {"plan": fingerprint(body.token)}
        if binding is not None:
            details |= {
                "kind": str(binding.kind),
                "incident_id": binding.incident_id,
                "sector_id": binding.sector_id,
            }
        try:
            result = tasking.confirm(drone_id=drone_id, token=body.token)
        except TaskingError as exc:
            raise _refused(auditor, "drone.upload", drone_id, exc, details) from exc
        auditor.record(
            "drone.upload",
            f"drone:{drone_id}",
            "ok",
            {**details, "items": result.items, "resent": result.resent},
        )
        b = result.binding
        return MissionUploadPublic(
            drone_id=drone_id,
            kind=b.kind,
            incident_id=b.incident_id,
            sector_id=b.sector_id,
            items=result.items,
            resent=result.resent,
            elapsed_s=round(result.elapsed_s, 3),
            uploaded_at=context.clock(),
        )

    @r.post(
        "/api/drones/{drone_id}/missions/cancel",
        status_code=204,
        summary="Drop a planned mission",
        dependencies=act,
        responses=responses(403, 404, 413),
    )
    def cancel(
        drone_id: str, body: MissionTokenRequest, guard: Guard, auditor: AuditorDep
    ) -> Response:
        binding = tasking.binding(body.token)
        _check_scope(binding, guard, auditor)
        if not tasking.cancel(drone_id=drone_id, token=body.token):
            raise HTTPException(status_code=404, detail="no such planned mission for this drone")
        auditor.record("drone.cancel", f"drone:{drone_id}", "ok", {"plan": fingerprint(body.token)})
        return Response(status_code=204)

    return r
