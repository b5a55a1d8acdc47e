"""What the central API serves where an outpost's node would serve its own devices.

Incidents come from the edges (applied by the link's ingest); the centre reads them but
does not change them: an action at the centre is a command to the incident's outpost
(``kordon.central.commands``, ``/api/central/incidents/{id}/commands``), whose own snapshot
then changes the centre's copy (docs/edge-central.md). Clips, live camera pictures and
exports stay at the outposts (evidence stays at the edge until asked), so the centre has
none to serve; event snapshots travel with their events
(``kordon.central.snapshots.CentralSnapshots``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from kordon.api.providers import ClipInfo, CrossingClip, ExportInfo
from kordon.domain.incident import Resolution
from kordon.store.errors import ConflictError, NotFoundError
from kordon.store.incidents import StoredIncident

READ_ONLY = (
    "incident {id!r} belongs to its outpost: send the action to it with "
    "POST /api/central/incidents/{{id}}/commands, or act on it there"
)


class ReadOnlyIncidentActions:
    """Refuses every operator action with 409 (``ConflictError``), changing nothing."""

    def _refuse(self, incident_id: str) -> StoredIncident:
        raise ConflictError(READ_ONLY.format(id=incident_id))

    def acknowledge(
        self, incident_id: str, *, actor: str, note: str, time: datetime
    ) -> StoredIncident:
        del actor, note, time
        return self._refuse(incident_id)

    def dispatch(
        self, incident_id: str, *, actor: str, unit: str, note: str, time: datetime
    ) -> StoredIncident:
        del actor, unit, note, time
        return self._refuse(incident_id)

    def resolve(
        self,
        incident_id: str,
        *,
        actor: str,
        resolution: Resolution,
        note: str,
        time: datetime,
    ) -> StoredIncident:
        del actor, resolution, note, time
        return self._refuse(incident_id)

    def close(self, incident_id: str, *, actor: str, note: str, time: datetime) -> StoredIncident:
        del actor, note, time
        return self._refuse(incident_id)

    def add_note(
        self, incident_id: str, *, actor: str, text: str, time: datetime
    ) -> StoredIncident:
        del actor, text, time
        return self._refuse(incident_id)


class NoClips:
    def clips_for_incident(self, incident_id: str) -> Sequence[ClipInfo]:
        del incident_id
        return ()

    def crossing_clips(
        self, incident_id: str, *, event_id: str | None = None
    ) -> Sequence[CrossingClip]:
        del incident_id, event_id
        return ()

    def clip_info(self, clip_id: str) -> ClipInfo | None:
        del clip_id
        return None

    def open_clip(self, clip_id: str) -> Path:
        raise NotFoundError(f"clip {clip_id!r} is kept at its outpost")


class NoSnapshots:
    def latest_jpeg(self, camera_id: str, overlay: bool) -> bytes | None:
        del camera_id, overlay
        return None

    def event_jpeg(self, event_id: str) -> bytes | None:
        del event_id
        return None


class NoExports:
    def create_export(
        self,
        *,
        incident_id: str,
        reason: str,
        actor: str,
        time: datetime,
        masked_video: bool = False,
    ) -> ExportInfo:
        del reason, actor, time, masked_video
        raise ConflictError(f"incident {incident_id!r}: evidence exports are made at its outpost")

    def export_info(self, export_id: str) -> ExportInfo | None:
        del export_id
        return None
