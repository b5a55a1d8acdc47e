"""Append-only JSON-lines files: durable appends and crash-tail recovery."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kordon.evidence.errors import LedgerError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Line:
    """One complete line (without its newline) of a JSON-lines file."""

    number: int
    """1-based line number."""
    offset_bytes: int
    data: bytes


@dataclass(frozen=True)
class PartialTail:
    """Bytes after the last newline: a write that did not finish (or a truncation)."""

    line_number: int
    offset_bytes: int
    data: bytes


def scan_lines(path: Path) -> Iterator[Line | PartialTail]:
    """Stream the lines of ``path``; the last item is a :class:`PartialTail` when the file
    does not end with a newline. A missing file has no lines."""
    if not path.exists():
        return
    offset = 0
    number = 1
    with path.open("rb") as handle:
        for raw in handle:
            if raw.endswith(b"\n"):
                yield Line(number, offset, raw[:-1])
            else:
                yield PartialTail(number, offset, raw)
            offset += len(raw)
            number += 1


class AppendFile:
    """A file opened with ``O_APPEND``; every :meth:`append` is written whole and synced."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None
        self._size = 0

    @property
    def size_bytes(self) -> int:
        return self._size

    def open(self) -> None:
        created = not self._path.exists()
        self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._size = os.fstat(self._fd).st_size
        if created:
            fsync_dir(self._path.parent)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def append(self, data: bytes) -> int:
        """Write ``data`` at the end and sync it; return its offset.

        On failure (disk full, I/O error) the file is cut back to its previous length so a
        half-written line never stays in front of the next append.
        """
        if self._fd is None:
            raise LedgerError(f"{self._path} is not open")
        offset = self._size
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fdatasync(self._fd)
        except OSError as exc:
            try:
                os.ftruncate(self._fd, offset)
            except OSError:
                logger.exception("could not cut %s back to %d bytes", self._path, offset)
            raise LedgerError(f"cannot append to {self._path}: {exc.strerror}") from exc
        self._size = offset + len(data)
        return offset


def quarantine_tail(path: Path, tail: PartialTail, quarantine_dir: Path) -> Path:
    """Move an unterminated last line out of ``path`` into ``quarantine_dir``.

    The bytes are first written and synced to the quarantine file, and only then is
    ``path`` cut back to the end of its last complete line: a crash in between leaves the
    tail in both places, never in neither.
    """
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    target = quarantine_dir / f"{path.name}.offset-{tail.offset_bytes}.partial"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, tail.data)
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(quarantine_dir)
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, tail.offset_bytes)
        os.fsync(fd)
    finally:
        os.close(fd)
    logger.warning(
        "%s line %d: moved an incomplete last line (%d bytes) to %s",
        path,
        tail.line_number,
        len(tail.data),
        target,
    )
    return target


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
