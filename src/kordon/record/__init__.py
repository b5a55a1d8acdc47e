"""Recording: crash-safe segments (stream copy), retention with holds, clips and snapshots."""

from kordon.record.clips import ClipInfo, request_clip
from kordon.record.errors import (
    ClipError,
    RecordError,
    SnapshotError,
    StorageError,
    StorageFullError,
    StorageMountError,
)
from kordon.record.recorder import Recorder, RecorderSettings, RecorderStats
from kordon.record.repository import RecordingRepository
from kordon.record.retention import RetentionManager, RetentionPolicy
from kordon.record.sink import EvidenceRecorder, NullSegmentSink, SegmentSink
from kordon.record.snapshots import apply_privacy_masks, snapshot_jpeg, thumbnail_jpeg

__all__ = [
    "ClipError",
    "ClipInfo",
    "EvidenceRecorder",
    "NullSegmentSink",
    "RecordError",
    "Recorder",
    "RecorderSettings",
    "RecorderStats",
    "RecordingRepository",
    "RetentionManager",
    "RetentionPolicy",
    "SegmentSink",
    "SnapshotError",
    "StorageError",
    "StorageFullError",
    "StorageMountError",
    "apply_privacy_masks",
    "request_clip",
    "snapshot_jpeg",
    "thumbnail_jpeg",
]
