"""Test helper: record a looping file into a data directory until killed.

``python -m kordon.record._crash_worker SOURCE DATA_DIR DB_PATH CAMERA JOURNAL [SPEED]``.
Each segment's path is appended to ``JOURNAL`` before it is opened, so a test that
SIGKILLs this process knows which segment was open. Progress goes to stdout, one line each,
flushed: ``packet N`` before packet N is handed to the recorder, ``closed PATH`` once a
segment's file, row and ledger entry are stored. A test kills on what it reads there (after
the k-th closed segment plus some packets), never at a wall-clock moment.

``python -m kordon.record._crash_worker --fork-server`` imports once, then for each line
``PROGRESS_FIFO<TAB>SOURCE<TAB>DATA_DIR<TAB>...`` on stdin forks a recorder whose progress
goes to that FIFO, answers ``pid N``, and ``exit CODE`` once it is gone: a kill test then
pays the (slow) imports once, not once per kill.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Iterator
from datetime import datetime
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


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class _PacedSource:
    """A file played at ``speed`` times real time, announcing every packet."""

    def __init__(self, url: str, speed: float) -> None:
        self._inner = AvPacketSource(url)
        self._speed = speed
        self._count = 0

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
            self._count += 1
            _say(f"packet {self._count}")
            yield packet

    def close(self) -> None:
        self._inner.close()


class _AnnouncingSink:
    """The segment sink: says which segment is stored (row committed, then this call)."""

    def record_segment(
        self,
        camera_id: str,
        path_rel: str,
        *,
        sha256: str,
        start: datetime,
        end: datetime,
        time: datetime,
    ) -> None:
        del camera_id, sha256, start, end, time
        _say(f"closed {path_rel}")


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
            sink=_AnnouncingSink(),
            settings=RecorderSettings(
                segment_s=1.0, max_segment_s=5.0, max_lag_s=None, retry_s=0.01
            ),
            on_segment_open=opened,
        )
        recorder.start()
        _say("recording")
        recorder.run()
    return 0


def serve() -> int:
    """The fork server: one forked recorder per request line, reaped before the next."""
    for line in sys.stdin:
        progress, *args = line.rstrip("\n").split("\t")
        pid = os.fork()
        if pid == 0:  # the child: progress to the FIFO, then record until killed
            code = 1
            try:
                fd = os.open(progress, os.O_WRONLY)
                os.dup2(fd, sys.stdout.fileno())
                os.close(fd)
                code = main(args)
            except BaseException:  # say why on stderr; never return into the server loop
                traceback.print_exc()
            finally:
                sys.stderr.flush()
                os._exit(code)
        _say(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        _say(f"exit {os.waitstatus_to_exitcode(status)}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--fork-server"]:
        raise SystemExit(serve())
    raise SystemExit(main(sys.argv[1:]))
