"""Retention: holds survive, oldest un-held goes first, the alarm fires, a real small disk."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from kordon.domain.event import Event, EventKind
from kordon.record.fsutil import sha256_file
from kordon.record.layout import segment_files
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.record.retention import DiskSpace, RetentionManager, RetentionPolicy
from tests.record.media import FakeCamera, HealthLog, StepClock, make_h264, make_repository
from tests.support.requirements import require_or_skip

SETTINGS = RecorderSettings(segment_s=1.0, max_segment_s=3.0, max_lag_s=None, stop_at_end=True)


def _record(source: Path, data: Path, repository: RecordingRepository, clock: StepClock) -> None:
    Recorder(
        camera_id="cam-1",
        source=FakeCamera(source, clock),
        data_dir=data,
        repository=repository,
        clock=clock,
        health=HealthLog(),
        settings=SETTINGS,
    ).run()


def test_age_limit_keeps_held_segments(
    h264_ts: Path, tmp_path: Path, repository: RecordingRepository
) -> None:
    clock = StepClock()
    data = tmp_path / "data"
    _record(h264_ts, data, repository, clock)
    segments = repository.segments("cam-1")
    assert len(segments) == 6
    held = segments[2]
    repository.hold("cam-1", held.start, held.end, "incident 7", time=clock.now(), incident_id="7")
    manager = RetentionManager(
        data_dir=data,
        repository=repository,
        policy=RetentionPolicy(max_age_s=60.0, min_free_bytes=0),
    )
    report = manager.sweep(segments[-1].end + timedelta(hours=1))
    assert len(report.deleted) == 5
    assert [s.path_rel for s in repository.segments("cam-1")] == [held.path_rel]
    assert set(segment_files(data, "cam-1")) == {held.path_rel}


def test_size_limit_deletes_oldest_first_and_queue_survives_a_crash(
    h264_ts: Path, tmp_path: Path, repository: RecordingRepository
) -> None:
    clock = StepClock()
    data = tmp_path / "data"
    _record(h264_ts, data, repository, clock)
    segments = repository.segments("cam-1")
    # a crash after marking: the row is queued, the file still there
    assert segments[0].id is not None
    assert repository.queue_deletion(segments[0].id, reason="size", time=clock.now())
    keep = sum(s.size_bytes for s in segments[-2:])
    manager = RetentionManager(
        data_dir=data,
        repository=repository,
        policy=RetentionPolicy(max_age_s=None, max_bytes=keep, min_free_bytes=0),
    )
    manager.sweep(clock.now())
    assert [s.path_rel for s in repository.segments("cam-1")] == [s.path_rel for s in segments[-2:]]
    assert set(segment_files(data, "cam-1")) == {s.path_rel for s in segments[-2:]}
    assert repository.pending_deletions() == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        require_or_skip(f"cannot mount a small tmpfs here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_keeps_held_footage_and_raises_the_alarm(
    small_disk: Path, tmp_path: Path
) -> None:
    source = make_h264(tmp_path / "big.ts", seconds=20.0, size_wh=(640, 480), gop=10)
    repository = make_repository(tmp_path / "db" / "kordon.db")
    clock = StepClock()
    alarms: list[Event] = []
    manager = RetentionManager(
        data_dir=small_disk,
        repository=repository,
        policy=RetentionPolicy(max_age_s=None, min_free_bytes=600_000),
        alarm=alarms.append,
    )
    _record(source, small_disk, repository, clock)
    first = repository.segments("cam-1")
    held = first[1]
    held_hash = sha256_file(small_disk / held.path_rel)
    repository.hold("cam-1", held.start, held.end, "evidence", time=clock.now())
    for _ in range(8):  # keep recording into a filling disk, sweeping as the node would
        _record(source, small_disk, repository, clock)
        manager.sweep(clock.now())
    assert sha256_file(small_disk / held.path_rel) == held_hash
    remaining = [s.path_rel for s in repository.segments("cam-1")]
    assert held.path_rel in remaining
    assert first[0].path_rel not in remaining  # oldest un-held went first
    assert set(segment_files(small_disk, "cam-1")) == set(remaining)
    assert any(a.kind is EventKind.STORAGE_ALARM for a in alarms)


def test_enospc_while_recording_is_reported_and_stored_footage_is_intact(
    small_disk: Path, tmp_path: Path
) -> None:
    source = make_h264(tmp_path / "big.ts", seconds=20.0, size_wh=(640, 480), gop=10)
    repository = make_repository(tmp_path / "db" / "kordon.db")
    clock = StepClock()
    _record(source, small_disk, repository, clock)
    before = {s.path_rel: s.sha256 for s in repository.segments("cam-1")}
    free = __import__("shutil").disk_usage(small_disk).free
    (small_disk / "filler").write_bytes(b"\0" * (free - 50_000))
    alarms: list[Event] = []
    health = HealthLog()
    recorder = Recorder(
        camera_id="cam-1",
        source=FakeCamera(source, clock),
        data_dir=small_disk,
        repository=repository,
        clock=clock,
        health=health,
        alarm=alarms.append,
        settings=SETTINGS,
    )
    recorder.run()
    assert recorder.stats.storage_errors >= 1
    assert "no space left" in health.details()
    assert alarms
    assert alarms[0].attributes["reason"] == "disk_full"
    stored = {s.path_rel: s for s in repository.segments("cam-1")}
    files = segment_files(small_disk, "cam-1")
    assert set(stored) == set(files)
    for path_rel, digest in before.items():
        assert sha256_file(files[path_rel]) == digest


MB = 1_000_000


@dataclass(frozen=True)
class Size:
    """``held × times + plus`` bytes: disks described relative to the held footage."""

    times: float = 0.0
    plus: int = 0

    def of(self, held: int) -> int:
        return int(held * self.times) + self.plus


@dataclass(frozen=True)
class DiskCase:
    total: Size
    free: Size
    min_free: Size
    held_fills: bool


DISK_CASES = {
    # the probe: 59 MB free of 64 MB, default 5 GB minimum (capped to half the disk)
    "probe-5GB-minimum": DiskCase(
        Size(plus=64 * MB), Size(plus=59 * MB), Size(plus=5000 * MB), False
    ),
    "probe-60MB-minimum": DiskCase(
        Size(plus=64 * MB), Size(plus=59 * MB), Size(plus=60 * MB), False
    ),
    "probe-5MB-minimum": DiskCase(Size(plus=64 * MB), Size(plus=59 * MB), Size(plus=5 * MB), False),
    "held-is-most-of-it": DiskCase(Size(1.5), Size(), Size(1.0), True),
    "held-leaves-1-byte-less": DiskCase(Size(1.0, 10_000), Size(), Size(plus=10_001), True),
    "held-leaves-1-byte-more": DiskCase(Size(1.0, 10_000), Size(), Size(plus=9_999), False),
    "others-fill-it": DiskCase(Size(4.0), Size(), Size(0.5), False),
}


@pytest.mark.parametrize("case", DISK_CASES.values(), ids=DISK_CASES.keys())
def test_held_footage_alarm_fires_only_when_held_footage_fills_the_disk(
    h264_ts: Path, tmp_path: Path, repository: RecordingRepository, case: DiskCase
) -> None:
    clock = StepClock()
    _record(h264_ts, tmp_path / "data", repository, clock)
    segments = repository.segments("cam-1")
    for segment in segments[:3]:
        repository.hold("cam-1", segment.start, segment.end, "incident", time=clock.now())
    held = sum(s.size_bytes for s in segments[:3])
    space = DiskSpace(free_bytes=case.free.of(held), total_bytes=case.total.of(held))
    alarms: list[Event] = []
    manager = RetentionManager(
        data_dir=tmp_path / "data",
        repository=repository,
        policy=RetentionPolicy(max_age_s=None, min_free_bytes=case.min_free.of(held)),
        alarm=alarms.append,
        free_space=lambda _path: space,
    )
    report = manager.sweep(clock.now())
    fills = [a for a in alarms if "fills the disk" in str(a.attributes["detail"])]
    assert len(fills) == int(case.held_fills)
    if space.free_bytes >= space.total_bytes // 2:  # plenty of room: nothing deleted, no alarm
        assert report.deleted == []
        assert alarms == []
