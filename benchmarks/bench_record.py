"""Recording benchmarks: CPU per 1080p H.264 camera (stream copy), 60 s clip assembly."""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import numpy as np
from sqlalchemy.orm import sessionmaker

from benchmarks.common import BenchRow, main_for
from kordon.record.clips import request_clip
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.store.engine import create_engine_for, sqlite_url
from kordon.store.models import Base
from kordon.video.source.clock import FakeClock

FPS = 25
SECONDS = 70


def _make_1080p(path: Path) -> None:
    with av.open(str(path), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.gop_size = 2 * FPS
        stream.bit_rate = 4_000_000
        stream.codec_context.options = {"preset": "ultrafast", "bf": "0"}
        base = np.random.default_rng(0).integers(0, 255, (1080, 1920, 3), dtype=np.uint8)
        for i in range(FPS * SECONDS):
            frame = av.VideoFrame.from_ndarray(np.roll(base, i * 8, axis=1), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def bench_rows() -> list[BenchRow]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / "cam1080.ts"
        _make_1080p(source)
        engine = create_engine_for(sqlite_url(root / "kordon.db"))
        Base.metadata.create_all(engine)
        repository = RecordingRepository.on_sessions(sessionmaker(engine, expire_on_commit=False))
        clock = FakeClock(datetime(2025, 1, 1, tzinfo=UTC))
        recorder = Recorder(
            camera_id="cam",
            source=str(source),
            data_dir=root / "data",
            repository=repository,
            clock=clock,
            health=lambda _s: None,
            settings=RecorderSettings(max_lag_s=None, stop_at_end=True),
        )
        recorder.start()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        recorder.run()
        cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
        share = 100.0 * cpu_s / SECONDS
        segments = repository.segments("cam")
        start = segments[0].start
        t0 = time.perf_counter()
        clip = request_clip(
            "cam",
            start,
            start + timedelta(seconds=60),
            root / "clip.mp4",
            data_dir=root / "data",
            repository=repository,
        )
        clip_s = time.perf_counter() - t0
        note = f"1080p H.264 ~4 Mb/s, {FPS} fps, {SECONDS} s unpaced, {len(segments)} segments"
        return [
            BenchRow("record", "CPU per 1080p camera (stream copy)", share, "% of a core", note),
            BenchRow("record", "recording speed", SECONDS / wall_s, "x real time", note),
            BenchRow(
                "record",
                "assemble 60 s clip (MP4 faststart)",
                clip_s,
                "s",
                f"{clip.packet_count} packets, {clip.duration_s:.1f} s",
            ),
        ]


if __name__ == "__main__":
    main_for(bench_rows)
