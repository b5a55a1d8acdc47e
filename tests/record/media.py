"""Synthetic H.264 test streams (PyAV + libx264), and a fake camera built on them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import av.stream
import numpy as np
from sqlalchemy.orm import sessionmaker

from kordon.domain.status import DeviceStatus
from kordon.record.packet_source import AvPacketSource, SourcePacket
from kordon.record.repository import RecordingRepository
from kordon.store.engine import create_engine_for, sqlite_url
from kordon.store.models import Base

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def make_h264(
    path: Path,
    *,
    seconds: float = 3.0,
    fps: int = 10,
    gop: int = 10,
    size_wh: tuple[int, int] = (320, 240),
    fmt: str = "mpegts",
    noise_px: int = 0,
) -> Path:
    """A small H.264 stream: a moving bar, a keyframe every ``gop`` frames, no B-frames.

    ``noise_px``: a square of random pixels that side long in the corner, so every frame
    costs bytes (the bar alone compresses to almost nothing).
    """
    width, height = size_wh
    rng = np.random.default_rng(7)
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.gop_size = gop
        stream.codec_context.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "bf": "0",
            "sc_threshold": "0",
            "keyint_min": str(gop),
        }
        for i in range(round(seconds * fps)):
            image = np.full((height, width, 3), 40, np.uint8)
            x = (i * 7) % max(width - 20, 1)
            image[:, x : x + 20] = (200, 100 + i % 100, 50)
            if noise_px:
                image[:noise_px, :noise_px] = rng.integers(0, 256, (noise_px, noise_px, 3))
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def make_repository(db_path: Path) -> RecordingRepository:
    engine = create_engine_for(sqlite_url(db_path))
    Base.metadata.create_all(engine)
    return RecordingRepository.on_sessions(sessionmaker(engine, expire_on_commit=False))


class StepClock:
    """A clock that advances by ``step_s`` on every ``now()``-independent tick."""

    def __init__(self, start: datetime = T0) -> None:
        self.t = 0.0
        self.start = start

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t)

    def sleep(self, seconds: float) -> None:
        self.t += max(seconds, 0.0)


class FakeCamera:
    """Packets of a file, passed through ``transform`` (drop, corrupt, re-time); advances
    the clock to each packet's presentation time as a live camera would."""

    def __init__(
        self,
        path: Path,
        clock: StepClock,
        transform: Callable[[int, SourcePacket], SourcePacket | None] | None = None,
    ) -> None:
        self._inner = AvPacketSource(str(path))
        self._clock = clock
        self._transform = transform
        self.opened = 0

    def open(self) -> av.stream.Stream:
        self.opened += 1
        return self._inner.open()

    def packets(self) -> Iterator[SourcePacket]:
        for index, packet in enumerate(self._inner.packets()):
            self._clock.t += 0.1
            out = self._transform(index, packet) if self._transform else packet
            if out is not None:
                yield out

    def close(self) -> None:
        self._inner.close()


def shifted(packet: SourcePacket, ticks: int) -> SourcePacket:
    return replace(
        packet,
        pts=None if packet.pts is None else packet.pts + ticks,
        dts=None if packet.dts is None else packet.dts + ticks,
    )


class HealthLog:
    def __init__(self) -> None:
        self.statuses: list[DeviceStatus] = []

    def __call__(self, status: DeviceStatus) -> None:
        self.statuses.append(status)

    def details(self) -> str:
        return "\n".join(s.detail for s in self.statuses)
