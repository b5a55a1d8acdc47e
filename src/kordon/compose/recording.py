"""Recording: each recorded camera's recorder, and the retention job that keeps the
recordings within their policy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kordon.config.models import CameraConfig
from kordon.domain.event import Event
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.record.retention import RetentionManager, RetentionPolicy
from kordon.services.evidence_log import EvidenceLog
from kordon.services.maintenance import PeriodicTask, StorageMaintenance
from kordon.services.recorder_service import RecorderService
from kordon.store.store import Store
from kordon.video.source.base import HealthSink
from kordon.video.source.clock import Clock


def recordings_on(store: Callable[[], Store]) -> Callable[[], RecordingRepository]:
    """The recordings of the store (open at start), as a callable for whoever needs them."""

    def recordings() -> RecordingRepository:
        return RecordingRepository.on_sessions(store().sessions)

    return recordings


def recorder_service(
    camera: CameraConfig,
    source: object,
    *,
    data_dir: Path,
    recordings: Callable[[], RecordingRepository],
    clock: Clock,
    health: HealthSink,
    evidence: EvidenceLog,
    alarm: Callable[[Event], None],
    policy: RetentionPolicy,
) -> RecorderService:
    def make() -> Recorder:
        repository = recordings()
        disk_full = RetentionManager(
            data_dir=data_dir, repository=repository, policy=policy, alarm=alarm
        )
        return Recorder(
            camera_id=camera.id,
            source=source,  # type: ignore[arg-type]
            data_dir=data_dir,
            repository=repository,
            clock=clock,
            health=health,
            sink=evidence,
            alarm=alarm,
            settings=RecorderSettings(segment_s=camera.recording.segment_s),
            reclaim=disk_full.reclaim,
        )

    return RecorderService(camera.id, make)


def retention_task(
    *,
    store: Callable[[], Store],
    data_dir: Path,
    recordings: Callable[[], RecordingRepository],
    policy: RetentionPolicy,
    alarm: Callable[[Event], None],
    exported: Callable[[str], bool],
    clock: Clock,
    evidence: EvidenceLog,
) -> PeriodicTask:
    """Retention and storage upkeep, once a minute (for a node that records)."""
    storage_maintenance = StorageMaintenance(
        store=store,
        retention=lambda: RetentionManager(
            data_dir=data_dir,
            repository=recordings(),
            policy=policy,
            alarm=alarm,
        ),
        exported=exported,
        clock=clock.now,
        audit=evidence,
        recorded_entry=evidence.recorded_entry,
    )
    return PeriodicTask("retention", storage_maintenance.run, every_s=60.0)
