"""``/healthz``: answers while the node runs; 503 when a service is not running.

A service that reports its own condition (a recorder: recording, or paused on a full disk)
shows it as ``state`` and ``detail``; a ``degraded`` one makes the status ``degraded`` (still
200: it runs and retries), a ``failed`` one counts as not running (503).

No ``from __future__ import annotations`` here: FastAPI resolves the local dependency
aliases at definition time.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict

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


class Health(BaseModel):
    model_config = ConfigDict(frozen=True)
    status: Literal["ok", "degraded"]
    site: str
    version: str
    services: list[ServiceHealth]


HealthProvider = Callable[[], list[ServiceState]]
ConditionProvider = Callable[[], Mapping[str, ServiceCondition]]


def health_router(
    *,
    site_id: str,
    version: str,
    provider: HealthProvider,
    conditions: ConditionProvider | None = None,
) -> APIRouter:
    """Routes for liveness; ``provider`` reports the services' states, ``conditions`` what
    services (by name) say of themselves."""
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
        running = all(s.running for s in services)
        if not running:
            response.status_code = 503
        ok = running and all(s.state != "degraded" for s in services)
        return Health(
            status="ok" if ok else "degraded", site=site_id, version=version, services=services
        )

    return router
