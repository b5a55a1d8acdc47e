"""Edited segments: clips refuse them, recovery at start flags them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from kordon.record.clips import TamperedSegmentError, request_clip
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.recovery import recover_camera
from kordon.record.repository import RecordingRepository
from kordon.record.sink import NullSegmentSink
from kordon.store.engine import create_engine_for
from tests.record.media import T0, FakeCamera, HealthLog, StepClock


def _record(source: Path, data: Path, repository: RecordingRepository) -> None:
    clock = StepClock()
    Recorder(
        camera_id="cam-1",
        source=FakeCamera(source, clock),
        data_dir=data,
        repository=repository,
        clock=clock,
        health=HealthLog(),
        settings=RecorderSettings(
            segment_s=1.0, max_segment_s=3.0, max_lag_s=None, stop_at_end=True
        ),
    ).run()


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[1000] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_clip_refuses_an_edited_segment(
    h264_ts: Path, tmp_path: Path, repository: RecordingRepository
) -> None:
    data = tmp_path / "data"
    _record(h264_ts, data, repository)
    segments = repository.segments("cam-1")
    start, end = segments[1].start, segments[3].end
    out = tmp_path / "clip.mp4"
    ledger = {s.path_rel: s.sha256 for s in segments}
    clip = request_clip(
        "cam-1", start, end, out, data_dir=data, repository=repository, recorded_sha256=ledger.get
    )
    assert clip.packet_count > 0
    out.unlink()
    _flip_byte(data / segments[2].path_rel)
    with pytest.raises(TamperedSegmentError, match=rf"{segments[2].path_rel} differs from its "
                       "database row"):  # fmt: skip
        request_clip("cam-1", start, end, out, data_dir=data, repository=repository)
    assert not out.exists()


def test_a_clip_refuses_a_segment_whose_row_was_rewritten_to_match(
    h264_ts: Path, tmp_path: Path, repository: RecordingRepository, store_url: str
) -> None:
    data = tmp_path / "data"
    _record(h264_ts, data, repository)
    segments = repository.segments("cam-1")
    ledger = {s.path_rel: s.sha256 for s in segments}
    edited = data / segments[0].path_rel
    _flip_byte(edited)
    engine = create_engine_for(store_url)  # the repository fixture's database
    try:
        with engine.begin() as connection:  # the row now says what the edited file hashes to
            connection.execute(
                text("UPDATE recording_segments SET sha256 = :d WHERE path_rel = :p"),
                {"d": hashlib.sha256(edited.read_bytes()).hexdigest(), "p": segments[0].path_rel},
            )
    finally:
        engine.dispose()
    interval = (segments[0].start, segments[1].end)
    clip = request_clip(
        "cam-1", *interval, tmp_path / "a.mp4", data_dir=data, repository=repository
    )
    assert clip.packet_count > 0  # the database alone is fooled...
    with pytest.raises(TamperedSegmentError, match="differs from its ledger entry"):
        request_clip(
            "cam-1",
            *interval,
            tmp_path / "b.mp4",
            data_dir=data,
            repository=repository,
            recorded_sha256=ledger.get,
        )
    assert not (tmp_path / "b.mp4").exists()  # ...the ledger is not


def test_recovery_flags_edited_closed_segments_newest_first_within_its_budget(
    h264_ts: Path, tmp_path: Path, repository: RecordingRepository
) -> None:
    data = tmp_path / "data"
    _record(h264_ts, data, repository)
    segments = sorted(repository.segments("cam-1"), key=lambda s: s.end)
    clean = recover_camera(data, "cam-1", repository, NullSegmentSink(), T0)
    assert (clean.verified, clean.tampered) == (len(segments), [])
    for segment in segments:
        _flip_byte(data / segment.path_rel)
    report = recover_camera(data, "cam-1", repository, NullSegmentSink(), T0)
    assert sorted(report.tampered) == sorted(s.path_rel for s in segments)
    newest = segments[-1]
    bounded = recover_camera(
        data, "cam-1", repository, NullSegmentSink(), T0, verify_bytes=newest.size_bytes
    )
    assert (bounded.verified, bounded.tampered) == (1, [newest.path_rel])
    assert recover_camera(data, "cam-1", repository, NullSegmentSink(), T0,
                          verify_bytes=0).verified == 0  # fmt: skip
