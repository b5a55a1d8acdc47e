"""API benchmark: latency of ``GET /api/incidents`` with 100 live WebSocket clients.

uvicorn on 127.0.0.1 (``ApiServer``), a seeded site with 10,000 incidents (two events
each, an opening step, service extras with an alert time on nine in ten, the tenth as a
legacy row without; half in each of two sectors), 100 clients on ``/api/live`` receiving a
track message every 50 ms (in a process of their own, ``benchmarks.live_clients``, as
browsers are); 300 sequential requests of the default page (100 incidents) by a user of
every sector, then 100 by a user of one sector. The requesting client, the publisher and
the server share one process and event loop (the numbers include that load); the live
clients only share the cores. Runs on SQLite, and on PostgreSQL when one answers
(``KORDON_BENCH_POSTGRES_URL``, else ``postgresql+psycopg://postgres@127.0.0.1:5432/test``):
a fresh schema there, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from benchmarks.common import BenchRow, main_for, postgres_schema
from kordon.api.app import create_api
from kordon.api.server import ApiServer
from kordon.bus.channels import TRACKS
from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.live_track import LiveTrack
from kordon.heap import settle_heap
from kordon.store import Store, sqlite_url
from kordon.store.mapping import event_to_values
from kordon.store.models import EventRow, IncidentEventRow, IncidentRow, IncidentStepRow
from kordon.store.models_incidents import IncidentExtrasRow
from tests.api.fakes import PASSWORD, T0, Site, build_site, client_settings

N_CLIENTS = 100
N_REQUESTS = 300
N_SCOPED_REQUESTS = 100
N_INCIDENTS = 10_000
EVENTS_PER_INCIDENT = 2
PAGE = 100


def _seed(store: Store, n: int) -> None:
    """``n`` incidents in bulk (one transaction per table, as a long-running node has)."""
    events: list[dict[str, Any]] = []
    incidents: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    extras: list[dict[str, Any]] = []
    for i in range(n):
        opened = T0 + timedelta(seconds=30 * i)
        sector = "s1" if i % 2 == 0 else "s2"
        for k in range(EVENTS_PER_INCIDENT):
            event = Event(
                kind=EventKind.BORDER_CROSSING if k == 0 else EventKind.ZONE_ENTER,
                time=opened + timedelta(seconds=k),
                source_id=f"cam{1 + i % 2}",
                id=f"b{i}-{k}",
                sector_id=sector,
                lat=51.5 + i * 1e-5,
                lon=24.0,
                class_name="person",
                direction=Direction.INBOUND if k == 0 else None,
            )
            events.append(event_to_values(event))
            links.append({"incident_id": f"bench{i}", "event_id": event.id, "position": k})
        incidents.append(
            {
                "id": f"bench{i}",
                "title": f"crossing inbound {i}",
                "opened_at": opened,
                "priority": 1 + i % 5,
                "status": "open" if i % 3 else "closed",
                "sector_id": sector,
                "assignee": None,
                "resolution": None,
                "updated_at": opened,
                "version": 1,
            }
        )
        steps.append(
            {
                "incident_id": f"bench{i}",
                "seq": 0,
                "status": "open",
                "actor": "system",
                "time": opened,
                "note": "",
            }
        )
        if i % 10:  # as the incident service stores them; every tenth a legacy row without
            extras.append(
                {
                    "incident_id": f"bench{i}",
                    "sla_due_at": opened + timedelta(minutes=5),
                    "last_alert_at": opened + timedelta(seconds=20),
                    "crossings_inbound": 1,
                }
            )
    with store.sessions.begin() as session:
        for model, rows in (
            (EventRow, events),
            (IncidentRow, incidents),
            (IncidentEventRow, links),
            (IncidentStepRow, steps),
            (IncidentExtrasRow, extras),
        ):
            for start in range(0, len(rows), 2000):
                session.execute(insert(model), rows[start : start + 2000])


async def _latencies(client: httpx.AsyncClient, count: int) -> list[float]:
    latencies_ms: list[float] = []
    for _ in range(count):
        t0 = time.perf_counter()
        response = await client.get("/api/incidents", params={"limit": PAGE})
        latencies_ms.append((time.perf_counter() - t0) * 1000.0)
        response.raise_for_status()
        if len(response.json()) != PAGE:
            raise RuntimeError(f"expected {PAGE} incidents, got {len(response.json())}")
    return sorted(latencies_ms)


def _p99(sorted_ms: list[float]) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(0.99 * len(sorted_ms)))]


async def _login(client: httpx.AsyncClient, username: str) -> str:
    r = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    r.raise_for_status()
    return str(client.cookies["kordon_session"])


def _cpu_per_request_ms(site: Site, count: int = 30) -> float:
    """CPU time of one ``GET /api/incidents`` (the whole process, in-process ASGI client, no
    live clients): a figure that, unlike latency, a busy machine does not inflate."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's test client announces its httpx move
        from fastapi.testclient import TestClient

        with TestClient(create_api(site.context), base_url="http://127.0.0.1") as client:
            client.post(
                "/api/auth/login", json={"username": "operator-all", "password": PASSWORD}
            ).raise_for_status()
            for _ in range(3):
                client.get("/api/incidents", params={"limit": PAGE}).raise_for_status()
            t0 = time.process_time()
            for _ in range(count):
                client.get("/api/incidents", params={"limit": PAGE}).raise_for_status()
            return (time.process_time() - t0) / count * 1000.0


async def _measure(directory: Path, database_url: str, backend: str) -> list[BenchRow]:
    site = build_site(
        directory,
        settings=client_settings(allowed_hosts=("127.0.0.1",)),
        database_url=database_url,
    )
    t_seed = time.perf_counter()
    _seed(site.store, N_INCIDENTS)
    seed_s = time.perf_counter() - t_seed
    cpu_ms = _cpu_per_request_ms(site)
    server = ApiServer(create_api(site.context), host="127.0.0.1", port=0)
    await server.start()
    settle_heap()  # as the node does once it has started (kordon.app)
    site.bus.bind(asyncio.get_running_loop())
    stop = asyncio.Event()
    try:
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=30) as client,
            httpx.AsyncClient(base_url=server.url, timeout=30) as scoped_client,
        ):
            cookie = f"kordon_session={await _login(client, 'operator-all')}"
            await _login(scoped_client, "operator")
            ws_url = server.url.replace("http://", "ws://") + "/api/live"
            clients = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "benchmarks.live_clients",
                ws_url,
                server.url,
                cookie,
                str(N_CLIENTS),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            assert clients.stdout is not None
            assert clients.stdin is not None
            ready = await asyncio.wait_for(clients.stdout.readline(), 120)
            if ready.strip() != b"READY":
                raise RuntimeError(f"the live clients did not connect: {ready!r}")

            async def publish() -> None:
                n = 0
                while not stop.is_set():
                    track = LiveTrack(f"t{n % 10}", "cam1", 51.5, 24.0, "person", T0, (), "s1")
                    site.bus.publish(TRACKS, track)
                    n += 1
                    await asyncio.sleep(0.05)

            publisher = asyncio.create_task(publish())
            await asyncio.sleep(0.5)
            await _latencies(client, 10)  # warm-up (statement caches, first connections)
            everyone = await _latencies(client, N_REQUESTS)
            scoped = await _latencies(scoped_client, N_SCOPED_REQUESTS)
            stop.set()
            await publisher
            clients.stdin.close()
            out, _ = await clients.communicate()
            received = int(out.decode().split("RECEIVED ")[-1].split()[0])
    finally:
        await server.stop()
        site.store.close()
    note = (
        f"{backend}, {N_INCIDENTS} incidents stored, {PAGE}/page, {N_CLIENTS} WebSocket "
        f"clients, {N_REQUESTS} requests"
    )
    scoped_note = (
        f"{backend}, user of one sector (half the incidents), {N_SCOPED_REQUESTS} requests"
    )
    name = f"GET /api/incidents ({backend})"
    return [
        BenchRow("api", f"{name} p50", statistics.median(everyone), "ms", note),
        BenchRow("api", f"{name} p99", _p99(everyone), "ms", note),
        BenchRow("api", f"{name} one sector p99", _p99(scoped), "ms", scoped_note),
        BenchRow(
            "api",
            f"{name} CPU per request",
            cpu_ms,
            "ms",
            f"{backend}, process CPU time, in-process client, no live clients",
        ),
        BenchRow("api", f"live messages delivered ({backend})", float(received), "messages", note),
        BenchRow("api", f"seeding {N_INCIDENTS} incidents ({backend})", seed_s, "s", note),
    ]


def bench_rows() -> list[BenchRow]:
    rows: list[BenchRow] = []
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory)
        rows += asyncio.run(_measure(path, sqlite_url(path / "kordon.db"), "sqlite"))
    with postgres_schema() as url, tempfile.TemporaryDirectory() as directory:
        if url is None:
            rows.append(
                BenchRow(
                    "api",
                    "GET /api/incidents (postgresql)",
                    0.0,
                    "skipped",
                    "no PostgreSQL answered",
                )
            )
        else:
            rows += asyncio.run(_measure(Path(directory), url, "postgresql"))
    return rows


if __name__ == "__main__":
    main_for(bench_rows)
