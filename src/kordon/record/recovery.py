"""Start-up recovery: make segment files and database rows agree again after a crash.

- a row whose file is gone is dropped and recorded as a gap;
- a file without a row is adopted when it decodes cleanly to its end (start from its name,
  end from its packets), else moved to ``<data>/recordings/quarantine/``;
- queued deletions are finished first (file, then row);
- the newest closed segments (up to ``verify_bytes`` per camera) are re-hashed against
  their rows: one that differs (edited while the node was stopped) is logged as an error
  and listed in the report. Clips and exports re-hash every segment they use, and
  ``kordon ledger verify`` every file, so this start-up check is bounded in time.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from kordon.record.errors import SegmentCorruptError
from kordon.record.fsutil import fsync_dir, sha256_file
from kordon.record.layout import quarantine_dir, segment_files, start_from_name
from kordon.record.probe import probe_segment
from kordon.record.repository import RecordingRepository
from kordon.record.sink import SegmentSink
from kordon.record.types import GapReason, GapRecord, SegmentRecord

logger = logging.getLogger(__name__)


VERIFY_BYTES_AT_START = 256 * 1024 * 1024
"""Segment bytes re-hashed per camera at start (newest first): seconds, not hours."""


@dataclass(slots=True)
class RecoveryReport:
    adopted: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    rows_dropped: list[str] = field(default_factory=list)
    deletions_finished: int = 0
    verified: int = 0
    """Closed segments re-hashed against their rows."""
    tampered: list[str] = field(default_factory=list)
    """Closed segments whose bytes differ from their row's SHA-256."""


def finish_deletions(data_dir: Path, repository: RecordingRepository) -> int:
    """Complete queued deletions (idempotent): unlink the file, then drop the row."""
    done = 0
    for segment_id, path_rel in repository.pending_deletions():
        if repository.cancel_deletion_if_held(segment_id):
            continue
        path = data_dir / path_rel
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            logger.error("cannot delete segment %s: %s", path, exc)
            continue
        repository.delete_segment_row(segment_id)
        done += 1
    return done


def recover_camera(
    data_dir: Path,
    camera_id: str,
    repository: RecordingRepository,
    sink: SegmentSink,
    time: datetime,
    *,
    verify_bytes: int = VERIFY_BYTES_AT_START,
) -> RecoveryReport:
    report = RecoveryReport()
    report.deletions_finished = finish_deletions(data_dir, repository)
    files = segment_files(data_dir, camera_id)
    for segment in repository.segments(camera_id):
        if segment.path_rel in files or segment.id is None:
            continue
        repository.delete_segment_row(segment.id)
        repository.add_gap(
            GapRecord(
                camera_id, segment.start, segment.end, GapReason.FILE_MISSING, segment.path_rel
            )
        )
        report.rows_dropped.append(segment.path_rel)
        logger.warning(
            "camera %s: segment file %s is missing; recorded as a gap", camera_id, segment.path_rel
        )
    stored = repository.segment_paths(camera_id)
    for path_rel in sorted(set(files) - stored):
        path = files[path_rel]
        start = start_from_name(path.name)
        if start is None:  # pragma: no cover - segment_files only lists named files
            continue
        try:
            probe = probe_segment(path)
        except SegmentCorruptError as exc:
            _quarantine(data_dir, path, path_rel)
            repository.add_gap(
                GapRecord(camera_id, start, start, GapReason.QUARANTINED, str(exc)[:500])
            )
            report.quarantined.append(path_rel)
            logger.warning("camera %s: quarantined %s: %s", camera_id, path_rel, exc)
            continue
        record = SegmentRecord(
            camera_id=camera_id,
            path_rel=path_rel,
            start=start,
            end=start + timedelta(seconds=probe.span_s),
            size_bytes=path.stat().st_size,
            sha256=sha256_file(path),
            packet_count=probe.packet_count,
            has_keyframe=probe.has_keyframe,
        )
        repository.add_segment(record)
        sink.record_segment(
            camera_id, path_rel, sha256=record.sha256, start=record.start, end=record.end, time=time
        )
        report.adopted.append(path_rel)
        logger.info("camera %s: adopted segment %s found without a row", camera_id, path_rel)
    _verify_newest(data_dir, camera_id, repository, verify_bytes, report)
    return report


def _verify_newest(
    data_dir: Path,
    camera_id: str,
    repository: RecordingRepository,
    budget_bytes: int,
    report: RecoveryReport,
) -> None:
    """Re-hash closed segments, newest first, until ``budget_bytes`` have been read."""
    spent = 0
    for segment in sorted(repository.segments(camera_id), key=lambda s: s.end, reverse=True):
        if spent >= budget_bytes:
            break
        path = data_dir / segment.path_rel
        try:
            actual = sha256_file(path)
        except OSError as exc:
            logger.error("camera %s: cannot re-hash segment %s: %s", camera_id, path, exc)
            continue
        spent += segment.size_bytes
        report.verified += 1
        if actual != segment.sha256:
            report.tampered.append(segment.path_rel)
            logger.error(
                "camera %s: segment %s differs from the sha256 recorded when it was closed "
                "(edited or damaged while the node was stopped); clips and exports will "
                "refuse it; run 'kordon ledger verify'",
                camera_id,
                segment.path_rel,
            )


def _quarantine(data_dir: Path, path: Path, path_rel: str) -> None:
    target = quarantine_dir(data_dir) / path_rel.replace("/", "__")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    fsync_dir(target.parent)
    fsync_dir(path.parent)
