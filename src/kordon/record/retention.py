"""Retention: by age and size (per camera and overall), staged disk-space thresholds, holds.

Deletion always goes through the queue (mark → delete file → delete row), so a crash between
steps is finished at the next sweep or start-up. Held segments are never queued. Oldest
un-held footage goes first.
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

logger = logging.getLogger(__name__)

GB = 1_000_000_000
DAY_S = 86_400.0


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
class RetentionPolicy:
    """Limits in seconds and bytes; ``min_free_bytes`` is the free space always kept.

    Stages on free space: below ``warn_factor × min_free`` a warning; below ``min_free``
    the oldest un-held segments are deleted until it is met again (and an alarm fires);
    below ``min_free / 2`` an emergency alarm.
    """

    max_age_s: float | None = 30 * DAY_S
    max_bytes: int | None = None
    min_free_bytes: int = 5 * GB
    warn_factor: float = 2.0
    cameras: dict[str, CameraLimits] = field(default_factory=dict)

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
        )


@dataclass(slots=True)
class SweepReport:
    level: DiskLevel
    free_bytes: int
    deleted: list[str] = field(default_factory=list)
    alarms: list[Event] = field(default_factory=list)


FreeSpace = Callable[[Path], int]


def disk_free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


class RetentionManager:
    """Runs retention sweeps; call :meth:`sweep` periodically with the current time."""

    def __init__(
        self,
        *,
        data_dir: Path,
        repository: RecordingRepository,
        policy: RetentionPolicy,
        alarm: Callable[[Event], None] | None = None,
        free_space: FreeSpace = disk_free_bytes,
    ) -> None:
        self.data_dir = Path(data_dir)
        self._repository = repository
        self.policy = policy
        self._alarm = alarm
        self._free_space = free_space

    def level(self, free_bytes: int) -> DiskLevel:
        minimum = self.policy.min_free_bytes
        if free_bytes < minimum / 2:
            return DiskLevel.EMERGENCY
        if free_bytes < minimum:
            return DiskLevel.DELETE
        if free_bytes < minimum * self.policy.warn_factor:
            return DiskLevel.WARN
        return DiskLevel.OK

    def sweep(self, time: datetime) -> SweepReport:
        deleted: list[str] = []
        finish_deletions(self.data_dir, self._repository)
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
        free = self._free_space(self.data_dir)
        level = self.level(free)
        alarms: list[Event] = []
        if level in (DiskLevel.DELETE, DiskLevel.EMERGENCY):
            while free < policy.min_free_bytes:
                batch = self._repository.oldest_unheld(limit=10)
                if not batch:
                    break
                deleted += self._delete(batch_ids(batch), "disk_full", time)
                free = self._free_space(self.data_dir)
            alarms.append(self._event(time, level, free, "free space below the minimum"))
        elif level is DiskLevel.WARN:
            logger.warning("recording storage: %d bytes free (warn level)", free)
        held = self._repository.total_bytes(held=True)
        if held and held >= free + held - policy.min_free_bytes:
            alarms.append(
                self._event(time, level, free, f"held footage ({held} bytes) fills the disk")
            )
        if self._alarm is not None:
            for alarm in alarms:
                self._alarm(alarm)
        return SweepReport(self.level(free), free, deleted, alarms)

    def _trim(self, camera: str | None, max_bytes: int, time: datetime) -> list[str]:
        deleted: list[str] = []
        while self._repository.total_bytes(camera) > max_bytes:
            batch = self._repository.oldest_unheld(camera, limit=1)
            if not batch:
                break
            deleted += self._delete(batch_ids(batch), "size", time)
        return deleted

    def _delete(self, segments: list[tuple[int, str]], reason: str, time: datetime) -> list[str]:
        queued = [
            (sid, path)
            for sid, path in segments
            if self._repository.queue_deletion(sid, reason=reason, time=time)
        ]
        finish_deletions(self.data_dir, self._repository)
        return [path for _, path in queued]

    def _event(self, time: datetime, level: DiskLevel, free: int, detail: str) -> Event:
        logger.error("recording storage alarm: %s (%d bytes free)", detail, free)
        return Event(
            kind=EventKind.STORAGE_ALARM,
            time=time,
            source_id="recording-storage",
            attributes={"level": str(level), "free_bytes": free, "detail": detail},
        )


def batch_ids(batch: list[SegmentRecord]) -> list[tuple[int, str]]:
    return [(s.id, s.path_rel) for s in batch if s.id is not None]
