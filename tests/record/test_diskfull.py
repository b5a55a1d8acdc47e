"""A really full disk: a small tmpfs holding the recordings *and* the database (as the node's
default ``<data_dir>/kordon.db`` does) is filled to the last byte while recording.

Everything is driven by observed progress (segments stored, the recorder's reported state,
packets seen) and the injected clock, never by wall time.
"""

from __future__ import annotations

import itertools
import os
import random
import statistics
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from kordon.domain.event import Event, EventKind
from kordon.domain.status import DeviceState
from kordon.record.fsutil import sha256_file
from kordon.record.layout import segment_files
from kordon.record.packet_source import SourcePacket
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.record.retention import RetentionManager, RetentionPolicy
from kordon.record.types import GapReason, SegmentRecord
from kordon.services.pending_events import PendingEvents
from kordon.store import Store, sqlite_url
from tests.record.media import FakeCamera, HealthLog, StepClock, make_h264
from tests.record.tmpfs import fill, small_tmpfs

SETTINGS = RecorderSettings(
    segment_s=1.0, max_segment_s=3.0, max_lag_s=None, retry_s=1.0, max_retry_s=8.0, stop_at_end=True
)
KEYFRAME_S = 1.0
"""The test streams carry a keyframe every second (10 frames at 10 fps)."""
FILL_AFTER_SEGMENTS = 3
FULL_FOR_PACKETS = 60
"""How long (in packets: 6 s of camera time) the disk stays full once the pause is seen."""


@pytest.fixture(scope="module")
def long_h264(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_h264(tmp_path_factory.mktemp("media") / "long.ts", seconds=40.0)


@pytest.fixture(scope="module")
def big_h264(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Segments of ~100 kB: each deletion frees more than a database write takes."""
    return make_h264(tmp_path_factory.mktemp("media") / "big.ts", seconds=30.0, noise_px=80)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with small_tmpfs(tmp_path / "disk", size="8m") as mount:
        yield mount


@pytest.fixture
def disk_store(disk: Path) -> Iterator[Store]:
    store = Store(sqlite_url(disk / "kordon.db"))
    store.open()
    try:
        yield store
    finally:
        store.close()


@dataclass
class Outage:
    """What the driver saw: when it filled and freed the disk, and the state meanwhile."""

    filled_at: datetime | None = None
    paused_at: datetime | None = None
    freed_at: datetime | None = None
    state_while_full: DeviceState | None = None
    detail_while_full: str = ""
    packets_full: int = 0
    stored_before: dict[str, str] = field(default_factory=dict)


def _check_rows_match_files(disk: Path, segments: list[SegmentRecord]) -> None:
    files = segment_files(disk, "cam-1")
    assert set(files) == {s.path_rel for s in segments}
    for segment in segments:
        assert sha256_file(files[segment.path_rel]) == segment.sha256
    for before, after in itertools.pairwise(segments):
        assert after.start >= before.end


def test_full_disk_pauses_with_a_health_state_and_resumes_once_space_is_freed(
    long_h264: Path, disk: Path, disk_store: Store
) -> None:
    repository = RecordingRepository.on_sessions(disk_store.sessions)
    clock = StepClock()
    health = HealthLog()
    filler = disk / "filler"
    outage = Outage()

    def store_alarm(event: Event) -> None:
        disk_store.events.add(event)

    alarms = PendingEvents(store_alarm)
    holder: list[Recorder] = []

    def drive(_index: int, packet: SourcePacket) -> SourcePacket:
        recorder = holder[0]
        if outage.filled_at is None:
            stored = repository.segments("cam-1")
            if len(stored) >= FILL_AFTER_SEGMENTS:
                outage.stored_before = {s.path_rel: s.sha256 for s in stored}
                fill(filler)
                outage.filled_at = clock.now()
        elif outage.paused_at is None:
            if recorder.condition.state is DeviceState.DEGRADED:
                outage.paused_at = clock.now()
        elif outage.freed_at is None:
            outage.packets_full += 1
            if outage.packets_full == FULL_FOR_PACKETS:
                outage.state_while_full = recorder.condition.state
                outage.detail_while_full = recorder.condition.detail
                filler.unlink()
                outage.freed_at = clock.now()
        return packet

    recorder = Recorder(
        camera_id="cam-1",
        source=FakeCamera(long_h264, clock, drive),
        data_dir=disk,
        repository=repository,
        clock=clock,
        health=health,
        alarm=alarms.submit,
        settings=SETTINGS,
    )
    holder.append(recorder)
    recorder.run()  # a full disk (and a full database) raises nothing out of the recorder

    assert outage.freed_at is not None, health.details()
    assert outage.filled_at is not None
    assert outage.paused_at is not None
    # while full: paused, and it says why
    assert outage.state_while_full is DeviceState.DEGRADED
    assert "recording paused" in outage.detail_while_full
    assert "no space left" in outage.detail_while_full
    assert recorder.stats.storage_errors >= 1
    # after: a new segment by itself, within one back-off step, a keyframe and a segment
    stored = repository.segments("cam-1")
    resumed = [s for s in stored if s.start >= outage.freed_at]
    assert resumed, health.details()
    resume_s = (resumed[0].start - outage.freed_at).total_seconds()
    assert resume_s <= SETTINGS.max_retry_s + KEYFRAME_S + 1e-6
    assert recorder.condition.state is DeviceState.STOPPED  # the source ended: stop_at_end
    last_pause = max(i for i, s in enumerate(health.statuses) if "recording paused" in s.detail)
    back = [s for s in health.statuses[last_pause:] if s.detail == "recording resumed"]
    assert [s.state for s in back[:1]] == [DeviceState.ONLINE]
    # what was stored before is intact; rows and files agree; the outage is one gap
    by_path = {s.path_rel: s for s in stored}
    for path_rel, digest in outage.stored_before.items():
        assert by_path[path_rel].sha256 == digest
    _check_rows_match_files(disk, stored)
    gaps = [g for g in repository.gaps("cam-1") if g.reason is GapReason.STORAGE_ERROR]
    assert len(gaps) == 1
    last_before = max(s.end for s in stored if s.start < outage.filled_at)
    assert gaps[0].start == last_before
    assert gaps[0].end == resumed[0].start
    # the storage alarm was written, late if the database was full when it fired
    alarms.flush()
    assert alarms.stats.pending == 0
    kinds = [e.kind for e in disk_store.events.list(limit=100)]
    assert kinds.count(EventKind.STORAGE_ALARM) == 1


def test_disk_full_sweep_frees_unheld_footage_and_never_held(
    big_h264: Path, disk: Path, disk_store: Store
) -> None:
    """The filler stays: only the recorder's own disk-full sweep makes room again."""
    repository = RecordingRepository.on_sessions(disk_store.sessions)
    clock = StepClock()
    health = HealthLog()
    retention = RetentionManager(
        data_dir=disk,
        repository=repository,
        policy=RetentionPolicy(max_age_s=None, min_free_bytes=100_000),
    )
    held: list[SegmentRecord] = []
    held_hash: list[str] = []
    first: list[SegmentRecord] = []
    filled: list[datetime] = []

    def drive(_index: int, packet: SourcePacket) -> SourcePacket:
        if not filled:
            stored = repository.segments("cam-1")
            if len(stored) >= 12:
                first.extend(stored)
                held.append(stored[1])
                held_hash.append(sha256_file(disk / stored[1].path_rel))
                repository.hold(
                    "cam-1", stored[1].start, stored[1].end, "incident", time=clock.now()
                )
                fill(disk / "filler")
                filled.append(clock.now())
        return packet

    recorder = Recorder(
        camera_id="cam-1",
        source=FakeCamera(big_h264, clock, drive),
        data_dir=disk,
        repository=repository,
        clock=clock,
        health=health,
        settings=SETTINGS,
        reclaim=retention.reclaim,
    )
    recorder.run()

    assert filled, health.details()
    assert "no space left" in health.details()
    assert (disk / "filler").exists()
    stored = repository.segments("cam-1")
    paths = {s.path_rel for s in stored}
    # held footage untouched; the oldest un-held went first
    assert held[0].path_rel in paths
    assert sha256_file(disk / held[0].path_rel) == held_hash[0]
    assert first[0].path_rel not in paths
    deleted = [s.path_rel for s in first if s.path_rel not in paths]
    assert deleted == [s.path_rel for s in first if s != held[0]][: len(deleted)]
    # recording went on by itself after the disk filled
    assert [s for s in stored if s.start > filled[0]], health.details()
    assert "recording resumed" in health.details()
    _check_rows_match_files(disk, stored)


def _remount(mount: Path, mode: str) -> None:
    result = subprocess.run(
        ["mount", "-o", f"remount,{mode}", str(mount)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_storage_retries_back_off_exponentially_on_the_injected_clock(
    long_h264: Path, disk: Path, tmp_path: Path
) -> None:
    """A read-only disk: each retry is a segment-file creation; they come 1, 2, 4, 8, 8 s apart."""
    store = Store(sqlite_url(tmp_path / "db" / "kordon.db"))
    store.open()
    repository = RecordingRepository.on_sessions(store.sessions)
    clock = StepClock()
    attempts: list[float] = []
    read_only = [False]

    def on_open(_path_rel: str) -> None:
        # called before each segment file is created: the first retries meet a read-only disk
        if read_only[0]:
            attempts.append(clock.monotonic())
            if len(attempts) == 6:
                _remount(disk, "rw")
                read_only[0] = False
        elif not attempts and len(repository.segments("cam-1")) == 2:
            _remount(disk, "ro")
            read_only[0] = True
            attempts.append(clock.monotonic())

    recorder = Recorder(
        camera_id="cam-1",
        source=FakeCamera(long_h264, clock),
        data_dir=disk,
        repository=repository,
        clock=clock,
        health=HealthLog(),
        settings=SETTINGS,
        on_segment_open=on_open,
    )
    try:
        recorder.run()
        stored = repository.segments("cam-1")
    finally:
        store.close()
    assert len(attempts) == 6
    waits = [b - a for a, b in itertools.pairwise(attempts)]
    for wait, backoff in zip(waits, [1.0, 2.0, 4.0, 8.0, 8.0], strict=True):
        # doubling from retry_s, capped at max_retry_s; the retry waits for the next keyframe
        assert backoff - 1e-6 <= wait <= backoff + KEYFRAME_S + 1e-6, waits
    assert recorder.stats.storage_errors == 5
    assert len(stored) > 2 + 10  # recording went on once the disk was writable again


class _OutageDriver:
    """The camera's packet hook: fills the disk after ``fill_after`` new segments, waits for
    the recorder to report the pause, frees the disk ``full_for`` packets later."""

    def __init__(
        self,
        disk: Path,
        repository: RecordingRepository,
        clock: StepClock,
        *,
        fill_after: int,
        full_for: int,
    ) -> None:
        self._disk = disk
        self._repository = repository
        self._clock = clock
        self._fill_at = len(repository.segments("cam-1")) + fill_after
        self._full_for = full_for
        self.outage = Outage()
        self.recorder: Recorder | None = None

    def __call__(self, _index: int, packet: SourcePacket) -> SourcePacket:
        outage = self.outage
        if outage.filled_at is None:
            if len(self._repository.segments("cam-1")) >= self._fill_at:
                fill(self._disk / "filler")
                outage.filled_at = self._clock.now()
        elif outage.paused_at is None:
            assert self.recorder is not None
            if self.recorder.condition.state is DeviceState.DEGRADED:
                outage.paused_at = self._clock.now()
        elif outage.freed_at is None:
            outage.packets_full += 1
            if outage.packets_full >= self._full_for:
                (self._disk / "filler").unlink()
                outage.freed_at = self._clock.now()
        return packet


def test_disk_full_loop_always_resumes(long_h264: Path, disk: Path, disk_store: Store) -> None:
    """Outage after outage on one disk: a random fill point and a random time full.

    ``KORDON_DISKFULL_ITERATIONS`` (default 3) sets how many; ``make reliability`` raises it.
    Prints the figures: outages, segments verified, resume times in camera seconds.
    """
    iterations = int(os.environ.get("KORDON_DISKFULL_ITERATIONS", "3"))
    rng = random.Random(4321)
    repository = RecordingRepository.on_sessions(disk_store.sessions)
    clock = StepClock()
    retention = RetentionManager(
        data_dir=disk,
        repository=repository,
        policy=RetentionPolicy(max_age_s=None, max_bytes=2_000_000, min_free_bytes=0),
    )
    resume_s: list[float] = []
    verified = 0
    recorded_after = 0
    storage_errors = 0
    for iteration in range(iterations):
        fill_after = rng.randint(1, 6)
        full_for = rng.randint(5, 80)
        driver = _OutageDriver(disk, repository, clock, fill_after=fill_after, full_for=full_for)
        recorder = Recorder(
            camera_id="cam-1",
            source=FakeCamera(long_h264, clock, driver),
            data_dir=disk,
            repository=repository,
            clock=clock,
            health=HealthLog(),
            settings=SETTINGS,
        )
        driver.recorder = recorder
        recorder.start()
        recorder.run()
        storage_errors += recorder.stats.storage_errors
        outage = driver.outage
        assert outage.freed_at is not None, f"iteration {iteration}: no outage seen"
        stored = repository.segments("cam-1")
        after = [s for s in stored if s.start >= outage.freed_at]
        assert after, f"iteration {iteration}: recording did not resume"
        recorded_after += len(after)
        resume_s.append((after[0].start - outage.freed_at).total_seconds())
        assert resume_s[-1] <= SETTINGS.max_retry_s + KEYFRAME_S + 1e-6
        _check_rows_match_files(disk, stored)
        verified += len(stored)
        retention.sweep(clock.now())  # keep the small disk from filling up for good
    ordered = sorted(resume_s)
    sys.stdout.write(
        f"\ndisk-full loop: {iterations} outages, {storage_errors} storage errors, "
        f"{recorded_after} segments recorded after freeing, {verified} segment checks "
        f"(rows = files, hashes), resume after freeing "
        f"min {ordered[0]:.1f} s / median {statistics.median(ordered):.1f} s / "
        f"max {ordered[-1]:.1f} s (camera time)\n"
    )
