"""Releasing evidence holds once their incident is settled.

A hold made for an incident is released ``release_after_s`` after the incident was resolved
or closed (whatever the resolution: true alarm, false alarm, duplicate). It stays while the
incident is open, acknowledged or dispatched (a reopened incident counts as open again), while
an export of the incident exists, and forever when it names no incident or an unknown one.
Released footage then ages out under the ordinary retention limits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kordon.record.errors import InvalidRecordingInputError
from kordon.record.repository import RecordingRepository
from kordon.record.types import HoldRecord

logger = logging.getLogger(__name__)

SettledAt = Callable[[str], datetime | None]
"""When the incident with this id was resolved or closed; ``None`` while it is not (or unknown)."""

Exported = Callable[[str], bool]
"""Whether an export of the incident with this id exists."""

BeforeRelease = Callable[[HoldRecord, datetime], None]
"""Called before a hold is released (the audit entry); if it raises, the hold stays."""


@dataclass(frozen=True, slots=True)
class ReleaseReport:
    released: list[HoldRecord]
    kept_exported: int


class HoldReleaser:
    """Releases the holds of settled incidents; call :meth:`release` with the current time."""

    def __init__(
        self,
        repository: RecordingRepository,
        *,
        settled_at: SettledAt,
        exported: Exported,
        release_after_s: float,
        before_release: BeforeRelease | None = None,
    ) -> None:
        if release_after_s < 0:
            raise InvalidRecordingInputError(f"release_after_s must be >= 0, got {release_after_s}")
        self._repository = repository
        self._settled_at = settled_at
        self._exported = exported
        self._after = timedelta(seconds=release_after_s)
        self._before_release = before_release

    def release(self, time: datetime) -> ReleaseReport:
        cutoff = time - self._after
        # an incident settles after its holds were made: younger holds cannot be due yet
        candidates = self._repository.holds(created_before=cutoff)
        due: dict[str, bool] = {}
        released: list[HoldRecord] = []
        kept_exported = 0
        for hold in candidates:
            incident_id = hold.incident_id
            if incident_id is None:
                continue
            if incident_id not in due:
                settled = self._settled_at(incident_id)
                due[incident_id] = settled is not None and settled <= cutoff
                if due[incident_id] and self._exported(incident_id):
                    due[incident_id] = False
                    kept_exported += 1
            if not due[incident_id]:
                continue
            if self._before_release is not None:
                self._before_release(hold, time)
            if self._repository.release_hold(hold.id, time=time):
                released.append(hold)
        if released:
            logger.info(
                "released %d hold(s) of %d settled incident(s)",
                len(released),
                len({h.incident_id for h in released}),
            )
        return ReleaseReport(released=released, kept_exported=kept_exported)
