"""Overlay shapes and messages; recorded spans and playback files (real recorder, real MP4)."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import av
import numpy as np
import pytest

from kordon.config.image_rules import (
    ImageRuleConfig,
    LineRuleConfig,
    MaskConfig,
    ZoneRuleConfig,
)
from kordon.domain.status import DeviceStatus
from kordon.domain.tracks import ImageTracks
from kordon.geo.homography import HomographyCamera
from kordon.record.errors import ClipError, InvalidRecordingInputError
from kordon.record.live import LiveSnapshot
from kordon.record.packet_source import AvPacketSource
from kordon.record.playback import PlaybackFiles, RecordedSpan, recorded_spans
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.record.types import SegmentRecord
from kordon.store import Store
from kordon.video.live.overlay import border_shapes, overlay_text, rule_shapes
from kordon.video.live.service import LiveVideoService, camera_shapes
from kordon.video.source.clock import FakeClock
from tests.record.media import T0, make_h264

SHA = "0" * 64


def _segment(start_s: float, end_s: float) -> SegmentRecord:
    return SegmentRecord(
        "cam1",
        f"r/{start_s}.ts",
        T0 + timedelta(seconds=start_s),
        T0 + timedelta(seconds=end_s),
        1,
        SHA,
        1,
        True,
    )


def test_rule_lines_and_zones_become_shapes() -> None:
    rules: list[ImageRuleConfig] = [
        LineRuleConfig(kind="line", id="l1", points=((10, 20), (30, 40))),
        ZoneRuleConfig(kind="zone", id="z1", polygon=[[0, 0], [5, 0], [5, 5]]),
    ]
    shapes = rule_shapes(rules)
    assert [(s.id, s.kind, s.points_px) for s in shapes] == [
        ("l1", "rule_line", [(10.0, 20.0), (30.0, 40.0)]),
        ("z1", "zone", [(0.0, 0.0), (5.0, 0.0), (5.0, 5.0)]),
    ]


def test_the_border_is_projected_into_the_image() -> None:
    camera = HomographyCamera("cam1", np.diag([0.1, 0.1, 1.0]), (640, 480))  # 10 px per metre
    border = np.array([[0.0, 5.0], [100.0, 5.0], [500.0, 5.0]])
    [shape] = border_shapes(camera, [border], (640, 480), step_m=10.0)
    assert shape.kind == "border"
    us = [u for u, _v in shape.points_px]
    assert all(v == pytest.approx(50.0) for _u, v in shape.points_px)
    assert us[0] == pytest.approx(0.0)
    assert max(us) < 2 * 640  # far outside the picture: cut off
    assert camera_shapes([], None, [border], (640, 480)) == []


def test_overlay_messages_carry_the_frame_time_and_labels() -> None:
    tracks = ImageTracks(
        tracker_id=np.array([7], np.int64),
        xyxy_px=np.array([[1.04, 2.0, 3.0, 4.0]], np.float32),
        confidence=np.array([0.9], np.float32),
        class_id=np.array([1], np.int32),
        confirmed=np.array([True]),
        labels=("car", "person"),
    )
    message = json.loads(overlay_text(T0, tracks))
    assert message["type"] == "overlay"
    assert message["time_ms"] == T0.timestamp() * 1000
    assert message["tracks"] == [
        {
            "version": 1,
            "track_id": 7,
            "xyxy_px": [1.0, 2.0, 3.0, 4.0],
            "label": "person",
            "confidence": 0.9,
            "confirmed": True,
        }
    ]


def test_tracks_reach_only_cameras_with_viewers(tmp_path: Path) -> None:
    clip = make_h264(tmp_path / "c.ts", seconds=1.0)
    service = LiveVideoService(clock=FakeClock(T0))
    stream = service.add_camera("cam1", lambda: AvPacketSource(str(clip)))
    tracks = ImageTracks.empty(("person",))
    service.update_tracks("cam1", T0, tracks)  # no viewer: nothing to do
    service.update_tracks("unknown", T0, tracks)

    async def watch() -> list[str]:
        viewer = stream.subscribe(asyncio.get_running_loop())
        service.update_tracks("cam1", T0, tracks)
        texts: list[str] = []
        while not any('"overlay"' in t for t in texts):
            item = await asyncio.wait_for(viewer.queue.get(), 30.0)
            if isinstance(item, str):
                texts.append(item)
        viewer.close()
        return texts

    texts = asyncio.run(watch())
    stream.stop()
    assert sum('"overlay"' in t for t in texts) == 1
    assert not service.records("cam1")  # no playback configured


@pytest.mark.parametrize(
    ("segments", "spans"),
    [
        ([], []),
        ([(0, 10), (10, 20), (21, 30)], [(0, 30, 3)]),  # cuts and a 1 s hiccup join
        ([(0, 10), (15, 20)], [(0, 10, 1), (15, 20, 1)]),  # a 5 s outage is a gap
        ([(15, 20), (0, 10), (9, 12)], [(0, 12, 2), (15, 20, 1)]),
    ],
)
def test_recorded_spans(
    segments: list[tuple[float, float]], spans: list[tuple[float, float, int]]
) -> None:
    expected = [
        RecordedSpan(T0 + timedelta(seconds=a), T0 + timedelta(seconds=b), n) for a, b, n in spans
    ]
    assert recorded_spans([_segment(a, b) for a, b in segments]) == expected


def _ignore(_status: DeviceStatus) -> None:
    return None


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[tuple[Path, RecordingRepository]]:
    store = Store(f"sqlite:///{tmp_path / 'k.db'}")
    store.open()
    repository = RecordingRepository.on_sessions(store.sessions)
    Recorder(
        camera_id="cam1",
        source=str(make_h264(tmp_path / "cam1.ts", seconds=6.0, fps=10, gop=10)),
        data_dir=tmp_path / "data",
        repository=repository,
        clock=FakeClock(T0),
        health=_ignore,
        settings=RecorderSettings(segment_s=2.0, stop_at_end=True),
    ).run()
    yield tmp_path / "data", repository
    store.close()


def _no_live(_camera_id: str) -> LiveSnapshot | None:
    return None


def test_playback_files_are_made_once_and_pruned(
    recorded: tuple[Path, RecordingRepository],
) -> None:
    data_dir, repository = recorded
    files = PlaybackFiles(
        data_dir=data_dir, repository=lambda: repository, live=_no_live, keep_files=2
    )
    first = files.open("cam1", T0 + timedelta(seconds=1.5), T0 + timedelta(seconds=4))
    assert first.start == T0 + timedelta(seconds=1)  # from the keyframe before
    assert not first.temporary
    with av.open(io.BytesIO(first.path.read_bytes()), "r") as container:
        assert len(list(container.decode(video=0))) == 30
    again = files.open("cam1", T0 + timedelta(seconds=1.5), T0 + timedelta(seconds=4))
    assert again == first
    files.open("cam1", T0, T0 + timedelta(seconds=1))
    files.open("cam1", T0 + timedelta(seconds=2), T0 + timedelta(seconds=3))
    assert not first.path.exists()  # the oldest of three went
    assert len(list((data_dir / "playback").glob("*.mp4"))) == 2


def test_a_range_past_the_closed_segments_is_temporary(
    recorded: tuple[Path, RecordingRepository],
) -> None:
    data_dir, repository = recorded
    files = PlaybackFiles(data_dir=data_dir, repository=lambda: repository, live=_no_live)
    made = files.open("cam1", T0 + timedelta(seconds=5), T0 + timedelta(seconds=60))
    assert made.temporary
    assert made.path.name.startswith("tmp-")


@pytest.mark.parametrize(
    ("start_s", "end_s", "error", "match"),
    [
        (3.0, 3.0, InvalidRecordingInputError, "empty"),
        (3.0, 1.0, InvalidRecordingInputError, "ends before it starts"),
        (0.0, 1000.0, InvalidRecordingInputError, "at most 900 s"),
        (100.0, 200.0, ClipError, "no footage"),
    ],
)
def test_bad_playback_ranges(
    recorded: tuple[Path, RecordingRepository],
    start_s: float,
    end_s: float,
    error: type[Exception],
    match: str,
) -> None:
    data_dir, repository = recorded
    files = PlaybackFiles(data_dir=data_dir, repository=lambda: repository, live=_no_live)
    with pytest.raises(error, match=match):
        files.open("cam1", T0 + timedelta(seconds=start_s), T0 + timedelta(seconds=end_s))


def test_playback_of_a_masked_camera_is_a_masked_copy(
    recorded: tuple[Path, RecordingRepository],
) -> None:
    data_dir, repository = recorded
    files = PlaybackFiles(data_dir=data_dir, repository=lambda: repository, live=_no_live)
    service = LiveVideoService(clock=FakeClock(T0), playback=files)
    mask = MaskConfig(purpose="privacy", polygon=[[0, 0], [160, 0], [160, 240], [0, 240]])
    service.add_camera("cam1", lambda: AvPacketSource("unused"), masks=[mask])
    start, end = T0 + timedelta(seconds=1), T0 + timedelta(seconds=3)
    made = service.playback("cam1", start, end)
    original = files.open("cam1", start, end)
    assert made.masked
    assert not original.masked
    assert made.path != original.path
    with av.open(str(made.path), "r") as container:
        images = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    assert len(images) == 20
    for image in images:
        assert float(np.mean(image[:, :150])) < 8.0
        assert float(np.mean(image[:, 170:])) > 30.0
    with av.open(str(original.path), "r") as container:
        first = container.decode(video=0).__next__().to_ndarray(format="bgr24")
    assert float(np.mean(first[:, :150])) > 30.0  # the recording itself is untouched
