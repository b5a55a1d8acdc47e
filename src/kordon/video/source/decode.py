"""PyAV plumbing shared by the sources: open, pick the video stream, decode packets.

Every PyAV exception is turned into ``SourceError`` here, so none escapes a source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import av
import av.container
import av.error
import av.video
import numpy as np
import numpy.typing as npt

from kordon.video.source.errors import SourceError
from kordon.video.source.frame import SourceInfo

logger = logging.getLogger(__name__)

DEFAULT_MAX_PIXELS = 8192 * 4320
"""8K: larger pictures are refused before decoding (a corrupt header can claim anything)."""

ThreadType = Literal["NONE", "SLICE", "FRAME", "AUTO"]


@dataclass(frozen=True, slots=True)
class DecodeSettings:
    """How to decode: ``thread_count`` 0 lets FFmpeg choose; ``max_pixels`` caps W·H;
    ``max_consecutive_errors`` packets failing in a row mean the input is garbage."""

    thread_type: ThreadType = "AUTO"
    thread_count: int = 0
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_consecutive_errors: int = 25

    def __post_init__(self) -> None:
        if self.thread_count < 0:
            raise SourceError(f"thread_count must be >= 0, got {self.thread_count}")
        if self.max_pixels <= 0:
            raise SourceError(f"max_pixels must be positive, got {self.max_pixels}")
        if self.max_consecutive_errors <= 0:
            raise SourceError(
                f"max_consecutive_errors must be positive, got {self.max_consecutive_errors}"
            )


def open_input(
    url: str,
    *,
    options: dict[str, str] | None = None,
    timeout_s: tuple[float | None, float | None] | None = None,
) -> av.container.InputContainer:
    """Open ``url`` for reading; every failure becomes ``SourceError`` naming the input."""
    try:
        return av.open(url, mode="r", options=options or {}, timeout=timeout_s)
    except av.error.FFmpegError as exc:
        raise SourceError(f"cannot open {url!r}: {_describe(exc)}") from exc
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot open {url!r}: {exc}") from exc


def select_video_stream(
    container: av.container.InputContainer, url: str, settings: DecodeSettings
) -> av.video.VideoStream:
    """The first video stream, configured for threaded decode, with its size checked."""
    if not container.streams.video:
        kinds = ", ".join(sorted({str(s.type) for s in container.streams})) or "none"
        raise SourceError(f"{url!r} has no video stream (streams: {kinds})")
    stream = container.streams.video[0]
    check_resolution(stream.codec_context.width, stream.codec_context.height, url, settings)
    stream.thread_type = settings.thread_type
    stream.thread_count = settings.thread_count
    return stream


def check_resolution(width: int, height: int, url: str, settings: DecodeSettings) -> None:
    if width < 0 or height < 0:
        raise SourceError(f"{url!r}: invalid resolution {width}×{height}")
    if width * height > settings.max_pixels:
        raise SourceError(
            f"{url!r}: resolution {width}×{height} = {width * height} pixels exceeds "
            f"max_pixels {settings.max_pixels}"
        )


def stream_info(stream: av.video.VideoStream) -> SourceInfo:
    rate = stream.average_rate or stream.base_rate or stream.guessed_rate
    frames = int(stream.frames) if stream.frames else None
    return SourceInfo(
        width_px=int(stream.codec_context.width),
        height_px=int(stream.codec_context.height),
        nominal_fps=float(rate) if rate else 0.0,
        codec=stream.codec_context.name,
        frame_count=frames,
    )


def decode_frames(
    container: av.container.InputContainer,
    stream: av.video.VideoStream,
    url: str,
    settings: DecodeSettings,
    on_decode_error: Callable[[str], None],
) -> Iterator[av.VideoFrame]:
    """Decoded frames of ``stream``, in presentation order.

    A packet that fails to decode is reported through ``on_decode_error`` and skipped;
    ``max_consecutive_errors`` failures in a row, or a demuxer failure, raise
    ``SourceError``. The end of the input ends the iterator.
    """
    packets = container.demux(stream)
    consecutive = 0
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.error.FFmpegError as exc:
            raise SourceError(f"{url!r}: read failed: {_describe(exc)}") from exc
        except OSError as exc:
            raise SourceError(f"{url!r}: read failed: {exc}") from exc
        try:
            decoded = packet.decode()
        except av.error.FFmpegError as exc:
            consecutive += 1
            on_decode_error(_describe(exc))
            if consecutive >= settings.max_consecutive_errors:
                raise SourceError(
                    f"{url!r}: {consecutive} packets in a row failed to decode "
                    f"(last: {_describe(exc)}); the input is not decodable video"
                ) from exc
            continue
        consecutive = 0
        for frame in decoded:
            if isinstance(frame, av.VideoFrame):
                yield frame


def to_bgr(frame: av.VideoFrame, url: str, settings: DecodeSettings) -> npt.NDArray[np.uint8]:
    """Colour-convert one decoded frame to H×W×3 BGR (the costly step decimation skips)."""
    check_resolution(frame.width, frame.height, url, settings)
    try:
        image = frame.to_ndarray(format="bgr24")
    except (av.error.FFmpegError, ValueError) as exc:
        raise SourceError(f"{url!r}: cannot convert frame to BGR: {exc}") from exc
    return np.ascontiguousarray(image, dtype=np.uint8)


class PtsTimer:
    """Seconds since the first frame, exact from integer pts × time base; a frame with no
    pts is placed one nominal period (``period_s``) after the previous one."""

    def __init__(self, period_s: float) -> None:
        self.period_s = period_s
        self._first_pts: int | None = None
        self.last_s = -period_s

    def seconds(self, frame: av.VideoFrame) -> float:
        pts: int | None = frame.pts
        base: Fraction | None = frame.time_base
        if pts is None or base is None:
            self.last_s += self.period_s
        else:
            if self._first_pts is None:
                self._first_pts = pts
            self.last_s = float((pts - self._first_pts) * base)
        return self.last_s


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
