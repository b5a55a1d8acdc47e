"""Retention: by age and size (per camera and overall), staged disk-space thresholds, holds.

Deletion always goes through the queue (mark → delete file → delete row), so a crash between
steps is finished at the next sweep or start-up. Held segments are never queued. Oldest
un-held footage goes first. When the database itself cannot be written (it shares the full
disk), a disk-full deletion unlinks the file first and then drops the row: a crash in between
leaves a row without a file, which start-up recovery turns into a gap.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from kordon.config.storage import StorageConfig
from kordon.domain.event import Event, EventKind
from kordon.record.recovery import finish_deletions
from kordon.record.repository import RecordingRepository
from kordon.record.types import SegmentRecord
from kordon.store.errors import StoreError

logger = logging.getLogger(__name__)

GB = 1_000_000_000
DAY_S = 86_400.0
MAX_MIN_FREE_FRACTION = 0.5
"""The free space kept is at most this share of the disk, whatever ``min_free_bytes`` says."""


class DiskLevel(StrEnum):
    OK = "ok"
    WARN = "warn"
    DELETE = "delete"
    EMERGENCY = "emergency"


@dataclass(frozen=True, slots=True)
class CameraLimits:
    max_age_s: float | None = None
    max_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class EvidenceAges:
    """Maximum ages of evidence files, seconds; ``None``: kept forever."""

    snapshots_s: float | None = 30 * DAY_S
    clips_s: float | None = 7 * DAY_S
    exports_s: float | None = 365 * DAY_S


def _days_s(days: float | None) -> float | None:
    return None if days is None else days * DAY_S


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Limits in seconds and bytes; ``min_free_bytes`` is the free space always kept.

    Stages on free space: below ``warn_factor × min_free`` a warning; below ``min_free``
    the oldest un-held segments are deleted until it is met again (and an alarm fires);
    below ``min_free / 2`` an emergency alarm. ``min_free`` is capped at half the disk (a
    5 GB minimum on a 64 MB disk would otherwise delete every un-held segment at each sweep).
    ``release_holds_after_s``: holds of incidents resolved or closed this long ago are released
    (``None``: never). ``evidence``: the ages of snapshots, clips and exports
    (``kordon.record.evidence_retention``).
    """

    max_age_s: float | None = 30 * DAY_S
    max_bytes: int | None = None
    min_free_bytes: int = 5 * GB
    warn_factor: float = 2.0
    cameras: dict[str, CameraLimits] = field(default_factory=dict)
    release_holds_after_s: float | None = 7 * DAY_S
    evidence: EvidenceAges = field(default_factory=EvidenceAges)

    @classmethod
    def from_config(cls, config: StorageConfig) -> RetentionPolicy:
        retention = config.retention
        return cls(
            max_age_s=retention.max_age_days * DAY_S,
            max_bytes=None if retention.max_size_gb is None else int(retention.max_size_gb * GB),
            min_free_bytes=int(config.min_free_gb * GB),
            cameras={
                camera: CameraLimits(
                    None if lim.max_age_days is None else lim.max_age_days * DAY_S,
                    None if lim.max_size_gb is None else int(lim.max_size_gb * GB),
                )
                for camera, lim in retention.cameras.items()
            },
            release_holds_after_s=(
                None
                if retention.release_holds_after_days is None
                else retention.release_holds_after_days * DAY_S
            ),
            evidence=EvidenceAges(
                snapshots_s=_days_s(retention.snapshots_max_age_days),
                clips_s=_days_s(retention.clips_max_age_days),
                exports_s=_days_s(retention.exports_max_age_days),
            ),
        )

    def min_free_for(self, total_bytes: int) -> int:
        """The free space kept on a disk of ``total_bytes``."""
        return min(self.min_free_bytes, int(total_bytes * MAX_MIN_FREE_FRACTION))


@dataclass(slots=True)
class SweepReport:
    level: DiskLevel
    free_bytes: int
    deleted: list[str] = field(default_factory=list)
    alarms: list[Event] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DiskSpace:
    free_bytes: int
    total_bytes: int


FreeSpace = Callable[[Path], DiskSpace]


def disk_space(path: Path) -> DiskSpace:
    usage = shutil.disk_usage(path)
    return DiskSpace(free_bytes=usage.free, total_bytes=usage.total)


class RetentionManager:
    """Runs retention sweeps; call :meth:`sweep` periodically with the current time."""

    def __init__(
        self,
        *,
        data_dir: Path,
        repository: RecordingRepository,
        policy: RetentionPolicy,
        alarm: Callable[[Event], None] | None = None,
        free_space: FreeSpace = disk_space,
    ) -> None:
        self.data_dir = Path(data_dir)
        self._repository = repository
        self.policy = policy
        self._alarm = alarm
        self._free_space = free_space
        self._capped_warned = False
        self._rows_of_unlinked: set[int] = set()
        """Segments whose file a disk-full deletion removed before their row could go."""

    def _minimum(self, space: DiskSpace) -> int:
        minimum = self.policy.min_free_for(space.total_bytes)
        if minimum < self.policy.min_free_bytes and not self._capped_warned:
            self._capped_warned = True
            logger.warning(
                "recording storage: min_free (%d bytes) is more than half the disk (%d bytes); "
                "keeping %d bytes free instead",
                self.policy.min_free_bytes,
                space.total_bytes,
                minimum,
            )
        return minimum

    def space_short(self) -> bool:
        """Whether free space is below the minimum kept now (the disk-full stages)."""
        space = self._free_space(self.data_dir)
        return space.free_bytes < self._minimum(space)

    def level(self, space: DiskSpace) -> DiskLevel:
        minimum = self._minimum(space)
        free_bytes = space.free_bytes
        if free_bytes < minimum / 2:
            return DiskLevel.EMERGENCY
        if free_bytes < minimum:
            return DiskLevel.DELETE
        if free_bytes < minimum * self.policy.warn_factor:
            return DiskLevel.WARN
        return DiskLevel.OK

    def sweep(self, time: datetime) -> SweepReport:
        """Age and size limits, then the free-space stages and the alarms."""
        deleted: list[str] = []
        self._finish_deletions()
        try:
            deleted += self._apply_limits(time)
        except StoreError as exc:  # a full database: the free-space stage below still runs
            logger.error("retention limits not applied: %s", exc)
        space = self._free_space(self.data_dir)
        level = self.level(space)
        alarms: list[Event] = []
        if level in (DiskLevel.DELETE, DiskLevel.EMERGENCY):
            freed, space = self._free_up(time, self._minimum(space), at_least_one=False)
            deleted += freed
            alarms.append(self._event(time, level, space, "free space below the minimum"))
        elif level is DiskLevel.WARN:
            logger.warning("recording storage: %d bytes free (warn level)", space.free_bytes)
        alarms += self._held_alarm(time, space)
        self._send(alarms)
        return SweepReport(self.level(space), space.free_bytes, deleted, alarms)

    def _apply_limits(self, time: datetime) -> list[str]:
        deleted: list[str] = []
        policy = self.policy
        for camera in self._repository.camera_ids():
            limits = policy.cameras.get(camera, CameraLimits())
            max_age_s = limits.max_age_s if limits.max_age_s is not None else policy.max_age_s
            if max_age_s is not None:
                cutoff = time - timedelta(seconds=max_age_s)
                while batch := self._repository.oldest_unheld(camera, before=cutoff):
                    deleted += self._delete(batch_ids(batch), "age", time)
            if limits.max_bytes is not None:
                deleted += self._trim(camera, limits.max_bytes, time)
        if policy.max_bytes is not None:
            deleted += self._trim(None, policy.max_bytes, time)
        return deleted

    def reclaim(self, time: datetime) -> SweepReport:
        """The disk-full sweep (a write met ENOSPC): delete the oldest un-held footage until
        the minimum free space is back, and at least one segment even when it is met (the
        disk was full all the same). Held footage is never touched."""
        self._finish_deletions()
        before = self._free_space(self.data_dir)
        deleted, space = self._free_up(time, self._minimum(before), at_least_one=True)
        logger.warning(
            "recording storage full: deleted %d un-held segment(s), %d bytes free now",
            len(deleted),
            space.free_bytes,
        )
        alarms = self._held_alarm(time, space)
        if not deleted:
            alarms.append(
                self._event(
                    time, self.level(space), space, "disk full and no un-held footage to delete"
                )
            )
        self._send(alarms)
        return SweepReport(self.level(space), space.free_bytes, deleted, alarms)

    def _free_up(
        self, time: datetime, minimum: int, *, at_least_one: bool
    ) -> tuple[list[str], DiskSpace]:
        """Delete the oldest un-held segments until ``minimum`` bytes are free.

        Once the deletion queue cannot be written (the database shares the full disk), the
        rest of the pass unlinks files first (a failed write only eats the space just freed)
        and drops their rows at the end, when there is room again.
        """
        deleted: list[str] = []
        tried: set[int] = set()
        step = 1 if at_least_one else 10
        direct = False
        space = self._free_space(self.data_dir)
        while space.free_bytes < minimum or (at_least_one and not deleted):
            # rows whose file is gone already stay listed until dropped: skip them
            skip = tried | self._rows_of_unlinked
            listed = self._repository.oldest_unheld(limit=len(skip) + step)
            batch = [s for s in batch_ids(listed) if s[0] not in skip][:step]
            if not batch:
                break
            tried.update(sid for sid, _ in batch)
            if not direct:
                try:
                    deleted += self._delete(batch, "disk_full", time)
                except StoreError as exc:
                    direct = True
                    logger.warning("cannot queue deletions (%s): deleting files first", exc)
            if direct:
                deleted += [path for sid, path in batch if self._unlink_first(sid, path)]
            space = self._free_space(self.data_dir)
        if direct:
            self._finish_deletions()
        return deleted, space

    def _held_alarm(self, time: datetime, space: DiskSpace) -> list[Event]:
        """Held footage fills the disk when it alone leaves less than the minimum free."""
        held = self._repository.total_bytes(held=True)
        if held <= 0 or held < space.total_bytes - self._minimum(space):
            return []
        detail = (
            f"held footage ({held} bytes) fills the disk ({space.total_bytes} bytes, "
            f"{self._minimum(space)} to keep free)"
        )
        return [self._event(time, self.level(space), space, detail)]

    def _send(self, alarms: list[Event]) -> None:
        if self._alarm is None:
            return
        for alarm in alarms:
            try:
                self._alarm(alarm)
            except Exception:  # the alarm's store may sit on the full disk
                logger.exception("storage alarm %s not delivered", alarm.id)

    def _finish_deletions(self) -> None:
        try:
            finish_deletions(self.data_dir, self._repository)
            for segment_id in sorted(self._rows_of_unlinked):
                self._repository.delete_segment_row(segment_id)
                self._rows_of_unlinked.discard(segment_id)
        except StoreError as exc:  # the files are gone already; the rows go next time
            logger.warning("deletions not finished: %s", exc)

    def _trim(self, camera: str | None, max_bytes: int, time: datetime) -> list[str]:
        deleted: list[str] = []
        while self._repository.total_bytes(camera) > max_bytes:
            batch = self._repository.oldest_unheld(camera, limit=1)
            if not batch:
                break
            deleted += self._delete(batch_ids(batch), "size", time)
        return deleted

    def _delete(self, segments: list[tuple[int, str]], reason: str, time: datetime) -> list[str]:
        """Queue the deletions (held ones are refused), then finish them: file, then row."""
        queued = [
            (sid, path)
            for sid, path in segments
            if self._repository.queue_deletion(sid, reason=reason, time=time)
        ]
        self._finish_deletions()
        return [path for _, path in queued]

    def _unlink_first(self, segment_id: int, path_rel: str) -> bool:
        """Delete a segment's file before its row (the row goes in ``_finish_deletions``).

        Never a held segment: the hold check is a read, which a full database still answers.
        """
        try:
            if self._repository.segment_is_held(segment_id):
                return False
        except StoreError as exc:
            logger.error("cannot check holds of %s: %s", path_rel, exc)
            return False
        try:
            (self.data_dir / path_rel).unlink(missing_ok=True)
        except OSError as exc:
            logger.error("cannot delete segment %s: %s", path_rel, exc)
            return False
        self._rows_of_unlinked.add(segment_id)
        return True

    def _event(self, time: datetime, level: DiskLevel, space: DiskSpace, detail: str) -> Event:
        logger.error("recording storage alarm: %s (%d bytes free)", detail, space.free_bytes)
        return Event(
            kind=EventKind.STORAGE_ALARM,
            time=time,
            source_id="recording-storage",
            attributes={
                "level": str(level),
                "free_bytes": space.free_bytes,
                "total_bytes": space.total_bytes,
                "detail": detail,
            },
        )


def batch_ids(batch: list[SegmentRecord]) -> list[tuple[int, str]]:
    return [(s.id, s.path_rel) for s in batch if s.id is not None]
