"""One MPEG-TS segment file written by stream copy, then flushed and synced."""

from __future__ import annotations

import errno
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import av
import av.container
import av.error
import av.stream

from kordon.record.errors import StorageError, StorageFullError
from kordon.record.fsutil import HashingWriter, fsync_dir
from kordon.record.packet_source import SourcePacket

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WrittenSegment:
    size_bytes: int
    sha256: str
    packet_count: int
    has_keyframe: bool


def storage_error(what: str, path: Path, exc: BaseException, cause: OSError | None) -> StorageError:
    """Classify a write failure: ENOSPC becomes ``StorageFullError``."""
    os_error = cause if cause is not None else exc if isinstance(exc, OSError) else None
    code = os_error.errno if os_error is not None else getattr(exc, "errno", None)
    if code == errno.ENOSPC:
        return StorageFullError(f"{what} {path}: no space left on the recording file system")
    return StorageError(f"{what} {path}: {os_error or exc}")


def _make_dirs(path: Path) -> None:
    """Create missing parents and sync each new entry into its parent directory."""
    missing: list[Path] = []
    parent = path
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        fsync_dir(directory.parent)


class SegmentWriter:
    """Stream-copies packets into ``path`` (MPEG-TS survives being cut off mid-write).

    ``close()`` writes the trailer, flushes, ``fsync``s the file and then its directory;
    only after that may the caller store the database row.
    """

    def __init__(self, path: Path, template: av.stream.Stream) -> None:
        self.path = path
        self._template = template
        self._raw: BinaryIO | None = None
        self._hashing: HashingWriter | None = None
        self._container: av.container.OutputContainer | None = None
        self._stream: av.stream.Stream | None = None
        self.packet_count = 0
        self.has_keyframe = False

    def open(self) -> None:
        try:
            _make_dirs(self.path.parent)
            self._raw = self.path.open("xb")
        except OSError as exc:
            raise storage_error("cannot create segment", self.path, exc, None) from exc
        self._hashing = HashingWriter(self._raw)
        try:
            self._container = av.open(self._hashing, mode="w", format="mpegts")
            self._stream = self._container.add_stream_from_template(self._template)
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            self.abort()
            raise storage_error("cannot start segment", self.path, exc, None) from exc

    def write(self, packet: SourcePacket) -> None:
        if self._container is None or self._stream is None or self._hashing is None:
            raise StorageError(f"segment {self.path} is not open")
        out = av.Packet(packet.data)
        out.pts = packet.pts if packet.pts is not None else packet.dts
        out.dts = packet.dts
        out.duration = packet.duration
        out.time_base = packet.time_base
        out.is_keyframe = packet.is_keyframe
        out.stream = self._stream
        try:
            self._container.mux(out)
        except (av.error.FFmpegError, OSError) as exc:
            raise storage_error("writing segment", self.path, exc, self._hashing.error) from exc
        self.packet_count += 1
        self.has_keyframe = self.has_keyframe or packet.is_keyframe

    def close(self) -> WrittenSegment:
        """Finish, flush, ``fsync`` file and directory; returns size, hash and counts."""
        if self._container is None or self._hashing is None or self._raw is None:
            raise StorageError(f"segment {self.path} is not open")
        hashing = self._hashing
        try:
            self._container.close()
            self._container = None
            hashing.sync()
            self._raw.close()
            self._raw = None
            fsync_dir(self.path.parent)
        except (av.error.FFmpegError, OSError) as exc:
            raise storage_error("closing segment", self.path, exc, hashing.error) from exc
        return WrittenSegment(
            size_bytes=hashing.size_bytes,
            sha256=hashing.hexdigest(),
            packet_count=self.packet_count,
            has_keyframe=self.has_keyframe,
        )

    def abort(self) -> None:
        """Drop the segment: close quietly and remove the (row-less) partial file."""
        if self._container is not None:
            try:
                self._container.close()
            except (av.error.FFmpegError, OSError) as exc:
                logger.debug("closing aborted segment %s: %s", self.path, exc)
            self._container = None
        if self._raw is not None:
            try:
                self._raw.close()
            except OSError as exc:
                logger.debug("closing aborted segment file %s: %s", self.path, exc)
            self._raw = None
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            logger.warning("cannot remove partial segment %s: %s", self.path, exc)
