"""The simulated camera feeds analytics (frames) and the recorder (H.264 packets) at once.

Time is injected: the camera paces on a fake clock, so nothing here sleeps in real time.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import av
import pytest

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.sim.camera import SimulatedCamera
from kordon.sim.render import Renderer
from kordon.sim.scenes import get_scene
from kordon.sim.source import SimulatedSource
from kordon.store import Store
from kordon.video.source.clock import Clock, FakeClock

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
WAIT_S = 60.0
"""Generous bound on thread hand-overs; reached only when something is broken."""


class GatedClock(FakeClock):
    """A fake clock whose ``sleep`` also waits for a permit from the test: the camera
    renders its next frame only when the consumer has taken the previous one."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._permits = threading.Semaphore(0)

    def sleep(self, seconds: float) -> None:
        if not self._permits.acquire(timeout=WAIT_S):
            raise TimeoutError("the test never let the camera render its next frame")
        super().sleep(seconds)

    def release(self) -> None:
        self._permits.release()


def _camera(duration_s: float, clock: Clock) -> SimulatedCamera:
    scene = get_scene("border_walk", 3)
    source = SimulatedSource(
        Renderer(scene.scenario, scene.projector),
        T0,
        duration_s=duration_s,
        realtime=True,
        clock=clock,
    )
    return SimulatedCamera("cam-sim", source, gop_s=1.0)


def test_frames_and_packets_reach_both_consumers(tmp_path: Path) -> None:
    clock = GatedClock(T0)
    camera = _camera(duration_s=4.5, clock=clock)
    store = Store(f"sqlite:///{tmp_path / 'k.db'}")
    store.open()
    repository = RecordingRepository.on_sessions(store.sessions)
    recording = threading.Event()

    def health(status: DeviceStatus) -> None:
        if status.state is DeviceState.ONLINE:
            recording.set()  # subscribed to the camera's packets

    recorder = Recorder(
        camera_id="cam-sim",
        source=camera.packet_source(),
        data_dir=tmp_path,
        repository=repository,
        clock=FakeClock(T0),
        health=health,
        settings=RecorderSettings(segment_s=1.0, stop_at_end=True),
    )
    frames = camera.frame_source()
    frames.open()
    indices: list[int] = []

    async def run() -> None:
        await camera.start()
        thread = threading.Thread(target=recorder.run)
        thread.start()
        assert recording.wait(WAIT_S)  # frame 1 waits for the first permit until now
        for frame in frames.frames():
            indices.append(frame.index)
            clock.release()  # taken: the camera may render the next one
        thread.join(timeout=WAIT_S)
        assert not thread.is_alive()
        await camera.stop()

    asyncio.run(run())
    frames.close()
    rows = sorted(s.path_rel for s in repository.segments("cam-sim"))
    store.close()

    assert indices == list(range(45))  # 4.5 s at 10 fps; a consumer that keeps up loses none
    assert clock.monotonic() == pytest.approx(4.4)  # paced on the injected clock: frame 44 at 4.4 s
    stored = sorted((tmp_path / "recordings" / "cam-sim").rglob("*.ts"))
    assert len(stored) >= 3
    assert rows == [str(p.relative_to(tmp_path)) for p in stored]
    pts: list[int | None] = []
    for path in stored:
        with av.open(str(path)) as container:
            pts.extend(f.pts for f in container.decode(video=0))
    # Frame 0 is rendered before the recorder may have subscribed, so the recording may
    # start a little later, within the first second (one GOP); from there on every frame
    # is recorded, in order, to the last.
    first = 45 - len(pts)
    assert 0 <= first <= 10
    assert pts == [k * 9000 for k in range(first, 45)]  # 90 kHz, 10 fps


def test_a_slow_frame_consumer_loses_old_frames_not_the_camera() -> None:
    clock = FakeClock(T0)
    camera = _camera(duration_s=2.0, clock=clock)
    frames = camera.frame_source()
    frames.open()

    async def run() -> list[int]:
        await camera.start()
        assert camera.wait_finished(WAIT_S)  # all 20 frames rendered; nobody read any
        got = [f.index for f in frames.frames()]
        await camera.stop()
        return got

    got = asyncio.run(run())
    frames.close()
    assert got == [19]  # a queue of two: the newest frame and the end of the stream
    assert clock.monotonic() == pytest.approx(1.9)
