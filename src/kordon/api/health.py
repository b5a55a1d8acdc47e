"""``/healthz``: answers while the node runs; 503 when a service is not running.

Each camera shows its latest reported state and frame rate (``cameras``); a camera that is
not ``online`` (or never reported) makes the status ``degraded`` (200: the node runs).

A service that reports its own condition (a recorder: recording, or paused on a full disk)
shows it as ``state`` and ``detail``; a ``degraded`` one makes the status ``degraded`` (still
200: it runs and retries), a ``failed`` one counts as not running (503).

No ``from __future__ import annotations`` here: FastAPI resolves the local dependency
aliases at definition time.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.lifecycle import ServiceState

ConditionState = Literal["starting", "running", "degraded", "failed", "stopped"]


@dataclass(frozen=True, slots=True)
class ServiceCondition:
    """What a running service says of itself."""

    state: ConditionState
    detail: str = ""


class ServiceHealth(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    running: bool
    state: ConditionState | None = None
    detail: str | None = None


CameraState = Literal["starting", "online", "degraded", "offline", "stopped", "unknown"]


@dataclass(frozen=True, slots=True)
class CameraCondition:
    """A camera's latest report: ``unknown`` (no ``time``) when it never reported."""

    camera_id: str
    state: CameraState
    fps: float | None = None
    time: datetime | None = None
    detail: str = ""


class CameraHealth(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    state: CameraState
    fps: float | None = None
    """Frames analysed per second over the camera's last report window."""
    time: datetime | None = None
    """When the camera last reported."""
    detail: str | None = None


class Health(BaseModel):
    model_config = ConfigDict(frozen=True)
    status: Literal["ok", "degraded"]
    site: str
    version: str
    services: list[ServiceHealth]
    cameras: list[CameraHealth] = []


HealthProvider = Callable[[], list[ServiceState]]
ConditionProvider = Callable[[], Mapping[str, ServiceCondition]]
CameraProvider = Callable[[], Sequence[CameraCondition]]


def camera_conditions(
    camera_ids: Iterable[str], statuses: Iterable[DeviceStatus]
) -> list[CameraCondition]:
    """The condition of each of ``camera_ids`` (in that order) from the devices' latest
    statuses (``DeviceStatusRepository.latest()``); fps from the ``fps`` metric."""
    latest = {s.device_id: s for s in statuses}
    conditions: list[CameraCondition] = []
    for camera_id in camera_ids:
        status = latest.get(camera_id)
        if status is None:
            conditions.append(CameraCondition(camera_id, "unknown", detail="never reported"))
            continue
        fps = status.metrics.get("fps")
        conditions.append(
            CameraCondition(
                camera_id,
                _CAMERA_STATES[status.state],
                fps=None if fps is None else float(fps),
                time=status.time,
                detail=status.detail,
            )
        )
    return conditions


_CAMERA_STATES: dict[DeviceState, CameraState] = {
    DeviceState.STARTING: "starting",
    DeviceState.ONLINE: "online",
    DeviceState.DEGRADED: "degraded",
    DeviceState.OFFLINE: "offline",
    DeviceState.STOPPED: "stopped",
}


def health_router(
    *,
    site_id: str,
    version: str,
    provider: HealthProvider,
    conditions: ConditionProvider | None = None,
    cameras: CameraProvider | None = None,
) -> APIRouter:
    """Routes for liveness; ``provider`` reports the services' states, ``conditions`` what
    services (by name) say of themselves, ``cameras`` each camera's condition (see
    :func:`camera_conditions`)."""
    router = APIRouter(tags=["health"])

    def _states() -> list[ServiceState]:
        return provider()

    States = Annotated[list[ServiceState], Depends(_states)]

    @router.get(
        "/healthz",
        response_model=Health,
        response_model_exclude_none=True,
        summary="Liveness and service states",
        responses={503: {"model": Health, "description": "A service is not running"}},
    )
    def healthz(states: States, response: Response) -> Health:
        said = conditions() if conditions is not None else {}
        services: list[ServiceHealth] = []
        for state in states:
            condition = said.get(state.name) if state.running else None
            if condition is None:
                services.append(ServiceHealth(name=state.name, running=state.running))
                continue
            services.append(
                ServiceHealth(
                    name=state.name,
                    running=condition.state != "failed",
                    state=condition.state,
                    detail=condition.detail,
                )
            )
        camera_health = [
            CameraHealth(
                id=c.camera_id, state=c.state, fps=c.fps, time=c.time, detail=c.detail or None
            )
            for c in (cameras() if cameras is not None else ())
        ]
        running = all(s.running for s in services)
        if not running:
            response.status_code = 503
        ok = (
            running
            and all(s.state != "degraded" for s in services)
            and all(c.state == "online" for c in camera_health)
        )
        return Health(
            status="ok" if ok else "degraded",
            site=site_id,
            version=version,
            services=services,
            cameras=camera_health,
        )

    return router
