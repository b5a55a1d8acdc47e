"""Test helper: record a looping file into a data directory until killed.

``python -m kordon.record._crash_worker SOURCE DATA_DIR DB_PATH CAMERA JOURNAL [SPEED]``.
Each segment's path is appended to ``JOURNAL`` before it is opened, so a test that
SIGKILLs this process knows which segment was open.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import av.stream
from sqlalchemy.orm import sessionmaker

from kordon.record.packet_source import AvPacketSource, SourcePacket
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.store.engine import create_engine_for, sqlite_url
from kordon.store.models import Base
from kordon.video.source.clock import SystemClock

ARGS_MIN = 6


class _PacedSource:
    """A file played at ``speed`` times real time."""

    def __init__(self, url: str, speed: float) -> None:
        self._inner = AvPacketSource(url)
        self._speed = speed

    def open(self) -> av.stream.Stream:
        return self._inner.open()

    def packets(self) -> Iterator[SourcePacket]:
        t0 = time.monotonic()
        first: float | None = None
        for packet in self._inner.packets():
            if packet.dts is not None:
                ts = float(packet.dts * packet.time_base)
                first = ts if first is None else first
                delay = (ts - first) / self._speed - (time.monotonic() - t0)
                if delay > 0:
                    time.sleep(delay)
            yield packet

    def close(self) -> None:
        self._inner.close()


def main(argv: list[str]) -> int:
    if len(argv) < ARGS_MIN - 1:
        sys.stderr.write(__doc__ or "")
        return 2
    source, data_dir, db_path, camera, journal = argv[:5]
    speed = float(argv[5]) if len(argv) >= ARGS_MIN else 10.0
    engine = create_engine_for(sqlite_url(db_path))
    Base.metadata.create_all(engine)
    repository = RecordingRepository.on_sessions(sessionmaker(engine, expire_on_commit=False))
    with Path(journal).open("a", encoding="utf-8") as log:

        def opened(path_rel: str) -> None:
            log.write(path_rel + "\n")
            log.flush()

        recorder = Recorder(
            camera_id=camera,
            source=_PacedSource(source, speed),
            data_dir=Path(data_dir),
            repository=repository,
            clock=SystemClock(),
            health=lambda _status: None,
            settings=RecorderSettings(
                segment_s=1.0, max_segment_s=5.0, max_lag_s=None, retry_s=0.01
            ),
            on_segment_open=opened,
        )
        recorder.start()
        sys.stdout.write("recording\n")
        sys.stdout.flush()
        recorder.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
