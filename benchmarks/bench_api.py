"""API benchmark: latency of ``GET /api/incidents`` with 100 live WebSocket clients.

uvicorn on 127.0.0.1 (``ApiServer``), a seeded SQLite site (100 incidents), 100 clients on
``/api/live`` receiving a track message every 50 ms; 300 sequential requests. Clients,
publisher and server share one process and event loop (the numbers include that load).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
import websockets
from websockets.typing import Origin

from benchmarks.common import BenchRow, main_for
from kordon.api.app import create_api
from kordon.api.server import ApiServer
from kordon.bus.channels import TRACKS
from kordon.domain.event import Event, EventKind
from kordon.domain.incident import Incident
from kordon.domain.live_track import LiveTrack
from tests.api.fakes import PASSWORD, T0, build_site, client_settings

N_CLIENTS = 100
N_REQUESTS = 300
N_INCIDENTS = 100


async def _measure(directory: Path) -> list[BenchRow]:
    site = build_site(directory, settings=client_settings(allowed_hosts=("127.0.0.1",)))
    for n in range(N_INCIDENTS):
        site.store.events.add(
            Event(kind=EventKind.ZONE_ENTER, time=T0, source_id="cam1", id=f"b{n}", sector_id="s1")
        )
        site.store.incidents.create(
            Incident(
                id=f"bench{n}",
                title=f"bench {n}",
                opened_at=T0 + timedelta(seconds=n),
                priority=3,
                sector_id="s1",
                event_ids=(f"b{n}",),
            ),
            time=T0,
        )
    server = ApiServer(create_api(site.context), host="127.0.0.1", port=0)
    await server.start()
    site.bus.bind(asyncio.get_running_loop())
    received = 0
    stop = asyncio.Event()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            r = await client.post(
                "/api/auth/login", json={"username": "operator-all", "password": PASSWORD}
            )
            r.raise_for_status()
            cookie = f"kordon_session={client.cookies['kordon_session']}"
            ws_url = server.url.replace("http://", "ws://") + "/api/live"
            sockets = [
                await websockets.connect(
                    ws_url, origin=Origin(server.url), additional_headers={"Cookie": cookie}
                )
                for _ in range(N_CLIENTS)
            ]

            async def drain(ws: websockets.ClientConnection) -> None:
                nonlocal received
                with contextlib.suppress(websockets.ConnectionClosed):
                    async for _ in ws:
                        received += 1

            async def publish() -> None:
                n = 0
                while not stop.is_set():
                    track = LiveTrack(f"t{n % 10}", "cam1", 51.5, 24.0, "person", T0, (), "s1")
                    site.bus.publish(TRACKS, track)
                    n += 1
                    await asyncio.sleep(0.05)

            drains = [asyncio.create_task(drain(ws)) for ws in sockets]
            publisher = asyncio.create_task(publish())
            await asyncio.sleep(0.5)
            latencies_ms: list[float] = []
            for _ in range(N_REQUESTS):
                t0 = time.perf_counter()
                response = await client.get("/api/incidents", params={"limit": 100})
                latencies_ms.append((time.perf_counter() - t0) * 1000.0)
                response.raise_for_status()
            stop.set()
            await publisher
            for ws in sockets:
                await ws.close()
            await asyncio.gather(*drains)
    finally:
        await server.stop()
        site.store.close()
    latencies_ms.sort()
    p99 = latencies_ms[min(len(latencies_ms) - 1, int(0.99 * len(latencies_ms)))]
    note = f"{N_CLIENTS} WebSocket clients, {N_INCIDENTS} incidents/page, {N_REQUESTS} requests"
    return [
        BenchRow("api", "GET /api/incidents p50", statistics.median(latencies_ms), "ms", note),
        BenchRow("api", "GET /api/incidents p99", p99, "ms", note),
        BenchRow("api", "live messages delivered", float(received), "messages", note),
    ]


def bench_rows() -> list[BenchRow]:
    with tempfile.TemporaryDirectory() as directory:
        return asyncio.run(_measure(Path(directory)))


if __name__ == "__main__":
    main_for(bench_rows)
