"""A real server with live video for browser tests and the delay benchmark.

The real API (``create_api``) on a seeded site (``tests.api.fakes``: users, cameras ``cam1``
and ``cam2``), served by uvicorn on a free port with the built web UI, plus what the live
video needs for real: a simulated camera rendering in real time (optionally with its clock
burned in), the real recorder writing its segments into the site's database, and the
``LiveVideoService`` streaming it (``cam2`` shows the same camera, so the grid has two tiles).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import uvicorn

from kordon.api.app import create_api
from kordon.api.routes import video
from kordon.config.image_rules import LineRuleConfig
from kordon.domain.status import DeviceStatus
from kordon.domain.tracks import ImageTracks
from kordon.record.live import LiveSnapshot
from kordon.record.playback import PlaybackFiles
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.sim.camera import SimulatedCamera, SimulatedCameraFrames
from kordon.sim.render import Renderer
from kordon.sim.scenes import get_scene
from kordon.sim.source import SimulatedSource
from kordon.video.live.overlay import rule_shapes
from kordon.video.live.service import LiveVideoService
from kordon.video.source.clock import SystemClock
from kordon.video.source.frame import Frame
from tests.api.fakes import Site, build_site, client_settings
from tests.support.demo_site import free_port

START_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class VideoServer:
    url: str
    site: Site
    camera: SimulatedCamera
    recorder: Recorder
    live: LiveVideoService


def _ignore(_status: DeviceStatus) -> None:
    return None


def _truth_tracks(source: SimulatedSource, frame: Frame) -> ImageTracks:
    """The frame's visible actors as tracks (what a perfect tracker would report)."""
    actors = [a for a in source.ground_truth(frame.index).visible if a.xyxy_px is not None]
    labels = tuple(sorted({a.class_name for a in actors}))
    return ImageTracks(
        tracker_id=np.array([a.actor_id for a in actors], np.int64),
        xyxy_px=np.array([a.xyxy_px for a in actors], np.float32).reshape(-1, 4),
        confidence=np.ones(len(actors), np.float32),
        class_id=np.array([labels.index(a.class_name) for a in actors], np.int32),
        confirmed=np.ones(len(actors), np.bool_),
        labels=labels,
    )


def _feed_overlay(
    source: SimulatedSource, frames: SimulatedCameraFrames, live: LiveVideoService
) -> None:
    """Forward the ground truth of each analysed frame as its tracks (an analytics stand-in)."""
    frames.open()
    for frame in frames.frames():
        tracks = _truth_tracks(source, frame)
        for camera_id in ("cam1", "cam2"):
            live.update_tracks(camera_id, frame.time, tracks)


@contextmanager
def video_server(
    tmp_path: Path, web_dist: Path, *, burn_clock: bool = False
) -> Iterator[VideoServer]:
    clock = SystemClock()
    site = build_site(
        tmp_path, settings=client_settings(allowed_hosts=("127.0.0.1",), static_dir=web_dist)
    )
    scene = get_scene("border_walk", 2)
    source = SimulatedSource(
        Renderer(scene.scenario, scene.projector),
        None,
        realtime=True,
        clock=clock,
        source_id="cam1",
        burn_clock=burn_clock,
    )
    camera = SimulatedCamera("cam1", source, gop_s=1.0)
    asyncio.run(camera.start())
    data_dir = tmp_path / "data"
    recorder = Recorder(
        camera_id="cam1",
        source=camera.packet_source(),
        data_dir=data_dir,
        repository=RecordingRepository.on_sessions(site.store.sessions),
        clock=clock,
        health=_ignore,
        settings=RecorderSettings(segment_s=2.0),
    )
    recording = threading.Thread(target=recorder.run, name="recorder-cam1", daemon=True)
    recording.start()

    def live_packets(camera_id: str) -> LiveSnapshot | None:
        return recorder.live_packets() if camera_id == "cam1" else None

    playback = PlaybackFiles(
        data_dir=data_dir,
        repository=lambda: RecordingRepository.on_sessions(site.store.sessions),
        live=live_packets,
    )
    live = LiveVideoService(clock=clock, playback=playback)
    line = LineRuleConfig(kind="line", id="border-line", points=((40, 330), (730, 300)))
    for camera_id in ("cam1", "cam2"):
        live.add_camera(camera_id, camera.packet_source, shapes=rule_shapes([line]))
    analysed = camera.frame_source(target_fps=5.0)
    overlay = threading.Thread(
        target=_feed_overlay, args=(source, analysed, live), name="overlay", daemon=True
    )
    overlay.start()
    app = create_api(site.context, extra_routers=[video.router(live)])
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
    )
    serving = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    serving.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline or not serving.is_alive():
            raise RuntimeError("the video test server did not start")
        time.sleep(0.05)
    try:
        yield VideoServer(f"http://127.0.0.1:{port}", site, camera, recorder, live)
    finally:
        server.should_exit = True
        serving.join(10.0)
        analysed.close()
        overlay.join(10.0)
        asyncio.run(live.stop())
        recorder.stop()
        asyncio.run(camera.stop())
        recording.join(10.0)
        site.store.close()
