"""Errors raised by the recorder, retention, clips and snapshots."""

from kordon.domain.errors import KordonError


class RecordError(KordonError):
    """Recording failed for a reason stated in the message."""


class StorageError(RecordError):
    """The recording directory cannot be written (read-only, full, missing)."""


class StorageFullError(StorageError):
    """No space left on the recording file system (ENOSPC)."""


class StorageMountError(StorageError):
    """The recording directory is not the one this database belongs to (missing/swapped)."""


class SourceUnavailableError(RecordError):
    """The camera stream cannot be opened or read."""


class SegmentCorruptError(RecordError):
    """A segment file does not decode cleanly to its end."""


class ClipError(RecordError):
    """A clip cannot be assembled (no footage, incompatible codec, bad interval)."""


class SnapshotError(RecordError):
    """A snapshot cannot be made (bad image, bad mask polygon, bad size)."""


class InvalidRecordingInputError(RecordError, ValueError):
    """An argument is out of range or malformed."""
