"""Small durable-file helpers: fsync of files and directories, hashing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (a new or renamed file) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class HashingWriter:
    """A write-only file object that hashes and counts what passes through it.

    PyAV muxes into it, so the segment's SHA-256 costs no second read of the file.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._digest = hashlib.sha256()
        self.size_bytes = 0
        self.error: OSError | None = None

    def write(self, data: bytes) -> int:
        try:
            written = self._raw.write(data)
        except OSError as exc:
            self.error = exc  # PyAV wraps it; keep the errno for the caller
            raise
        self._digest.update(data)
        self.size_bytes += len(data)
        return written

    def flush(self) -> None:
        self._raw.flush()

    def sync(self) -> None:
        """Flush Python's buffer and ``fsync`` the file."""
        try:
            self._raw.flush()
            os.fsync(self._raw.fileno())
        except OSError as exc:
            self.error = exc
            raise

    def hexdigest(self) -> str:
        return self._digest.hexdigest()
