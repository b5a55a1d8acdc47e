"""Clips by stream copy (byte-identical packets, right duration) and masked snapshots."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from kordon.config.image_rules import MaskConfig
from kordon.record.clips import request_clip
from kordon.record.errors import ClipError, SnapshotError
from kordon.record.live import LiveBuffer
from kordon.record.packet_source import AvPacketSource, spec_of
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.record.snapshots import apply_privacy_masks, snapshot_jpeg, thumbnail_jpeg
from tests.record.media import FakeCamera, HealthLog, StepClock


def _packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.dts is not None]


def _slices_annexb(data: bytes) -> list[bytes]:
    """Slice NAL units (types 1 and 5) of an Annex B access unit."""
    units = [u.lstrip(b"\x00") for u in data.split(b"\x00\x00\x01")]
    return [u.rstrip(b"\x00") for u in units if u and u[0] & 0x1F in (1, 5)]


def _slices_avcc(data: bytes) -> list[bytes]:
    """Slice NAL units of an MP4 (4-byte length prefixed) access unit."""
    out, i = [], 0
    while i + 4 <= len(data):
        n = int.from_bytes(data[i : i + 4], "big")
        unit = data[i + 4 : i + 4 + n]
        if unit and unit[0] & 0x1F in (1, 5):
            out.append(unit.rstrip(b"\x00"))
        i += 4 + n
    return out


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


def test_clip_over_three_segments_is_stream_copied(
    h264_ts: Path, tmp_path: Path, repository: RecordingRepository
) -> None:
    data = tmp_path / "data"
    _record(h264_ts, data, repository)
    segments = repository.segments("cam-1")
    start = segments[1].start + timedelta(seconds=0.35)
    end = segments[3].end
    clip = request_clip(
        "cam-1", start, end, tmp_path / "clip.mp4", data_dir=data, repository=repository
    )
    stored = [_slices_annexb(b) for s in segments[1:4] for b in _packets(data / s.path_rel)]
    # the MP4 muxer re-frames NAL units (length prefixes); the coded slices are unchanged
    assert [_slices_avcc(b) for b in _packets(clip.path)] == stored
    assert all(stored)
    with av.open(str(clip.path)) as c:
        stream = c.streams.video[0]
        frames = sum(1 for _ in c.decode(stream))
        assert stream.duration is not None
        assert stream.time_base is not None
        duration_s = float(stream.duration * stream.time_base)
    assert frames == 30
    assert duration_s == pytest.approx((end - start).total_seconds(), abs=1.0)  # ±1 GOP
    assert clip.path.read_bytes()[4:8] == b"ftyp"
    assert b"moov" in clip.path.read_bytes()[:4096]  # faststart: index before the media


def test_clip_includes_the_open_segment(
    h264_ts: Path, tmp_path: Path, repository: RecordingRepository
) -> None:
    source = AvPacketSource(str(h264_ts))
    buffer = LiveBuffer()
    buffer.begin(spec_of(source.open()))
    clock = StepClock()
    for packet in source.packets():
        buffer.append(packet, clock.now())
        clock.t += 0.1
    source.close()
    clip = request_clip(
        "cam-1",
        clock.start + timedelta(seconds=2.5),
        clock.now(),
        tmp_path / "live.mp4",
        data_dir=tmp_path,
        repository=repository,
        live=buffer.snapshot(),
    )
    assert clip.packet_count == 40  # from the keyframe at 2.0 s to the end


def test_clip_of_nothing_is_a_clear_error(tmp_path: Path, repository: RecordingRepository) -> None:
    t = StepClock().now()
    with pytest.raises(ClipError, match="no footage"):
        request_clip(
            "cam-1",
            t,
            t + timedelta(seconds=5),
            tmp_path / "x.mp4",
            data_dir=tmp_path,
            repository=repository,
        )


def _image() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)


def test_privacy_mask_changes_only_the_copy() -> None:
    image = _image()
    original = image.copy()
    mask = MaskConfig(purpose="privacy", polygon=[(0, 0), (100, 0), (100, 100), (0, 100)])
    ignored = MaskConfig(purpose="detection", polygon=[(200, 0), (300, 0), (300, 100)])
    filled = apply_privacy_masks(image, [mask, ignored], mode="fill")
    assert np.array_equal(image, original)
    assert (filled[10:90, 10:90] == 0).all()
    assert np.array_equal(filled[:, 150:], original[:, 150:])
    blurred = apply_privacy_masks(image, [mask])
    assert blurred[10:90, 10:90].std() < original[10:90, 10:90].std() / 3


def test_snapshot_with_overlay_and_thumbnail() -> None:
    def draw(img: np.ndarray) -> None:
        cv2.rectangle(img, (200, 150), (300, 220), (0, 0, 255), -1)

    jpeg = snapshot_jpeg(_image(), overlay=draw)
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None
    assert decoded.shape == (240, 320, 3)
    assert decoded[185, 250, 2] > 200
    assert decoded[185, 250, 0] < 60
    thumb = cv2.imdecode(np.frombuffer(thumbnail_jpeg(_image(), width_px=160), np.uint8), 1)
    assert thumb is not None
    assert thumb.shape == (120, 160, 3)
    with pytest.raises(SnapshotError, match="BGR uint8"):
        snapshot_jpeg(np.zeros((10, 10), np.uint8))
