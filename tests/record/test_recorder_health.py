"""``/healthz`` shows the recorder's real state: recording, paused on storage, or failed.

The recorder runs on its service thread; the test and the recorder hand over with events
(never sleeps): the camera blocks once the pause is seen, until ``/healthz`` was read.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import av.stream
import httpx
import pytest
from fastapi import FastAPI

from kordon.api.health import health_router
from kordon.domain.status import DeviceState
from kordon.lifecycle import ServiceGroup
from kordon.record.packet_source import SourcePacket
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.services.recorder_service import RecorderService
from tests.record.media import FakeCamera, HealthLog, StepClock, make_repository
from tests.record.tmpfs import small_tmpfs

SETTINGS = RecorderSettings(segment_s=1.0, max_segment_s=3.0, max_lag_s=None, stop_at_end=True)
HANDOVER_S = 60.0
"""Upper bound on a handover between threads; a hang fails the test instead of blocking."""


class _Health:
    """``GET /healthz`` of an app built as the node builds it (group states + conditions)."""

    def __init__(self, group: ServiceGroup, service: RecorderService) -> None:
        self._app = FastAPI()
        self._app.include_router(
            health_router(
                site_id="s1",
                version="0",
                provider=group.states,
                conditions=lambda: {service.name: service.condition()},
            )
        )

    def get(self) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self._app)
            async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
                return await client.get("/healthz")

        return asyncio.run(go())


def _remount(mount: Path, mode: str) -> None:
    result = subprocess.run(
        ["mount", "-o", f"remount,{mode}", str(mount)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with small_tmpfs(tmp_path / "disk", size="8m") as mount:
        yield mount


def test_healthz_reports_a_paused_recorder_as_degraded_and_an_ended_one_as_failed(
    h264_ts: Path, disk: Path, tmp_path: Path
) -> None:
    repository = make_repository(tmp_path / "db" / "kordon.db")
    clock = StepClock()
    paused = threading.Event()
    checked = threading.Event()
    holder: list[Recorder] = []

    def on_open(_path_rel: str) -> None:
        if len(repository.segments("cam-1")) == 2:  # between segments: no file open for writing
            _remount(disk, "ro")

    def drive(_index: int, packet: SourcePacket) -> SourcePacket:
        if not paused.is_set() and holder[0].condition.state is DeviceState.DEGRADED:
            paused.set()
            assert checked.wait(HANDOVER_S)
            _remount(disk, "rw")
        return packet

    def make() -> Recorder:
        recorder = Recorder(
            camera_id="cam-1",
            source=FakeCamera(h264_ts, clock, drive),
            data_dir=disk,
            repository=repository,
            clock=clock,
            health=HealthLog(),
            settings=SETTINGS,
            on_segment_open=on_open,
        )
        holder.append(recorder)
        return recorder

    service = RecorderService("cam-1", make)
    group = ServiceGroup([service])
    asyncio.run(group.start())
    try:
        health = _Health(group, service)
        assert paused.wait(HANDOVER_S)
        during = health.get()
        checked.set()
        assert during.status_code == 200  # it runs and retries: degraded, not down
        assert during.json()["status"] == "degraded"
        [recorder] = during.json()["services"]
        assert recorder["name"] == "recorder:cam-1"
        assert recorder["running"] is True
        assert recorder["state"] == "degraded"
        assert "recording paused" in recorder["detail"]
        assert "Read-only file system" in recorder["detail"]

        assert service.wait_stopped(HANDOVER_S)  # the file ended: the thread is done
        after = health.get()
        assert after.status_code == 503
        assert after.json()["services"][0]["state"] == "failed"
        assert after.json()["services"][0]["running"] is False
    finally:
        checked.set()
        asyncio.run(group.stop())


class _BrokenSource:
    """Opens, then fails with an error nobody expects (a bug, not an outage)."""

    def __init__(self, inner: FakeCamera) -> None:
        self._inner = inner

    def open(self) -> av.stream.Stream:
        return self._inner.open()

    def packets(self) -> Iterator[SourcePacket]:
        raise RuntimeError("decoder state corrupted")

    def close(self) -> None:
        self._inner.close()


def test_healthz_reports_a_recorder_that_died_with_an_error_as_failed(
    h264_ts: Path, tmp_path: Path
) -> None:
    repository = make_repository(tmp_path / "db" / "kordon.db")
    clock = StepClock()
    service = RecorderService(
        "cam-1",
        lambda: Recorder(
            camera_id="cam-1",
            source=_BrokenSource(FakeCamera(h264_ts, clock)),
            data_dir=tmp_path / "data",
            repository=repository,
            clock=clock,
            health=HealthLog(),
            settings=SETTINGS,
        ),
    )
    group = ServiceGroup([service])
    asyncio.run(group.start())
    try:
        assert service.wait_stopped(HANDOVER_S)
        response = _Health(group, service).get()
        assert response.status_code == 503
        [recorder] = response.json()["services"]
        assert recorder["running"] is False
        assert recorder["state"] == "failed"
        assert "RuntimeError: decoder state corrupted" in recorder["detail"]
    finally:
        asyncio.run(group.stop())
