"""FileSource: real footage, synthetic files with known content, and bad inputs."""

from __future__ import annotations

import threading
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import numpy as np
import pytest

from kordon.video.source import (
    Backoff,
    Decimator,
    DecodeSettings,
    FakeClock,
    FileSource,
    Frame,
    SourceError,
)
from kordon.video.source.synthetic import SyntheticVideo, write_synthetic_video

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def mkv(tmp_path: Path) -> SyntheticVideo:
    return write_synthetic_video(tmp_path / "moving.mkv", seconds=2.0, fps=10)


def read_or_error(source: FileSource) -> list[Frame] | SourceError:
    try:
        return read_all(source)
    except SourceError as exc:
        return exc


def read_all(source: FileSource) -> list[Frame]:
    source.open()
    try:
        return list(source.frames())
    finally:
        source.close()


@pytest.mark.shared
def test_vtest_avi_decodes_795_frames(vtest_avi: Path, clock: FakeClock) -> None:
    source = FileSource(vtest_avi, clock=clock)
    info = source.open()
    assert (info.width_px, info.height_px, info.nominal_fps) == (768, 576, 10.0)
    count = 0
    last: Frame | None = None
    for frame in source.frames():
        assert frame.image.shape == (576, 768, 3)
        count += 1
        last = frame
    source.close()
    assert count == 795
    assert last is not None
    assert last.index == 794
    assert last.pts_s == pytest.approx(79.4)
    assert last.time == T0 + timedelta(seconds=79.4)
    assert source.decode_errors == 0


def test_synthetic_file_count_pts_and_content(mkv: SyntheticVideo, clock: FakeClock) -> None:
    frames = read_all(FileSource(mkv.path, clock=clock))
    assert len(frames) == mkv.frame_count == 20
    assert [f.index for f in frames] == list(range(20))
    np.testing.assert_allclose([f.pts_s for f in frames], np.arange(20) / 10, atol=1e-9)
    # The bright square is where the generator put it (lossy codec: check the centre).
    for frame, box in zip(frames, mkv.boxes_xyxy_px, strict=True):
        cx, cy = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        assert frame.image[cy, cx].mean() > 180
        assert frame.image[5, 5].mean() < 100


def test_single_thread_decode_gives_same_frames(mkv: SyntheticVideo, clock: FakeClock) -> None:
    single = DecodeSettings(thread_type="NONE", thread_count=1)
    a = read_all(FileSource(mkv.path, clock=clock, settings=single))
    b = read_all(FileSource(mkv.path, clock=clock))
    assert len(a) == len(b) == 20
    assert all(np.array_equal(x.image, y.image) for x, y in zip(a, b, strict=True))


def test_decimation_10_to_5_fps_keeps_every_other_frame(
    mkv: SyntheticVideo, clock: FakeClock
) -> None:
    frames = read_all(FileSource(mkv.path, clock=clock, target_fps=5.0))
    assert [f.index for f in frames] == list(range(0, 20, 2))


def test_decimator_from_25_to_10_fps() -> None:
    decimator = Decimator(10.0)
    kept = [i for i in range(25) if decimator.keep(i / 25)]
    assert kept == [0, 3, 5, 8, 10, 13, 15, 18, 20, 23]


def test_realtime_pacing_sleeps_to_frame_times(mkv: SyntheticVideo, clock: FakeClock) -> None:
    source = FileSource(mkv.path, clock=clock, realtime=True)
    source.open()
    stamps = [(f.pts_s, clock.monotonic()) for f in source.frames()]
    source.close()
    assert len(stamps) == 20
    for pts_s, at_s in stamps:
        assert at_s == pytest.approx(pts_s, abs=1e-9)
    assert sum(clock.sleeps) == pytest.approx(1.9)


def test_realtime_pacing_does_not_sleep_when_behind(mkv: SyntheticVideo, clock: FakeClock) -> None:
    source = FileSource(mkv.path, clock=clock, realtime=True)
    source.open()
    for _ in source.frames():
        clock.advance(0.5)  # the consumer is slower than the video
    source.close()
    assert clock.sleeps == []


def test_loop_continues_index_and_time(mkv: SyntheticVideo, clock: FakeClock) -> None:
    source = FileSource(mkv.path, clock=clock, loop=True)
    source.open()
    frames: list[Frame] = []
    for frame in source.frames():
        frames.append(frame)
        if len(frames) == 45:
            break
    source.close()
    assert [f.index for f in frames] == list(range(45))
    np.testing.assert_allclose([f.pts_s for f in frames], np.arange(45) / 10, atol=1e-9)


def test_truncated_file_ends_cleanly_or_errors(mkv: SyntheticVideo, tmp_path: Path) -> None:
    data = mkv.path.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 2])
    frames = read_all(FileSource(cut, clock=FakeClock(T0)))
    assert 0 < len(frames) < mkv.frame_count


def test_truncated_avi_is_a_source_error(tmp_path: Path) -> None:
    video = write_synthetic_video(tmp_path / "v.avi", seconds=1.0)
    data = video.path.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    outcome = read_or_error(FileSource(cut, clock=FakeClock(T0)))
    if isinstance(outcome, SourceError):
        assert "cut.avi" in str(outcome)
    else:
        assert len(outcome) < video.frame_count


def test_random_bytes_are_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(1).bytes(200_000))
    with pytest.raises(SourceError, match=r"cannot open .*noise\.mp4.*Invalid data"):
        FileSource(path, clock=FakeClock(T0)).open()


def test_garbage_packets_after_a_valid_header(mkv: SyntheticVideo, tmp_path: Path) -> None:
    """Header intact, payload replaced by noise: errors are counted or the read fails;
    never an unhandled PyAV exception."""
    data = bytearray(mkv.path.read_bytes())
    noise = np.random.default_rng(2).bytes(len(data) - 400)
    data[400:] = noise
    path = tmp_path / "garbled.mkv"
    path.write_bytes(bytes(data))
    source = FileSource(path, clock=FakeClock(T0))
    outcome = read_or_error(source)
    if isinstance(outcome, SourceError):
        assert "garbled.mkv" in str(outcome)
    else:
        assert len(outcome) < mkv.frame_count


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.touch()
    with pytest.raises(SourceError, match="empty"):
        FileSource(path, clock=FakeClock(T0)).open()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        FileSource(tmp_path / "nope.mp4", clock=FakeClock(T0)).open()


def test_zero_frame_file(tmp_path: Path) -> None:
    path = tmp_path / "zero.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        assert isinstance(stream, av.video.VideoStream)
        stream.width, stream.height = 64, 48
        container.start_encoding()
    with pytest.raises(SourceError, match=r"zero\.mkv"):
        read_all(FileSource(path, clock=FakeClock(T0)))


def test_audio_only_file_has_no_video_stream(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        assert isinstance(stream, av.audio.AudioStream)
        samples = np.zeros((1, 800), np.int16)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 8000
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(SourceError, match="no video stream"):
        FileSource(path, clock=FakeClock(T0)).open()


def test_huge_resolution_is_rejected(mkv: SyntheticVideo) -> None:
    settings = DecodeSettings(max_pixels=100 * 100)
    with pytest.raises(SourceError, match=r"160×120 = 19200 pixels exceeds max_pixels 10000"):
        FileSource(mkv.path, clock=FakeClock(T0), settings=settings).open()


def test_frames_before_open_is_an_error(mkv: SyntheticVideo) -> None:
    with pytest.raises(SourceError, match="before open"):
        next(FileSource(mkv.path, clock=FakeClock(T0)).frames())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"thread_count": -1}, "thread_count"),
        ({"max_pixels": 0}, "max_pixels"),
        ({"max_consecutive_errors": 0}, "max_consecutive_errors"),
    ],
)
def test_bad_decode_settings(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(SourceError, match=message):
        DecodeSettings(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("fps", [0.0, -5.0, float("nan")])
def test_bad_target_fps(fps: float) -> None:
    with pytest.raises(SourceError, match="target_fps"):
        Decimator(fps)


def test_frame_rejects_non_bgr_image() -> None:
    with pytest.raises(ValueError, match="H×W×3 uint8"):
        Frame(image=np.zeros((4, 4), np.uint8), index=0, pts_s=0.0, time=T0)


def test_backoff_doubles_caps_and_jitters() -> None:
    import random

    backoff = Backoff(random.Random(7), initial_s=0.5, max_s=30.0, jitter=0.2)
    delays = [backoff.next_delay_s() for _ in range(10)]
    bases = [0.5, 1, 2, 4, 8, 16, 30, 30, 30, 30]
    for delay, base in zip(delays, bases, strict=True):
        assert 0.8 * base <= delay <= base
    assert len(set(delays)) == len(delays)  # jittered
    backoff.reset()
    assert backoff.next_delay_s() <= 0.5


def test_close_from_another_thread_stops_after_the_current_frame(
    mkv: SyntheticVideo, clock: FakeClock
) -> None:
    """A node stopping closes its cameras' sources from its own thread while a camera
    thread decodes. Closing the PyAV container under that decode crashed the process
    (a segmentation fault in the API tests); the close is now only a request until the
    iterating thread has left the frame it is on."""
    source = FileSource(mkv.path, clock=clock, loop=True)
    source.open()
    frames = source.frames()
    first = next(frames)
    closer = threading.Thread(target=source.close)
    closer.start()
    closer.join()
    assert _is_open(source)  # still open: the decoding thread closes it
    rest = list(frames)  # the iterating thread sees the request at its next frame
    assert first.index == 0
    assert rest == []
    assert not _is_open(source)  # closed by the iterating thread on its way out


def test_close_with_a_live_iterator_waits_for_it(mkv: SyntheticVideo, clock: FakeClock) -> None:
    source = FileSource(mkv.path, clock=clock)
    source.open()
    frames = source.frames()
    assert isinstance(frames, Generator)
    next(frames)
    source.close()
    assert _is_open(source)  # the suspended decode still holds it
    frames.close()
    assert not _is_open(source)
    source.close()  # closing again is harmless


def _is_open(source: FileSource) -> bool:
    return source._container is not None
