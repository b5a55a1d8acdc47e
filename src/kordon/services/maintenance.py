"""Periodic maintenance: ``PeriodicTask`` runs a blocking job every N seconds off the event
loop (escalations, retention) and a failing run is logged while the next one still happens;
``StorageMaintenance`` is the retention job (hold release, evidence files, then the sweep)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from kordon.api.providers import AuditSink
from kordon.evidence.entry import LedgerEntry
from kordon.record.evidence_retention import EvidenceFile, EvidenceRetention
from kordon.record.holds import HoldReleaser
from kordon.record.repository import RecordingRepository
from kordon.record.retention import RetentionManager, SweepReport
from kordon.record.types import HoldRecord
from kordon.services.evidence_links import StoreEvidenceLinks
from kordon.services.settled import settled_at
from kordon.store import NotFoundError, Store

__all__ = ["PeriodicTask", "StorageMaintenance", "settled_at"]

logger = logging.getLogger(__name__)


class PeriodicTask:
    def __init__(self, name: str, job: Callable[[], object], *, every_s: float) -> None:
        self._name = name
        self._job = job
        self._every_s = every_s
        self._task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self._name

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self._name)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._every_s)
            try:
                await asyncio.to_thread(self._job)
            except Exception:
                logger.exception("%s failed", self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class StorageMaintenance:
    """The retention job: release the holds of settled incidents, age out snapshots, clips
    and exports (``kordon.record.evidence_retention``), then sweep the segments.

    Incident states are read through the store; ``exported`` says whether an export of an
    incident exists (its holds, clips and snapshots are kept); ``recorded_entry`` finds the
    ledger entry of a file (a clip's incident; without it clips never age out). Every
    release and every evidence deletion is an audit entry, written first. Below the minimum
    free space, un-kept snapshots and clips go (oldest first, any age) before footage does.
    ``retention`` is called once, at the first run.
    """

    def __init__(
        self,
        *,
        store: Callable[[], Store],
        retention: Callable[[], RetentionManager],
        exported: Callable[[str], bool],
        clock: Callable[[], datetime],
        audit: AuditSink | None = None,
        recorded_entry: Callable[[str], LedgerEntry | None] | None = None,
    ) -> None:
        self._recorded_entry = recorded_entry
        self._store = store
        self._retention = retention
        self._exported = exported
        self._clock = clock
        self._audit = audit
        self._manager: RetentionManager | None = None

    def _settled_at(self, incident_id: str) -> datetime | None:
        try:
            return settled_at(self._store().incidents.get(incident_id))
        except NotFoundError:
            return None

    def run(self) -> SweepReport:
        time = self._clock()
        if self._manager is None:  # made at the first run: the store is open by then
            self._manager = self._retention()
        retention = self._manager
        after_s = retention.policy.release_holds_after_s
        if after_s is not None:
            releaser = HoldReleaser(
                RecordingRepository.on_sessions(self._store().sessions),
                settled_at=self._settled_at,
                exported=self._exported,
                release_after_s=after_s,
                before_release=self._record_release,
            )
            try:
                releaser.release(time)
            except Exception:  # holds stay until the next run; the sweep must still happen
                logger.exception("releasing evidence holds failed")
        evidence = EvidenceRetention(
            data_dir=retention.data_dir,
            ages=retention.policy.evidence,
            links=StoreEvidenceLinks(
                store=self._store(), exported=self._exported, recorded_entry=self._recorded_entry
            ),
            before_delete=self._record_deletion,
        )
        try:
            evidence.sweep(time)
            if retention.space_short():  # caches and old snapshots go before footage
                evidence.reclaim(time, enough=lambda: not retention.space_short())
        except Exception:  # files stay until the next run; the sweep must still happen
            logger.exception("evidence file retention failed")
        return retention.sweep(time)

    def _record_deletion(self, item: EvidenceFile, reason: str, time: datetime) -> None:
        if self._audit is None:
            return
        self._audit.record(
            "system",
            "evidence.delete",
            f"{item.kind}:{item.key}",
            "done",
            {
                "kind": str(item.kind),
                "files": list(item.paths_rel),
                "reason": reason,
                "modified": item.modified.isoformat(),
                "size_bytes": item.size_bytes,
            },
            time,
        )

    def _record_release(self, hold: HoldRecord, time: datetime) -> None:
        if self._audit is None:
            return
        self._audit.record(
            "system",
            "recording.hold.release",
            f"hold:{hold.id}",
            "done",
            {
                "camera_id": hold.camera_id,
                "incident_id": hold.incident_id,
                "start": hold.start.isoformat(),
                "end": hold.end.isoformat(),
            },
            time,
        )
