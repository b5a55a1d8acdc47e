"""Periodic maintenance: ``PeriodicTask`` runs a blocking job every N seconds off the event
loop (escalations, retention) and a failing run is logged while the next one still happens;
``StorageMaintenance`` is the retention job (hold release, then the sweep)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from kordon.api.providers import AuditSink
from kordon.domain.incident import IncidentStatus
from kordon.record.holds import HoldReleaser
from kordon.record.repository import RecordingRepository
from kordon.record.retention import RetentionManager, SweepReport
from kordon.record.types import HoldRecord
from kordon.store import NotFoundError, Store, StoredIncident

logger = logging.getLogger(__name__)

SETTLED = frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED})


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


def settled_at(incident: StoredIncident) -> datetime | None:
    """When the incident left the active states for the last time (resolved, then perhaps
    closed); ``None`` while it is open, acknowledged or dispatched (or reopened)."""
    if incident.incident.status not in SETTLED:
        return None
    since: datetime | None = None
    for step in reversed(incident.incident.history):
        if step.status not in SETTLED:
            break
        since = step.time
    return since if since is not None else incident.updated_at


class StorageMaintenance:
    """The retention job: release the holds of settled incidents, then sweep.

    Incident states are read through the store; ``exported`` says whether an export of an
    incident exists (its holds are kept). Every release is an audit entry, written before the
    hold is released. ``retention`` is called once, at the first run.
    """

    def __init__(
        self,
        *,
        store: Callable[[], Store],
        retention: Callable[[], RetentionManager],
        exported: Callable[[str], bool],
        clock: Callable[[], datetime],
        audit: AuditSink | None = None,
    ) -> None:
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
        return retention.sweep(time)

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
