"""``AnnotatedVideoWriter``: H.264 MP4 (PyAV ``libx264``) of the annotated frames."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import av.error
import av.video
import numpy as np
import numpy.typing as npt

from kordon.analyze.options import AnalyzeError

_TIME_BASE = Fraction(1, 1000)


class AnnotatedVideoWriter:
    """Writes BGR frames at their presentation times (ms time base, variable rate).

    Odd frame sizes are cropped by one pixel (yuv420p needs even sizes).
    """

    def __init__(self, path: Path, *, width_px: int, height_px: int, fps: float) -> None:
        self.path = path
        self._w = width_px - width_px % 2
        self._h = height_px - height_px % 2
        self._fps = fps
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.VideoStream | None = None
        self._last_pts = -1

    def open(self) -> None:
        try:
            container = av.open(str(self.path), mode="w")
            stream = container.add_stream("libx264", rate=max(round(self._fps), 1))
        except av.error.FFmpegError as exc:
            raise AnalyzeError(f"cannot write {self.path}: {exc}") from exc
        if not isinstance(stream, av.video.VideoStream):  # pragma: no cover
            raise AnalyzeError("libx264 is not a video encoder")
        stream.width, stream.height = self._w, self._h
        stream.pix_fmt = "yuv420p"
        stream.time_base = _TIME_BASE
        stream.codec_context.options = {"preset": "veryfast", "crf": "26"}
        self._container, self._stream = container, stream

    def write(self, image: npt.NDArray[np.uint8], pts_s: float) -> None:
        if self._container is None or self._stream is None:
            raise AnalyzeError(f"{self.path}: write before open()")
        pts = max(round(pts_s * 1000), self._last_pts + 1)
        self._last_pts = pts
        frame = av.VideoFrame.from_ndarray(
            np.ascontiguousarray(image[: self._h, : self._w]), format="bgr24"
        )
        frame.pts = pts
        frame.time_base = _TIME_BASE
        self._container.mux(self._stream.encode(frame))

    def close(self) -> None:
        if self._container is None or self._stream is None:
            return
        try:
            self._container.mux(self._stream.encode(None))
        finally:
            self._container.close()
            self._container = None
            self._stream = None
