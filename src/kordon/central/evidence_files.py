"""The centre's files of pulled evidence: partial files while a transfer runs, then the file
received, under ``<data_dir>/evidence/``.

A partial file is ``partial/<transfer id>.part``; each write is synced before the caller
records its progress, so the file holds at least what the progress row says (after a
crash, maybe more: :meth:`EvidenceFiles.cut_back` removes it). A verified file is moved to
``<kind>/<sha256><suffix>`` (content-addressed: ids from the link never name a path).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kordon.link.evidence_wire import EvidenceKind


class EvidenceFiles:
    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._partial_dir = data_dir / "evidence" / "partial"

    def partial(self, transfer_id: str) -> Path:
        return self._partial_dir / f"{transfer_id}.part"

    def absolute(self, relative: str) -> Path:
        return self._data_dir / relative

    def start(self, transfer_id: str) -> None:
        """An empty partial file (replacing any left from an earlier attempt)."""
        self._partial_dir.mkdir(parents=True, exist_ok=True)
        with self.partial(transfer_id).open("wb") as file:
            os.fsync(file.fileno())

    def write_at(self, transfer_id: str, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset`` (cutting off anything after it) and sync.
        ``OSError`` when the partial file is gone or the disk refuses."""
        with self.partial(transfer_id).open("r+b") as file:
            file.truncate(offset)
            file.seek(offset)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())

    def cut_back(self, transfer_id: str, received: int) -> int:
        """Cut the partial file back to ``received`` bytes; returns what it holds (less
        when the file lost bytes, 0 when it is missing)."""
        try:
            with self.partial(transfer_id).open("r+b") as file:
                held = min(file.seek(0, os.SEEK_END), received)
                file.truncate(held)
                os.fsync(file.fileno())
                return held
        except FileNotFoundError:
            return 0

    def sha256(self, transfer_id: str) -> str:
        digest = hashlib.sha256()
        with self.partial(transfer_id).open("rb") as file:
            while block := file.read(1 << 20):
                digest.update(block)
        return digest.hexdigest()

    def keep(self, transfer_id: str, kind: EvidenceKind, sha256: str, name: str) -> str:
        """Move the verified partial file into place; returns its path relative to the
        data directory."""
        suffix = Path(name).suffix
        suffix = suffix if suffix[1:].isalnum() and len(suffix) <= 9 else ""
        relative = Path("evidence") / str(kind) / f"{sha256}{suffix}"
        final = self._data_dir / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.partial(transfer_id), final)
        fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(fd)  # the rename itself survives a power cut
        finally:
            os.close(fd)
        return relative.as_posix()

    def discard(self, transfer_id: str) -> None:
        self.partial(transfer_id).unlink(missing_ok=True)
