"""``FileSource``: frames from a local video file, as fast as possible or paced."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

import av.container
import av.video

from kordon.video.source.clock import Clock
from kordon.video.source.decimate import Decimator
from kordon.video.source.decode import (
    DecodeSettings,
    PtsTimer,
    decode_frames,
    open_input,
    select_video_stream,
    stream_info,
    to_bgr,
)
from kordon.video.source.errors import SourceError
from kordon.video.source.frame import Frame, SourceInfo

logger = logging.getLogger(__name__)


class FileSource:
    """Frames from a video file.

    ``realtime=False`` decodes as fast as possible; ``realtime=True`` sleeps (through the
    injected clock) so frames come out at their presentation times. ``loop=True`` starts
    again at the end, with ``index`` and ``pts_s`` continuing to increase. ``target_fps``
    keeps frames at that rate and drops the rest before colour conversion.
    A file that yields no frame at all raises ``SourceError``; a truncated file ends
    after its last decodable frame; undecodable packets are counted in ``decode_errors``.

    ``close()`` is safe from another thread: while a ``frames()`` iterator is live, it only
    asks it to stop, and the iterator closes the container itself after its current frame
    (closing a PyAV container under a decode in progress crashes the process).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Clock,
        realtime: bool = False,
        loop: bool = False,
        target_fps: float | None = None,
        settings: DecodeSettings | None = None,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self.realtime = realtime
        self.loop = loop
        self._decimator = Decimator(target_fps)
        self._settings = settings or DecodeSettings()
        self._container: av.container.InputContainer | None = None
        self._stream: av.video.VideoStream | None = None
        self._info: SourceInfo | None = None
        self._start_time: datetime | None = None
        self._decode_errors = 0
        self._lock = threading.Lock()
        self._iterating_thread: int | None = None  # the thread of a live frames(), if any
        self._close_requested = False

    @property
    def info(self) -> SourceInfo:
        if self._info is None:
            raise SourceError(f"{self.path}: info is only known after open()")
        return self._info

    @property
    def decode_errors(self) -> int:
        return self._decode_errors

    def open(self) -> SourceInfo:
        """Probe the file; ``SourceError`` if it is missing, empty, not video or too large.

        The start time (``Frame.time`` of pts 0) is the clock's ``now()`` here."""
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such file")
        if self.path.stat().st_size == 0:
            raise SourceError(f"{self.path}: file is empty (0 bytes)")
        self._open_container()
        self._start_time = self._clock.now()
        return self.info

    def _open_container(self) -> None:
        self._close_container()
        url = str(self.path)
        container = open_input(url)
        try:
            self._stream = select_video_stream(container, url, self._settings)
            self._info = stream_info(self._stream)
        except BaseException:
            container.close()
            raise
        self._container = container

    def frames(self) -> Iterator[Frame]:
        """Decoded frames; see the class docstring for pacing, looping and decimation."""
        if self._container is None or self._start_time is None:
            raise SourceError(f"{self.path}: frames() before open()")
        with self._lock:
            self._iterating_thread = threading.get_ident()
            self._close_requested = False
        try:
            yield from self._frames(self._start_time)
        finally:
            with self._lock:
                self._iterating_thread = None
                if self._close_requested:
                    self._close_container()

    def _frames(self, start_time: datetime) -> Iterator[Frame]:
        url = str(self.path)
        index = 0
        offset_s = 0.0  # added to pts on each loop pass so time keeps increasing
        paced_from: float | None = None
        while (current := self._current()) is not None:
            container, stream = current
            period_s = 1.0 / self.info.nominal_fps if self.info.nominal_fps > 0 else 0.0
            timer = PtsTimer(period_s)
            decoded_this_pass = 0
            for av_frame in decode_frames(container, stream, url, self._settings, self._on_error):
                if self._close_requested:
                    return
                pts_s = timer.seconds(av_frame)
                decoded_this_pass += 1
                frame_index = index
                index += 1
                total_pts_s = offset_s + pts_s
                if not self._decimator.keep(total_pts_s):
                    continue
                image = to_bgr(av_frame, url, self._settings)
                if self.realtime:
                    paced_from = self._pace(paced_from, total_pts_s)
                yield Frame(
                    image=image,
                    index=frame_index,
                    pts_s=total_pts_s,
                    time=start_time + timedelta(seconds=total_pts_s),
                )
            if decoded_this_pass == 0:
                if index == 0:
                    raise SourceError(
                        f"{self.path}: no frame could be decoded "
                        f"({self._decode_errors} decode errors)"
                    )
                return
            if not self.loop or self._close_requested:
                return
            offset_s += timer.last_s + period_s
            logger.debug("%s: looping after %d frames", self.path, index)
            self._open_container()

    def _current(self) -> tuple[av.container.InputContainer, av.video.VideoStream] | None:
        """The open container and stream; ``None`` once closed."""
        if self._container is None or self._stream is None:
            return None
        return self._container, self._stream

    def _pace(self, paced_from: float | None, pts_s: float) -> float:
        """Sleep until ``pts_s`` after the first paced frame; returns the pacing origin."""
        now = self._clock.monotonic()
        if paced_from is None:
            return now - pts_s
        delay = paced_from + pts_s - now
        if delay > 0:
            self._clock.sleep(delay)
        return paced_from

    def _on_error(self, reason: str) -> None:
        self._decode_errors += 1
        logger.warning("%s: decode error %d: %s", self.path, self._decode_errors, reason)

    def close(self) -> None:
        """Close the file; while a ``frames()`` iterator is live (on any thread), ask it
        to stop: it closes the file after its current frame, or when it is closed."""
        with self._lock:
            if self._iterating_thread is not None:
                self._close_requested = True
                return
            self._close_container()

    def _close_container(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = None
        self._stream = None

    def __enter__(self) -> FileSource:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
