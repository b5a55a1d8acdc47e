from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from fastapi import FastAPI

from kordon.api.health import health_router
from kordon.api.server import ApiServer, ApiServerError, listening_socket
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


def test_accepted_connections_send_without_nagle_delay() -> None:
    """asyncio turns Nagle's algorithm off only for sockets whose protocol says TCP; a
    listening socket made with protocol 0 gave connections that held each second write
    back for the peer's delayed ACK (~40 ms per kept-alive answer and live frame)."""
    seen: list[int] = []

    async def go() -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted = writer.get_extra_info("socket")
            seen.append(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        sock = listening_socket("127.0.0.1", 0)
        server = await asyncio.start_server(handle, sock=sock)
        try:
            port = sock.getsockname()[1]
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            while not seen:
                await asyncio.sleep(0)
            writer.close()
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(go())
    assert seen == [1]


def test_listening_socket_refuses_a_port_in_use_with_the_address() -> None:
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    try:
        port = blocker.getsockname()[1]
        with pytest.raises(ApiServerError, match=f"cannot listen on 127.0.0.1:{port}"):
            listening_socket("127.0.0.1", port)
    finally:
        blocker.close()
