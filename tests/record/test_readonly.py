"""A recording file system that turns read-only while recording, then writable again.

Linux refuses to remount a file system read-only while a file on it is open for writing
(``EBUSY``), so the switch happens at the instant between two segments (from the recorder's
``on_segment_open`` hook, before the next file is created): to the recorder that is what a
disk that went read-only mid-recording looks like at its next write. Needs ``mount`` (root or
CAP_SYS_ADMIN); skips with the reason elsewhere.
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kordon.domain.event import Event, EventKind
from kordon.domain.status import DeviceState
from kordon.record.fsutil import sha256_file
from kordon.record.layout import segment_files
from kordon.record.packet_source import SourcePacket
from kordon.record.probe import probe_segment
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.types import GapReason
from tests.record.media import FakeCamera, HealthLog, StepClock, make_h264, make_repository
from tests.support.requirements import require_or_skip

SETTINGS = RecorderSettings(segment_s=1.0, max_segment_s=3.0, max_lag_s=None, stop_at_end=True)
READ_ONLY_AT_OPEN = 4
"""The 4th segment's file creation meets the read-only file system (3 are stored before)."""
WRITABLE_AT_PACKET = 60
"""The packet index at which the file system is made writable again."""


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    result = _mount("-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount))
    if result.returncode != 0:
        require_or_skip(f"cannot mount a small tmpfs here: {result.stderr.strip()}")
    try:
        probe = _mount("-o", "remount,ro", str(mount))
        if probe.returncode != 0:
            require_or_skip(f"cannot remount a tmpfs read-only here: {probe.stderr.strip()}")
        assert _mount("-o", "remount,rw", str(mount)).returncode == 0
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_read_only_disk_mid_recording_pauses_cleanly_and_resumes(
    small_disk: Path, tmp_path: Path
) -> None:
    source = make_h264(tmp_path / "cam.ts", seconds=12.0, gop=10)
    repository = make_repository(tmp_path / "db" / "kordon.db")
    clock = StepClock()
    health = HealthLog()
    alarms: list[Event] = []
    opens = itertools.count(1)
    stored_before: dict[str, str] = {}

    def on_open(path_rel: str) -> None:
        if next(opens) != READ_ONLY_AT_OPEN:
            return
        for segment in repository.segments("cam-1"):
            stored_before[segment.path_rel] = sha256_file(small_disk / segment.path_rel)
        result = _mount("-o", "remount,ro", str(small_disk))
        assert result.returncode == 0, result.stderr

    def writable_again(index: int, packet: SourcePacket) -> SourcePacket:
        if index == WRITABLE_AT_PACKET:
            result = _mount("-o", "remount,rw", str(small_disk))
            assert result.returncode == 0, result.stderr
        return packet

    recorder = Recorder(
        camera_id="cam-1",
        source=FakeCamera(source, clock, writable_again),
        data_dir=small_disk,
        repository=repository,
        clock=clock,
        health=health,
        alarm=alarms.append,
        settings=SETTINGS,
        on_segment_open=on_open,
    )
    recorder.run()  # returns at the end of the source: no exception escaped

    # a clear health event and alarm, no crash
    assert len(stored_before) == READ_ONLY_AT_OPEN - 1
    assert recorder.stats.storage_errors >= 1
    paused = [s for s in health.statuses if "recording paused" in s.detail]
    assert paused
    assert all(s.state is DeviceState.DEGRADED for s in paused)
    assert "Read-only file system" in paused[0].detail
    assert alarms
    assert all(a.kind is EventKind.STORAGE_ALARM for a in alarms)
    assert alarms[0].attributes["reason"] == "storage_error"
    assert "Read-only file system" in str(alarms[0].attributes["detail"])
    assert [g.reason for g in repository.gaps("cam-1")][:1] == [GapReason.STORAGE_ERROR]

    # rows and files agree; what was stored before is intact and decodable
    stored = {s.path_rel: s for s in repository.segments("cam-1")}
    files = segment_files(small_disk, "cam-1")
    assert set(stored) == set(files)
    for path_rel, segment in stored.items():
        assert sha256_file(files[path_rel]) == segment.sha256
        assert files[path_rel].stat().st_size == segment.size_bytes
        assert probe_segment(files[path_rel]).packet_count == segment.packet_count
    for path_rel, digest in stored_before.items():
        assert stored[path_rel].sha256 == digest

    # recording resumed after the remount, and the recorder said so
    last_paused = max(i for i, s in enumerate(health.statuses) if "recording paused" in s.detail)
    back = [s for s in health.statuses[last_paused:] if s.detail == "recording resumed"]
    assert back
    assert back[0].state is DeviceState.ONLINE
    resumed = [s for s in stored.values() if s.path_rel not in stored_before]
    assert len(resumed) >= 3
    last_before = max(stored[p].end for p in stored_before)
    gap = repository.gaps("cam-1")[0]
    assert min(s.start for s in resumed) >= gap.end >= last_before
    ordered = sorted(stored.values(), key=lambda s: s.start)
    for before, after in itertools.pairwise(ordered):
        assert after.start >= before.end
    # footage lost is bounded by the read-only spell: 120 packets in, at most ~5 s missing
    assert sum(s.packet_count for s in stored.values()) >= 70
