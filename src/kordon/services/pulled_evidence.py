"""``NodeEvidenceSource``: what an outpost answers when the centre pulls its evidence.

The node's own clip and export services find the file (``kordon.link.evidence_server``
asks, on the outbox sender's thread): a clip by its id — listed first from the named
incident's clips, so a clip the node has not listed since it started is still found, and
assembled if not yet made — and an export bundle by its id. An item that is not the named
incident's is answered as not found. The listing of an incident's clips is what the node's
own ``/api/incidents/{id}/clips`` lists: around each crossing, then per camera the whole
incident.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError

from kordon.api.providers import ClipInfo, ClipProvider, ExportProvider
from kordon.domain.errors import KordonError
from kordon.link.evidence_server import EvidenceFile
from kordon.link.evidence_wire import MAX_LISTED_CLIPS, EvidenceKind, ListedClip
from kordon.store.errors import NotFoundError

logger = logging.getLogger(__name__)


class NodeEvidenceSource:
    """Implements ``kordon.link.evidence_server.EvidenceSource`` over the node's services."""

    def __init__(self, *, clips: ClipProvider, exports: ExportProvider) -> None:
        self._clips = clips
        self._exports = exports

    def locate(
        self, kind: EvidenceKind, item_id: str, incident_id: str | None
    ) -> EvidenceFile | None:
        if kind is EvidenceKind.EXPORT:
            export = self._exports.export_info(item_id)
            if export is None or (incident_id is not None and export.incident_id != incident_id):
                return None
            return EvidenceFile(export.path, "application/zip", f"{item_id}.zip")
        info = self._clips.clip_info(item_id)
        if info is None and incident_id is not None:
            try:  # listing the incident's clips makes them known to the clip service
                self._clips.crossing_clips(incident_id)
                self._clips.clips_for_incident(incident_id)
            except KordonError:
                return None
            info = self._clips.clip_info(item_id)
        if info is None or (incident_id is not None and info.incident_id != incident_id):
            return None
        path = self._clips.open_clip(item_id)
        return EvidenceFile(path, info.content_type, f"{item_id}.mp4")

    def list_clips(self, incident_id: str) -> list[ListedClip] | None:
        try:
            crossing = self._clips.crossing_clips(incident_id)
            whole = self._clips.clips_for_incident(incident_id)
        except NotFoundError:
            return None
        listed: list[ListedClip] = []
        found: list[tuple[ClipInfo, str | None, bool]] = [
            *((c.clip, c.event_id, c.default) for c in crossing),
            *((c, None, False) for c in whole),
        ]
        for clip, around, default in found[:MAX_LISTED_CLIPS]:
            try:
                listed.append(
                    ListedClip(
                        id=clip.id,
                        camera_id=clip.camera_id,
                        start=clip.start,
                        end=clip.end,
                        around_event_id=around,
                        default=default,
                    )
                )
            except ValidationError as exc:  # an id the link cannot carry: say so, go on
                logger.warning(
                    "clip %r of %s cannot be listed to the centre: %s",
                    clip.id,
                    incident_id,
                    exc.errors(include_url=False)[0]["msg"],
                )
        return listed
