"""Bounded reads of the files a site file names: regular files only, a size limit per kind.

A site file can point anywhere (``geometry_file: /dev/zero``, a FIFO, a 40 GB log), so
every file the configuration reads goes through :func:`read_bounded_bytes`: it opens
without blocking, refuses anything that is not a regular file before reading a byte, and
never holds more than the kind's limit (plus one byte) in memory, even when the file grows
while it is read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from kordon.domain.errors import KordonError

MIB = 1024 * 1024
GIB = 1024 * MIB


@dataclass(frozen=True, slots=True)
class FileKind:
    """What a file is for (named in errors) and the most bytes it may hold."""

    what: str
    max_bytes: int

    def limit_text(self) -> str:
        """``1 GiB``, ``10 MiB``, ``512 KiB`` or ``100 bytes``."""
        if self.max_bytes % GIB == 0:
            return f"{self.max_bytes // GIB} GiB"
        if self.max_bytes % MIB == 0:
            return f"{self.max_bytes // MIB} MiB"
        if self.max_bytes % 1024 == 0:
            return f"{self.max_bytes // 1024} KiB"
        return f"{self.max_bytes} bytes"


SITE_FILE = FileKind("site file", 10 * MIB)
BORDER_GEOJSON = FileKind("border GeoJSON file", 64 * MIB)
"""The whole 1,113 km UA-BY border at OSM detail is under 1 MiB."""
CONTROL_POINTS_FILE = FileKind("control points file", 1 * MIB)
MODEL_FILE = FileKind("model file", 1 * GIB)
VIDEO_FILE = FileKind("video file", 1024 * GIB)
"""Video is streamed by the decoder, never read whole; the limit only rules out nonsense."""

_CHUNK = 1 * MIB


class FileReadError(KordonError, ValueError):
    """A file named by the configuration is missing, not a regular file, or too large.

    The message is ``PATH: PROBLEM``; ``problem`` alone is for callers that show the
    path themselves.
    """

    def __init__(self, path: Path, kind: FileKind, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.kind = kind
        self.problem = problem


def _file_type(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check_stat(path: Path, kind: FileKind, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise FileReadError(
            path,
            kind,
            f"is {_file_type(info.st_mode)}, not a regular file; a {kind.what} must be "
            f"a regular file of at most {kind.limit_text()}",
        )
    if info.st_size > kind.max_bytes:
        raise _too_large(path, kind, info.st_size)


def _too_large(path: Path, kind: FileKind, size: int | None) -> FileReadError:
    got = f"{size} bytes" if size is not None else f"more than {kind.max_bytes} bytes"
    return FileReadError(path, kind, f"is {got}; a {kind.what} may be at most {kind.limit_text()}")


def _os_problem(path: Path, kind: FileKind, exc: OSError) -> FileReadError:
    if isinstance(exc, FileNotFoundError):
        return FileReadError(path, kind, f"{kind.what} not found")
    if isinstance(exc, PermissionError):
        return FileReadError(path, kind, f"cannot read {kind.what}: permission denied")
    return FileReadError(path, kind, f"cannot read {kind.what}: {exc.strerror or exc}")


def check_regular_file(path: Path, kind: FileKind) -> None:
    """Raise :class:`FileReadError` unless ``path`` (symlinks followed) is a regular file
    within ``kind``'s limit. For files that are opened later by another component."""
    try:
        info = path.stat()
    except OSError as exc:
        raise _os_problem(path, kind, exc) from None
    _check_stat(path, kind, info)


def read_bounded_bytes(path: Path, kind: FileKind) -> bytes:
    """The bytes of ``path``; :class:`FileReadError` when it is missing, unreadable, not a
    regular file (device, FIFO, directory, socket) or larger than ``kind.max_bytes``."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)  # O_NONBLOCK: opening a FIFO must not wait for a writer
    except OSError as exc:
        raise _os_problem(path, kind, exc) from None
    try:
        _check_stat(path, kind, os.fstat(fd))  # the opened file itself: no swap after a check
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, kind.max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > kind.max_bytes:  # grew while being read
                raise _too_large(path, kind, None)
        return b"".join(chunks)
    except OSError as exc:
        raise _os_problem(path, kind, exc) from None
    finally:
        os.close(fd)


def read_bounded_text(path: Path, kind: FileKind) -> str:
    """:func:`read_bounded_bytes` decoded as UTF-8 (a BOM is not stripped)."""
    data = read_bounded_bytes(path, kind)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileReadError(
            path, kind, f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
