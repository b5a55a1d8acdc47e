"""``/healthz``: answers while the node runs; 503 when a service is not running.

No ``from __future__ import annotations`` here: FastAPI resolves the local dependency
aliases at definition time.
"""

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict

from kordon.lifecycle import ServiceState


class ServiceHealth(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    running: bool


class Health(BaseModel):
    model_config = ConfigDict(frozen=True)
    status: Literal["ok", "degraded"]
    site: str
    version: str
    services: list[ServiceHealth]


HealthProvider = Callable[[], list[ServiceState]]


def health_router(*, site_id: str, version: str, provider: HealthProvider) -> APIRouter:
    """Routes for liveness; ``provider`` reports the services' states."""
    router = APIRouter(tags=["health"])

    def _states() -> list[ServiceState]:
        return provider()

    States = Annotated[list[ServiceState], Depends(_states)]

    @router.get("/healthz", response_model=Health, summary="Liveness and service states")
    def healthz(states: States, response: Response) -> Health:
        services = [ServiceHealth(name=s.name, running=s.running) for s in states]
        ok = all(s.running for s in services)
        if not ok:
            response.status_code = 503
        return Health(
            status="ok" if ok else "degraded", site=site_id, version=version, services=services
        )

    return router
