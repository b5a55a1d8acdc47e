"""A missing or swapped storage mount is detected by an identity file in the data directory.

At first init a random id is written to ``<data>/recordings/.kordon-storage-id`` and stored in
the database. Later, a missing file (the mount is gone and an empty directory on the root
file system shows through) or a different id (another disk) refuses recording there.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path

from kordon.record.errors import StorageMountError
from kordon.record.fsutil import fsync_dir
from kordon.record.layout import RECORDINGS
from kordon.record.repository import RecordingRepository

IDENTITY_FILE = ".kordon-storage-id"
IDENTITY_NAME = "recordings"


def identity_path(data_dir: Path) -> Path:
    return data_dir / RECORDINGS / IDENTITY_FILE


def ensure_storage_identity(data_dir: Path, repository: RecordingRepository, time: datetime) -> str:
    """Create the identity at first init, or check it; ``StorageMountError`` on a mismatch."""
    path = identity_path(data_dir)
    stored = repository.storage_identity(IDENTITY_NAME)
    on_disk = _read(path)
    if stored is None:
        if on_disk is None:
            on_disk = uuid.uuid4().hex
            _write(path, on_disk)
        repository.set_storage_identity(IDENTITY_NAME, on_disk, time=time)
        return on_disk
    if on_disk is None:
        raise StorageMountError(
            f"recording storage identity file {path} is missing: the storage mount is probably "
            "absent; refusing to record onto the underlying file system"
        )
    if on_disk != stored:
        raise StorageMountError(
            f"recording storage {data_dir / RECORDINGS} has identity {on_disk}, but this "
            f"database belongs to {stored}: a different disk is mounted; refusing to record"
        )
    return stored


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageMountError(f"cannot read storage identity file {path}: {exc}") from exc


def _write(path: Path, identity: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="ascii") as handle:
            handle.write(identity + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        fsync_dir(path.parent)
    except OSError as exc:
        raise StorageMountError(f"cannot create storage identity file {path}: {exc}") from exc
