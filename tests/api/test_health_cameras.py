"""``/healthz`` lists each camera's state and frame rate from its latest status."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from kordon.api.health import CameraCondition, camera_conditions, health_router
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.lifecycle import ServiceState
from tests.api.conftest import TestClient
from tests.api.fakes import T0


def _app(statuses: list[DeviceStatus], camera_ids: Sequence[str]) -> FastAPI:
    def cameras() -> list[CameraCondition]:
        return camera_conditions(camera_ids, statuses)

    app = FastAPI()
    app.include_router(
        health_router(
            site_id="s1",
            version="0",
            provider=lambda: [ServiceState("api", True)],
            cameras=cameras,
        )
    )
    return app


def test_each_camera_shows_state_and_fps() -> None:
    statuses = [
        DeviceStatus("cam1", T0, DeviceState.ONLINE, "analytics running", {"fps": 9.5}),
        DeviceStatus("cam2", T0, DeviceState.ONLINE, "analytics running", {"fps": 4.0}),
        DeviceStatus("radar1", T0, DeviceState.OFFLINE, "lost"),  # not a camera
    ]
    with TestClient(_app(statuses, ["cam1", "cam2"])) as client:
        body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert [(c["id"], c["state"], c["fps"]) for c in body["cameras"]] == [
        ("cam1", "online", 9.5),
        ("cam2", "online", 4.0),
    ]
    assert body["cameras"][0]["time"] == "2025-03-01T12:00:00Z"


def test_an_offline_or_silent_camera_degrades_the_status_but_not_liveness() -> None:
    statuses = [DeviceStatus("cam1", T0, DeviceState.OFFLINE, "no frames for 30 s")]
    with TestClient(_app(statuses, ["cam1", "cam2"])) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["cameras"] == [
        {
            "id": "cam1",
            "state": "offline",
            "time": "2025-03-01T12:00:00Z",
            "detail": "no frames for 30 s",
        },
        {"id": "cam2", "state": "unknown", "detail": "never reported"},
    ]


def test_without_a_camera_provider_the_list_is_empty() -> None:
    app = FastAPI()
    app.include_router(health_router(site_id="s1", version="0", provider=list))
    with TestClient(app) as client:
        body = client.get("/healthz").json()
    assert body == {"status": "ok", "site": "s1", "version": "0", "services": [], "cameras": []}
