"""The simulated camera feeds analytics (frames) and the recorder (H.264 packets) at once."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import av

from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.sim.camera import SimulatedCamera
from kordon.sim.render import Renderer
from kordon.sim.scenes import get_scene
from kordon.sim.source import SimulatedSource
from kordon.store import Store
from kordon.video.source.clock import SystemClock

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _camera(duration_s: float) -> SimulatedCamera:
    scene = get_scene("border_walk", 3)
    source = SimulatedSource(
        Renderer(scene.scenario, scene.projector), T0, duration_s=duration_s, realtime=True
    )
    return SimulatedCamera("cam-sim", source, gop_s=1.0)


def test_frames_and_packets_reach_both_consumers(tmp_path: Path) -> None:
    camera = _camera(duration_s=4.5)
    store = Store(f"sqlite:///{tmp_path / 'k.db'}")
    store.open()
    repository = RecordingRepository.on_sessions(store.sessions)
    recorder = Recorder(
        camera_id="cam-sim",
        source=camera.packet_source(),
        data_dir=tmp_path,
        repository=repository,
        clock=SystemClock(),
        health=lambda _status: None,
        settings=RecorderSettings(segment_s=1.0, stop_at_end=True),
    )
    frames = camera.frame_source()
    frames.open()
    indices: list[int] = []

    async def run() -> None:
        await camera.start()
        thread = threading.Thread(target=recorder.run)
        thread.start()
        indices.extend(f.index for f in frames.frames())
        thread.join(timeout=10)
        await camera.stop()

    asyncio.run(run())
    frames.close()
    rows = sorted(s.path_rel for s in repository.segments("cam-sim"))
    store.close()

    assert indices == list(range(len(indices)))
    assert len(indices) >= 40  # 4.5 s at 10 fps, the consumer keeps up
    stored = sorted((tmp_path / "recordings" / "cam-sim").rglob("*.ts"))
    assert len(stored) >= 3
    assert rows == [str(p.relative_to(tmp_path)) for p in stored]
    decoded = 0
    for path in stored:
        with av.open(str(path)) as container:
            decoded += sum(1 for _ in container.decode(video=0))
    assert decoded >= 35


def test_a_slow_frame_consumer_loses_old_frames_not_the_camera() -> None:
    camera = _camera(duration_s=2.0)
    frames = camera.frame_source()
    frames.open()

    async def run() -> list[int]:
        await camera.start()
        await asyncio.sleep(2.5)  # nobody reads for the whole run
        got = [f.index for f in frames.frames()]
        await camera.stop()
        return got

    got = asyncio.run(run())
    frames.close()
    assert len(got) <= 2
    assert got == sorted(got)
    assert got[-1] >= 15
