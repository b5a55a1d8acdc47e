from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from fastapi import FastAPI

from kordon.api.health import health_router
from kordon.api.server import ApiServer, ApiServerError
from kordon.lifecycle import ServiceState


def _app(states: list[ServiceState]) -> FastAPI:
    app = FastAPI()
    app.include_router(health_router(site_id="s1", version="0", provider=lambda: states))
    return app


def test_healthz_answers_and_reports_degraded_services() -> None:
    states = [ServiceState("store", True), ServiceState("api", True)]

    async def go() -> None:
        server = ApiServer(_app(states), host="127.0.0.1", port=0)
        await server.start()
        try:
            async with httpx.AsyncClient() as client:
                ok = await client.get(f"{server.url}/healthz")
                assert ok.status_code == 200
                assert ok.json()["status"] == "ok"
                states[0] = ServiceState("store", False)
                bad = await client.get(f"{server.url}/healthz")
                assert bad.status_code == 503
                assert bad.json()["services"][0] == {"name": "store", "running": False}
        finally:
            await server.stop()

    asyncio.run(go())


def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]

        async def go() -> None:
            server = ApiServer(_app([]), host="127.0.0.1", port=port)
            with pytest.raises(ApiServerError, match=f"cannot listen on 127.0.0.1:{port}"):
                await server.start()

        asyncio.run(go())
