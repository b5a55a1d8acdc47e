"""``AnnotatedVideoWriter``: H.264 MP4 (PyAV ``libx264``) of the annotated frames."""

from __future__ import annotations

import logging
import queue
import threading
from fractions import Fraction
from pathlib import Path

import av
import av.error
import av.video
import numpy as np
import numpy.typing as npt

from kordon.analyze.options import AnalyzeError

logger = logging.getLogger(__name__)

_TIME_BASE = Fraction(1, 1000)

ImageBGR = npt.NDArray[np.uint8]


class AnnotatedVideoWriter:
    """Writes BGR frames at their presentation times (ms time base, variable rate).

    Odd frame sizes are cropped by one pixel (yuv420p needs even sizes). With
    ``background=True`` (the default) frames are encoded on one worker thread, at most
    ``queue_depth`` frames behind, so encoding overlaps detection (PyAV releases the GIL);
    x264 itself runs one thread, which on 2 shared cores is faster than its own pool.
    An encoding failure on the worker is raised (once) by the next ``write`` or ``close``.
    """

    def __init__(
        self,
        path: Path,
        *,
        width_px: int,
        height_px: int,
        fps: float,
        background: bool = True,
        queue_depth: int = 4,
    ) -> None:
        if width_px < 2 or height_px < 2:
            raise AnalyzeError(f"{path}: cannot write a {width_px}×{height_px} video")
        if queue_depth < 1:
            raise AnalyzeError(f"queue_depth must be >= 1, got {queue_depth}")
        self.path = path
        self._w = width_px - width_px % 2
        self._h = height_px - height_px % 2
        self._fps = fps
        self._background = background
        self._queue: queue.Queue[tuple[ImageBGR, int] | None] = queue.Queue(queue_depth)
        self._worker: threading.Thread | None = None
        self._error: BaseException | None = None
        self._error_raised = False
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
        stream.codec_context.options = {"preset": "veryfast", "crf": "26", "threads": "1"}
        self._container, self._stream = container, stream
        if self._background:
            self._worker = threading.Thread(target=self._drain, name="analyze-encode", daemon=True)
            self._worker.start()

    def write(self, image: ImageBGR, pts_s: float) -> None:
        """Queue (or encode) ``image``; the caller must not modify it afterwards."""
        if self._container is None or self._stream is None:
            raise AnalyzeError(f"{self.path}: write before open()")
        self._raise_worker_error()
        pts = max(round(pts_s * 1000), self._last_pts + 1)
        self._last_pts = pts
        if self._worker is None:
            self._encode(image, pts)
            return
        while True:
            try:
                self._queue.put((image, pts), timeout=0.1)
                return
            except queue.Full:
                self._raise_worker_error()  # a dead worker never frees the queue

    def close(self) -> None:
        """Encode what is queued, flush and close the file."""
        if self._container is None or self._stream is None:
            return
        try:
            worker, self._worker = self._worker, None
            if worker is not None:
                while worker.is_alive():
                    try:
                        self._queue.put(None, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                worker.join()
            self._raise_worker_error()
            self._container.mux(self._stream.encode(None))
        finally:
            self._container.close()
            self._container = None
            self._stream = None

    def _encode(self, image: ImageBGR, pts: int) -> None:
        if self._container is None or self._stream is None:  # pragma: no cover
            raise AnalyzeError(f"{self.path}: encoding after close()")
        frame = av.VideoFrame.from_ndarray(
            np.ascontiguousarray(image[: self._h, : self._w]), format="bgr24"
        )
        frame.pts = pts
        frame.time_base = _TIME_BASE
        self._container.mux(self._stream.encode(frame))

    def _drain(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep emptying the queue so the writer never blocks
            try:
                self._encode(*item)
            except Exception as exc:  # handed to the writing thread
                logger.warning("%s: encoding failed: %s", self.path, exc)
                self._error = exc

    def _raise_worker_error(self) -> None:
        error = self._error
        if error is None or self._error_raised:
            return
        self._error_raised = True  # once: close() after a failed write only cleans up
        if isinstance(error, AnalyzeError):
            raise error
        raise AnalyzeError(f"cannot write {self.path}: {error}") from error
