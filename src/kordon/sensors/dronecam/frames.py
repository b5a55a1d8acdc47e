"""A real drone camera's frames: a recorded file or a live RTSP stream, on UTC capture time.

The decoding is the fixed cameras' (:class:`~kordon.video.source.FileSource`,
:class:`~kordon.video.source.StreamSource`: PyAV, decimation, reconnect with backoff,
health); these wrappers only give each frame the time the pose history needs, the time it
was captured, and scale large frames down to what the detector analyses.

- :class:`DroneFileFrames`: ``start_time`` (configured, or the container's
  ``creation_time`` read at :meth:`DroneFileFrames.open`) + the frame's presentation time
  + ``time_offset_s``.
- :class:`DroneStreamFrames`: the frame's arrival time (the stream source's clock at
  connection + its presentation time) + ``time_offset_s`` (minus the latency).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from kordon.video.source.decode import open_input
from kordon.video.source.errors import SourceError
from kordon.video.source.file import FileSource
from kordon.video.source.frame import Frame, SourceInfo
from kordon.video.source.stream import StreamSource

CREATION_TIME = "creation_time"


def container_creation_time(path: Path) -> datetime | None:
    """The ``creation_time`` a video container declares (its own, else its first video
    stream's), in UTC; ``None`` when there is none. A value that is not an ISO 8601 time
    raises :class:`SourceError`; a time without a zone is taken as UTC (FFmpeg writes UTC)."""
    container = open_input(str(path))
    try:
        raw = container.metadata.get(CREATION_TIME)
        if raw is None and container.streams.video:
            raw = container.streams.video[0].metadata.get(CREATION_TIME)
    finally:
        container.close()
    if raw is None or not raw.strip():
        return None
    try:
        found = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise SourceError(
            f"{path}: creation_time {raw!r} is not an ISO 8601 time; set video.source.start_time"
        ) from None
    if found.tzinfo is None:
        found = found.replace(tzinfo=UTC)
    return found.astimezone(UTC)


def fit_within(image: npt.NDArray[np.uint8], max_wh: tuple[int, int]) -> npt.NDArray[np.uint8]:
    """``image`` scaled down (never up) to fit ``max_wh``, keeping its aspect ratio (the
    field of view maps to the whole width either way)."""
    h, w = image.shape[:2]
    scale = min(max_wh[0] / w, max_wh[1] / h)
    if scale >= 1.0:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return np.asarray(resized, dtype=np.uint8)


def _restamped(frame: Frame, time: datetime, max_wh: tuple[int, int]) -> Frame:
    return Frame(
        image=np.ascontiguousarray(fit_within(frame.image, max_wh)),
        index=frame.index,
        pts_s=frame.pts_s,
        time=time,
    )


class DroneFileFrames:
    """A recorded drone video on its capture time (see the module docstring).

    ``start_time`` ``None`` reads the container's ``creation_time`` at :meth:`open`; a
    file without one raises :class:`SourceError` there, saying what to configure."""

    def __init__(
        self,
        source: FileSource,
        *,
        start_time: datetime | None,
        time_offset_s: float = 0.0,
        max_size_wh: tuple[int, int],
    ) -> None:
        if start_time is not None and start_time.tzinfo is None:
            raise ValueError("start_time must be timezone-aware")
        self.source = source
        self._configured = start_time
        self.start_time: datetime | None = start_time
        self.time_offset_s = time_offset_s
        self.max_size_wh = max_size_wh

    def open(self) -> SourceInfo:
        info = self.source.open()
        if self._configured is None:
            found = container_creation_time(self.source.path)
            if found is None:
                self.source.close()
                raise SourceError(
                    f"{self.source.path}: the file declares no creation_time; set "
                    "video.source.start_time (UTC of its first frame)"
                )
            self.start_time = found
        return info

    def frames(self) -> Iterator[Frame]:
        start = self.start_time
        if start is None:
            raise SourceError(f"{self.source.path}: frames() before open()")
        shift = start + timedelta(seconds=self.time_offset_s)
        for frame in self.source.frames():
            yield _restamped(frame, shift + timedelta(seconds=frame.pts_s), self.max_size_wh)

    def close(self) -> None:
        self.source.close()


class DroneStreamFrames:
    """A live drone video stream on its capture time (see the module docstring)."""

    def __init__(
        self, source: StreamSource, *, time_offset_s: float = 0.0, max_size_wh: tuple[int, int]
    ) -> None:
        self.source = source
        self.time_offset_s = time_offset_s
        self.max_size_wh = max_size_wh

    def open(self) -> None:
        """Nothing to do: the stream connects, and reconnects, as frames are read."""

    def frames(self) -> Iterator[Frame]:
        offset = timedelta(seconds=self.time_offset_s)
        for frame in self.source.frames():
            yield _restamped(frame, frame.time + offset, self.max_size_wh)

    def close(self) -> None:
        self.source.close()
