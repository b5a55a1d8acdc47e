"""The burned-in clock reads back exactly, also after H.264 compression."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import av
import numpy as np
import pytest

from kordon.sim.render import Renderer
from kordon.sim.scenes import get_scene
from kordon.sim.source import SimulatedSource
from kordon.video.live.clock_stamp import BITS, cell_px, read_clock, stamp_clock
from kordon.video.source.clock import FakeClock

T = datetime(2026, 12, 5, 6, 30, 12, 345_000, tzinfo=UTC)
T_MS = round(T.timestamp() * 1000)


def _image(width: int = 768, height: int = 576) -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_stamp_reads_back() -> None:
    image = _image()
    stamp_clock(image, T)
    assert read_clock(image, near_ms=T_MS + 5000) == T_MS


def test_a_damaged_code_is_rejected() -> None:
    image = _image()
    stamp_clock(image, T)
    cell = cell_px(image.shape[1])
    image[:cell, 3 * cell : 4 * cell] = 255 - image[:cell, 3 * cell : 4 * cell]  # flip a bit
    assert read_clock(image, near_ms=T_MS) is None


def test_too_small_an_image_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        stamp_clock(np.zeros((8, 100, 3), np.uint8), T)
    assert read_clock(np.zeros((8, 100, 3), np.uint8), near_ms=T_MS) is None


def test_the_clock_survives_h264() -> None:
    buffer = io.BytesIO()
    times = [T + timedelta(milliseconds=100 * i) for i in range(5)]
    with av.open(buffer, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 768, 576, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "35"}
        for i, t in enumerate(times):
            image = _image()
            stamp_clock(image, t)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    buffer.seek(0)
    with av.open(buffer, "r") as container:
        decoded = [
            np.asarray(f.to_ndarray(format="bgr24"), np.uint8) for f in container.decode(video=0)
        ]
    read = [read_clock(img, near_ms=T_MS) for img in decoded]
    assert read == [round(t.timestamp() * 1000) for t in times]


def test_the_simulator_burns_its_clock_into_each_frame() -> None:
    scene = get_scene("border_walk", 1)
    clock = FakeClock(T)
    source = SimulatedSource(
        Renderer(scene.scenario, scene.projector),
        T,
        duration_s=0.3,
        realtime=True,
        clock=clock,
        burn_clock=True,
    )
    frames = list(source.frames())
    assert len(frames) == 3
    for frame in frames:
        assert frame.image.shape[1] >= BITS * cell_px(frame.image.shape[1])
        assert read_clock(frame.image, near_ms=T_MS) == round(frame.time.timestamp() * 1000)


def test_burning_a_clock_needs_a_clock() -> None:
    scene = get_scene("border_walk", 1)
    with pytest.raises(Exception, match="needs a clock"):
        SimulatedSource(Renderer(scene.scenario, scene.projector), T, burn_clock=True)
