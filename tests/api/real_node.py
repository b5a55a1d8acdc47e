"""The real application for API tests: ``build_node`` on a copy of the Volyn site.

Real providers throughout (store, ledger, incident service, site view, live frames, clips,
exports) behind the real uvicorn server; only the camera is light: a small video file looped
through the motion detector instead of the simulator, so the node costs little CPU. The
store is seeded before start with an admin and a few events and incidents.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import httpx
import numpy as np
import yaml

from kordon.accounts.roles import Role
from kordon.accounts.service import AccountService
from kordon.app import Node, build_node
from kordon.config.loader import load_site
from kordon.config.models import SiteConfig
from kordon.domain.event import Direction, Event, EventKind
from kordon.incidents.service import IncidentService
from kordon.store import Store
from tests.api.fakes import PASSWORD, cheap_hasher
from tests.support.demo_site import free_port, volyn_copy

ADMIN = "fuzz-admin"
SECTOR = "s1-tripoint"
CAMERA = "cam-1"
START_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class RealNode:
    url: str
    config: SiteConfig
    node: Node


def _write_video(path: Path, *, frames: int = 10, fps: int = 5) -> None:
    """A short grey MPEG-4 video of the camera's 1280x720 (what its georeference expects)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        image = np.full((720, 1280, 3), 90, dtype=np.uint8)
        for _ in range(frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _site(tmp_path: Path) -> SiteConfig:
    site_file = volyn_copy(tmp_path)
    _write_video(site_file.parent / "still.avi")
    data = yaml.safe_load(site_file.read_text(encoding="utf-8"))
    camera = data["cameras"][0]
    camera["source"] = {"kind": "file", "path": "still.avi", "loop": True, "realtime": True}
    camera["analytics"] = {"fps": 2, "detector": {"kind": "motion"}}
    # one still camera and nothing else: the other demo devices watch cam-1's simulated world
    data["cameras"] = [camera]
    data["sensors"] = []
    site_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_site(site_file)


def _seed(config: SiteConfig) -> None:
    """An admin, and incidents made by the real incident service from real events."""
    with Store(config.database_url()) as store:
        now = datetime.now(UTC)
        AccountService(store.sessions, hasher=cheap_hasher()).create_user(
            username=ADMIN, password=PASSWORD, role=Role.ADMIN, time=now
        )
        incidents = IncidentService(store, lambda _incident: None)
        for n in range(3):
            at = now - timedelta(minutes=30 * (n + 1))
            incidents.ingest(
                Event(
                    kind=EventKind.BORDER_CROSSING,
                    time=at,
                    source_id=CAMERA,
                    id=f"seed-{n}",
                    track_id=f"t{n}",
                    class_name="person",
                    direction=Direction.INBOUND,
                    lat=51.5435,
                    lon=23.6480,
                    km_post=10.0,
                    sector_id=SECTOR,
                ),
                at,
            )


@contextmanager
def running_node(tmp_path: Path) -> Iterator[RealNode]:
    """The node of :func:`_site`, seeded, running on a free port in a background loop."""
    config = _site(tmp_path)
    _seed(config)
    node = build_node(config, api_port=free_port(), web_dir=tmp_path / "no-ui")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="real-node", daemon=True)
    thread.start()

    async def new_event() -> asyncio.Event:
        return asyncio.Event()

    stop = asyncio.run_coroutine_threadsafe(new_event(), loop).result(timeout=10)
    running = asyncio.run_coroutine_threadsafe(node.run(stop), loop)
    try:
        url = _wait_healthy(node, running)
        yield RealNode(url=url, config=config, node=node)
    finally:
        loop.call_soon_threadsafe(stop.set)
        running.result(timeout=60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def _wait_healthy(node: Node, running: Future[None]) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if running.done():
                running.result()  # raises the start failure
                raise AssertionError("the node stopped during start-up")
            try:
                if client.get(f"{node.api.url}/healthz").status_code == 200:
                    return node.api.url
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise AssertionError(f"node not healthy within {START_TIMEOUT_S:.0f} s")


def login(url: str, username: str = ADMIN) -> tuple[str, str]:
    """Log in over HTTP: the session token (cookie) and its CSRF token."""
    with httpx.Client(base_url=url, timeout=10) as client:
        response = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return client.cookies["kordon_session"], str(response.json()["csrf_token"])
