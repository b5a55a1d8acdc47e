"""Crash safety: SIGKILL the recorder at random points of its progress; recovery must restore
agreement, and nothing the recorder reported stored may be lost.

Each kill comes after the worker reported its k-th closed segment (k random, 1-3) plus a
random number of further packets (0-20, up to two segments' worth): what the recorder has
done, never how long it ran, decides the moment, so a loaded machine only makes it slower.
The worker keeps running between the line the test reads and the kill, so kills land
anywhere in the write path (muxing, fsync, the row, the journal). Recorders are forked from
one worker that imported everything once (its ``--fork-server`` mode): each kill costs a
fork, not a Python start-up.

``KORDON_CRASH_ITERATIONS`` (default 30) sets how many kills; ``make reliability`` raises it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pytest

from kordon.record.fsutil import sha256_file
from kordon.record.layout import segment_files
from kordon.record.probe import probe_segment
from kordon.record.recovery import recover_camera
from kordon.record.sink import NullSegmentSink
from tests.record.media import T0, make_repository

pytestmark = pytest.mark.slow

MAX_CLOSED_BEFORE_KILL = 3
MAX_PACKETS_AFTER = 20
"""The test file has 10 packets per 1-s segment."""
WATCHDOG_S = 120.0
"""Only against a hung worker: a kill that waits this long fails the test."""


@dataclass
class Progress:
    closed: list[str] = field(default_factory=list)
    packets_after: int = 0
    ended: bool = False
    """The worker's output ended before the kill point (it died by itself)."""


def _run_until(stream: BinaryIO, closed_target: int, packets_after: int) -> Progress:
    """Read progress lines until the kill point; the recorder keeps running meanwhile."""
    progress = Progress()
    for raw in stream:
        kind, _, value = raw.decode().strip().partition(" ")
        if kind == "closed":
            progress.closed.append(value)
        elif kind == "packet" and len(progress.closed) >= closed_target:
            if progress.packets_after >= packets_after:
                return progress
            progress.packets_after += 1
    progress.ended = True
    return progress


class ForkServer:
    """The worker in ``--fork-server`` mode: forks one recorder per :meth:`record`."""

    def __init__(self, err: Path) -> None:
        self._err = err.open("wb")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "kordon.record._crash_worker", "--fork-server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._err,
        )

    def _line(self) -> tuple[str, int]:
        assert self._proc.stdout is not None
        kind, _, value = self._proc.stdout.readline().decode().strip().partition(" ")
        assert kind in {"pid", "exit"}, f"fork server said {kind!r}: {self.errors()}"
        return kind, int(value)

    def record(self, fifo: Path, args: list[str]) -> int:
        """Start a recorder whose progress goes to ``fifo``; returns its pid."""
        assert self._proc.stdin is not None
        os.mkfifo(fifo)
        self._proc.stdin.write(("\t".join([str(fifo), *args]) + "\n").encode())
        self._proc.stdin.flush()
        kind, pid = self._line()
        assert kind == "pid"
        return pid

    def exit_code(self) -> int:
        kind, code = self._line()
        assert kind == "exit"
        return code

    def errors(self) -> str:
        self._err.flush()
        return Path(self._err.name).read_text(encoding="utf-8", errors="replace")[-2000:]

    def close(self) -> None:
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=WATCHDOG_S)
        self._proc.stdout.close()
        self._err.close()


@pytest.fixture
def fork_server(tmp_path: Path) -> Iterator[ForkServer]:
    server = ForkServer(tmp_path / "worker.err")
    try:
        yield server
    finally:
        server.close()


def _kill_later(pid: int) -> threading.Timer:
    """Only against a hung recorder: past the watchdog it is killed and the test fails."""

    def kill() -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    timer = threading.Timer(WATCHDOG_S, kill)
    timer.start()
    return timer


def test_sigkill_after_observed_progress_loses_at_most_the_open_segment(
    h264_ts: Path, tmp_path: Path, fork_server: ForkServer
) -> None:
    iterations = int(os.environ.get("KORDON_CRASH_ITERATIONS", "30"))
    data, db, journal = tmp_path / "data", tmp_path / "kordon.db", tmp_path / "journal.txt"
    args = [str(h264_ts), str(data), str(db), "cam-1", str(journal), "10"]
    rng = random.Random(1234)
    checked: set[str] = set()
    reported_closed = 0
    seen_lines = 0
    lost_total = 0
    for iteration in range(iterations):
        closed_target = rng.randint(1, MAX_CLOSED_BEFORE_KILL)
        packets_after = rng.randint(0, MAX_PACKETS_AFTER)
        pid = fork_server.record(tmp_path / f"progress-{iteration}", args)
        watchdog = _kill_later(pid)
        try:
            with (tmp_path / f"progress-{iteration}").open("rb") as stream:
                progress = _run_until(stream, closed_target, packets_after)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            code = fork_server.exit_code()
        finally:
            watchdog.cancel()
        assert not progress.ended, f"iteration {iteration}: {fork_server.errors()}"
        assert code == -signal.SIGKILL, fork_server.errors()
        assert len(progress.closed) >= closed_target

        repository = make_repository(db)
        recover_camera(data, "cam-1", repository, NullSegmentSink(), T0)
        rows = {s.path_rel: s for s in repository.segments("cam-1")}
        files = segment_files(data, "cam-1")
        assert set(rows) == set(files)
        # every segment the recorder reported stored survived the kill, byte for byte
        for path_rel in progress.closed:
            assert path_rel in rows, f"reported closed, lost after the kill: {path_rel}"
        reported_closed += len(progress.closed)
        for path_rel in set(rows) - checked:
            assert sha256_file(files[path_rel]) == rows[path_rel].sha256
            probe_segment(files[path_rel])
            checked.add(path_rel)
        lines = journal.read_text(encoding="utf-8").splitlines() if journal.exists() else []
        new = lines[seen_lines:]
        seen_lines = len(lines)
        lost = [p for p in new if p not in rows]
        assert lost in ([], new[-1:]), f"lost more than the open segment: {lost}"
        lost_total += len(lost)
        ordered = sorted(rows.values(), key=lambda s: s.start)
        for before, after in itertools.pairwise(ordered):
            assert after.start >= before.end
    assert reported_closed >= iterations  # at least one closed segment before every kill
    assert len(checked) >= reported_closed
    sys.stdout.write(
        f"\ncrash test: {iterations} kills, {reported_closed} segments reported closed, "
        f"{len(checked)} segments verified, {lost_total} open segments lost\n"
    )
