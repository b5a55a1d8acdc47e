"""Compressed packets from a camera (RTSP URL or file), demuxed by PyAV without decoding."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

import av
import av.container
import av.error
import av.stream

from kordon.record.errors import SourceUnavailableError

logger = logging.getLogger(__name__)

RTSP_OPTIONS = {"rtsp_transport": "tcp", "stimeout": "5000000", "timeout": "5000000"}


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """What a muxer needs to know about the video stream (no decoder involved)."""

    codec_name: str
    width: int
    height: int
    time_base: Fraction


@dataclass(frozen=True, slots=True)
class SourcePacket:
    """One compressed video packet, in the source's time base."""

    data: bytes
    pts: int | None
    dts: int | None
    duration: int
    is_keyframe: bool
    is_corrupt: bool
    time_base: Fraction


class PacketSource(Protocol):
    """Opens a stream and yields its video packets until the stream ends."""

    def open(self) -> av.stream.Stream:
        """Connect; returns the video stream (a template for stream copy)."""
        ...

    def packets(self) -> Iterator[SourcePacket]: ...

    def close(self) -> None: ...


class AvPacketSource:
    """A camera or file opened with PyAV; ``packets()`` demuxes the first video stream."""

    def __init__(self, url: str, *, options: dict[str, str] | None = None) -> None:
        self.url = url
        self._options = options
        self._container: av.container.InputContainer | None = None
        self._stream: av.stream.Stream | None = None

    def open(self) -> av.stream.Stream:
        self.close()
        options = self._options
        if options is None:
            options = RTSP_OPTIONS if self.url.startswith(("rtsp://", "rtsps://")) else {}
        try:
            container = av.open(self.url, mode="r", options=options)
        except (av.error.FFmpegError, OSError) as exc:
            raise SourceUnavailableError(f"cannot open {self.url!r}: {exc}") from exc
        if not container.streams.video:
            container.close()
            raise SourceUnavailableError(f"{self.url!r} has no video stream")
        self._container = container
        self._stream = container.streams.video[0]
        return self._stream

    def packets(self) -> Iterator[SourcePacket]:
        if self._container is None or self._stream is None:
            raise SourceUnavailableError(f"{self.url!r} is not open: call open() first")
        time_base = self._stream.time_base or Fraction(1, 90_000)
        try:
            for packet in self._container.demux(self._stream):
                if packet.size == 0 and packet.dts is None:
                    continue  # demuxer flush packet
                yield SourcePacket(
                    data=bytes(packet),
                    pts=packet.pts,
                    dts=packet.dts,
                    duration=int(packet.duration or 0),
                    is_keyframe=bool(packet.is_keyframe),
                    is_corrupt=bool(packet.is_corrupt),
                    time_base=time_base,
                )
        except (av.error.FFmpegError, OSError) as exc:
            raise SourceUnavailableError(f"reading {self.url!r} failed: {exc}") from exc

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = None
        self._stream = None


def spec_of(stream: av.stream.Stream) -> StreamSpec:
    context = stream.codec_context
    return StreamSpec(
        codec_name=str(context.name),
        width=int(getattr(context, "width", 0) or 0),
        height=int(getattr(context, "height", 0) or 0),
        time_base=stream.time_base or Fraction(1, 90_000),
    )
