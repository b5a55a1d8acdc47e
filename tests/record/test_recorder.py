"""Recorder: segments on keyframes, rows agree with files, timestamps, bad input."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from kordon.domain.event import Event, EventKind
from kordon.record.errors import StorageMountError
from kordon.record.fsutil import sha256_file
from kordon.record.identity import identity_path
from kordon.record.layout import segment_files
from kordon.record.packet_source import SourcePacket
from kordon.record.probe import probe_segment
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.record.types import GapReason, SegmentRecord
from tests.record.media import FakeCamera, HealthLog, StepClock, shifted

SETTINGS = RecorderSettings(segment_s=2.0, max_segment_s=4.0, max_lag_s=None, stop_at_end=True)


def _record(
    source: Path,
    data: Path,
    repository: RecordingRepository,
    transform: object = None,
    settings: RecorderSettings = SETTINGS,
) -> tuple[Recorder, HealthLog, list[Event]]:
    clock = StepClock()
    health = HealthLog()
    alarms: list[Event] = []
    camera = FakeCamera(source, clock, transform)  # type: ignore[arg-type]
    recorder = Recorder(
        camera_id="cam-1",
        source=camera,
        data_dir=data,
        repository=repository,
        clock=clock,
        health=health,
        alarm=alarms.append,
        settings=settings,
    )
    recorder.run()
    return recorder, health, alarms


def _check_consistent(data: Path, segments: list[SegmentRecord]) -> None:
    files = segment_files(data, "cam-1")
    assert set(files) == {s.path_rel for s in segments}
    for seg in segments:
        assert sha256_file(files[seg.path_rel]) == seg.sha256
        assert files[seg.path_rel].stat().st_size == seg.size_bytes
        probe_segment(files[seg.path_rel])
    for before, after in itertools.pairwise(segments):
        assert after.start >= before.end, (before, after)


def test_segments_are_cut_on_keyframes_and_match_rows(
    h264_ts: Path, tmp_path: Path, repository: RecordingRepository
) -> None:
    recorder, _, _ = _record(h264_ts, tmp_path / "data", repository)
    segments = repository.segments("cam-1")
    assert [s.packet_count for s in segments] == [20, 20, 20]
    assert all(s.has_keyframe for s in segments)
    assert sum(s.packet_count for s in segments) == recorder.stats.packets == 60
    _check_consistent(tmp_path / "data", segments)
    assert segments[0].end == segments[1].start
    assert sum(s.duration_s for s in segments) == pytest.approx(6.0, abs=0.15)


def test_camera_without_keyframes_gets_forced_cuts(
    h264_no_keyframes: Path, tmp_path: Path, repository: RecordingRepository
) -> None:
    recorder, health, _ = _record(h264_no_keyframes, tmp_path / "data", repository)
    segments = repository.segments("cam-1")
    assert recorder.stats.forced_cuts >= 1
    assert len(segments) >= 2
    assert [s.has_keyframe for s in segments][:2] == [True, False]
    assert "forced a segment cut" in health.details()
    assert sum(s.packet_count for s in segments) == 80


def test_corrupt_packets_are_skipped_and_counted(
    h264_ts: Path, tmp_path: Path, repository: RecordingRepository
) -> None:
    def corrupt(index: int, packet: SourcePacket) -> SourcePacket:
        if index in (5, 6, 33):
            return replace(packet, is_corrupt=True)
        if index == 44:
            return replace(packet, dts=None, pts=None)
        return packet

    recorder, health, _ = _record(h264_ts, tmp_path / "data", repository, corrupt)
    assert recorder.stats.corrupt_packets == 4
    segments = repository.segments("cam-1")
    assert sum(s.packet_count for s in segments) == 56
    assert "corrupt packets skipped" in health.details()
    _check_consistent(tmp_path / "data", segments)


@pytest.mark.parametrize(
    ("offset_ticks", "at_index", "kept", "reason"),
    [
        (-90_000 * 100, 30, 60, GapReason.TIMESTAMP_BACKWARDS),
        (90_000 * 3600, 30, 60, GapReason.TIMESTAMP_JUMP),
        # mid-GOP: the P-frames up to the next keyframe cannot be decoded anyway
        (-90_000 * 100, 25, 55, GapReason.TIMESTAMP_BACKWARDS),
    ],
)
def test_timestamp_jumps_give_no_overlap_and_no_loss(  # noqa: PLR0917 (parametrized)
    h264_ts: Path,
    tmp_path: Path,
    repository: RecordingRepository,
    offset_ticks: int,
    at_index: int,
    kept: int,
    reason: GapReason,
) -> None:
    def jump(index: int, packet: SourcePacket) -> SourcePacket:
        return shifted(packet, offset_ticks) if index >= at_index else packet

    _record(h264_ts, tmp_path / "data", repository, jump)
    segments = repository.segments("cam-1")
    assert sum(s.packet_count for s in segments) == kept
    _check_consistent(tmp_path / "data", segments)
    gaps = repository.gaps("cam-1")
    assert [g.reason for g in gaps] == [reason]
    total_s = (segments[-1].end - segments[0].start).total_seconds()
    assert total_s == pytest.approx(6.0, abs=0.3)  # mapped onto the clock: no hour-long hole


def test_swapped_or_missing_mount_is_refused(
    h264_ts: Path, tmp_path: Path, repository: RecordingRepository
) -> None:
    data = tmp_path / "data"
    _record(h264_ts, data, repository)
    stored = repository.segments("cam-1")
    identity = identity_path(data)
    identity.write_text("another-disk\n", encoding="ascii")
    health = HealthLog()
    alarms: list[Event] = []
    recorder = Recorder(
        camera_id="cam-1",
        source=str(h264_ts),
        data_dir=data,
        repository=repository,
        clock=StepClock(),
        health=health,
        alarm=alarms.append,
        settings=SETTINGS,
    )
    with pytest.raises(StorageMountError, match="different disk"):
        recorder.start()
    identity.unlink()
    with pytest.raises(StorageMountError, match="missing"):
        recorder.start()
    assert [a.kind for a in alarms] == [EventKind.STORAGE_ALARM] * 2
    assert repository.segments("cam-1") == stored


def test_restart_continues_after_the_last_stored_segment(
    h264_ts: Path, tmp_path: Path, repository: RecordingRepository
) -> None:
    data = tmp_path / "data"
    _record(h264_ts, data, repository)
    _record(h264_ts, data, repository)  # same clock start: would overlap without the floor
    segments = repository.segments("cam-1")
    assert len(segments) == 6
    _check_consistent(data, segments)
    assert segments[3].start - segments[2].end < timedelta(seconds=0.5)
