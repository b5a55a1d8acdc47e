"""``AnnotatedVideoWriter``: foreground and background encoding give the same video."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from kordon.analyze.options import AnalyzeError
from kordon.analyze.video_writer import AnnotatedVideoWriter


def _frames(n: int) -> list[np.ndarray]:
    out = []
    for i in range(n):
        image = np.full((61, 81, 3), 40, np.uint8)  # odd size: cropped to 80×60
        image[10:30, 2 * i : 2 * i + 20] = 255
        out.append(image)
    return out


def _write(path: Path, *, background: bool) -> None:
    writer = AnnotatedVideoWriter(path, width_px=81, height_px=61, fps=5.0, background=background)
    writer.open()
    for i, image in enumerate(_frames(12)):
        writer.write(image, i * 0.2)
    writer.close()
    writer.close()  # idempotent


def _read(path: Path) -> tuple[list[int], list[np.ndarray]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
    return [f.pts or 0 for f in frames], [f.to_ndarray(format="gray") for f in frames]


def _write_until_failure(writer: AnnotatedVideoWriter) -> None:
    for i in range(1, 50):
        writer.write(np.zeros((60, 80, 3), np.uint8), i * 0.2)
    writer.close()


@pytest.mark.parametrize("background", [True, False])
def test_every_frame_is_written_in_order(tmp_path: Path, background: bool) -> None:
    path = tmp_path / "a.mp4"
    _write(path, background=background)
    pts, images = _read(path)
    assert len(images) == 12
    assert images[0].shape == (60, 80)
    assert pts == sorted(pts)
    # the bright square moves right 2 px per frame
    columns = [int(np.argmax(img[20] > 128)) for img in images]
    assert columns == sorted(columns)
    assert columns[-1] - columns[0] >= 18


def test_background_and_foreground_files_match(tmp_path: Path) -> None:
    _write(tmp_path / "bg.mp4", background=True)
    _write(tmp_path / "fg.mp4", background=False)
    _, a = _read(tmp_path / "bg.mp4")
    _, b = _read(tmp_path / "fg.mp4")
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_an_encoding_failure_is_raised_to_the_writer(tmp_path: Path) -> None:
    writer = AnnotatedVideoWriter(tmp_path / "c.mp4", width_px=80, height_px=60, fps=5.0)
    writer.open()
    bad = np.zeros((60, 80), np.uint8)  # not BGR: PyAV refuses it on the worker
    writer.write(bad, 0.0)
    with pytest.raises(AnalyzeError, match=r"cannot write .*c\.mp4"):
        _write_until_failure(writer)
    writer.close()  # after the reported failure: cleans up without raising again


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"width_px": 1, "height_px": 60}, "cannot write a 1×60 video"),
        ({"width_px": 80, "height_px": 60, "queue_depth": 0}, "queue_depth must be >= 1"),
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(AnalyzeError, match=message):
        AnnotatedVideoWriter(tmp_path / "d.mp4", fps=5.0, **kwargs)  # type: ignore[arg-type]


def test_write_before_open_is_an_error(tmp_path: Path) -> None:
    writer = AnnotatedVideoWriter(tmp_path / "e.mp4", width_px=80, height_px=60, fps=5.0)
    with pytest.raises(AnalyzeError, match="before open"):
        writer.write(np.zeros((60, 80, 3), np.uint8), 0.0)
