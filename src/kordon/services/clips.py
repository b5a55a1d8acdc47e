"""``ClipService``: incident clips assembled on demand from the recorded segments.

An incident's clip per camera spans its events from ``pre_roll_s`` before the first to
``post_roll_s`` after the last (an event of a fused site track counts for every camera
that saw the track, not only the one named as its source); it is listed once the
post-roll has been recorded, and assembled (stream copy, no re-encode) the first time it
is opened, from closed segments plus the recorder's open segment. Clip ids are derived
from camera and interval, so the same request always names the same file under
``<data_dir>/clips/``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from kordon.api.providers import ClipInfo
from kordon.domain.event import Event
from kordon.evidence.entry import EntryKind
from kordon.record.clips import TamperedSegmentError, request_clip
from kordon.record.live import LiveSnapshot
from kordon.record.repository import RecordingRepository
from kordon.services.evidence_log import EvidenceLog
from kordon.site.corroboration import SENSORS_ATTRIBUTE
from kordon.store import NotFoundError, Store

logger = logging.getLogger(__name__)


class ClipUnavailableError(NotFoundError):
    """The clip is unknown, or no footage of it could be assembled."""


class ClipService:
    """Implements the API's ``ClipProvider`` (and serves exports their files)."""

    def __init__(
        self,
        *,
        store: Callable[[], Store],
        repository: Callable[[], RecordingRepository],
        data_dir: Path,
        roll_s: dict[str, tuple[float, float]],
        live: Callable[[str], LiveSnapshot | None],
        clock: Callable[[], datetime],
        evidence: EvidenceLog | None = None,
    ) -> None:
        self._store = store
        self._repository = repository
        self._data_dir = data_dir
        self._dir = data_dir / "clips"
        self._roll_s = roll_s
        self._live = live
        self._clock = clock
        self._evidence = evidence
        self._known: dict[str, ClipInfo] = {}
        self._lock = threading.Lock()

    def _events(self, incident_id: str) -> list[Event]:
        store = self._store()
        incident = store.incidents.get(incident_id).incident
        events: list[Event] = []
        for event_id in incident.event_ids:
            try:
                events.append(store.events.get(event_id))
            except NotFoundError:
                continue
        return events

    def clips_for_incident(self, incident_id: str) -> list[ClipInfo]:
        """Clips whose post-roll is already recorded (others appear later)."""
        by_camera: dict[str, list[datetime]] = {}
        for event in self._events(incident_id):
            for camera_id in self._cameras_of(event):
                by_camera.setdefault(camera_id, []).append(event.time)
        now = self._clock()
        clips: list[ClipInfo] = []
        for camera_id, times in sorted(by_camera.items()):
            pre_s, post_s = self._roll_s[camera_id]
            start = min(times) - timedelta(seconds=pre_s)
            end = max(times) + timedelta(seconds=post_s)
            if end > now:
                continue
            key = f"{camera_id}|{start.isoformat()}|{end.isoformat()}"
            clip_id = hashlib.sha256(key.encode()).hexdigest()[:24]
            info = ClipInfo(
                id=clip_id, camera_id=camera_id, incident_id=incident_id, start=start, end=end
            )
            with self._lock:
                self._known[clip_id] = info
            clips.append(info)
        return clips

    def _cameras_of(self, event: Event) -> set[str]:
        """The recorded cameras that saw ``event``: its source and, for a site event, every
        camera behind its fused track (so the clip of each holds the crossing itself)."""
        named = {event.source_id}
        sensors = event.attributes.get(SENSORS_ATTRIBUTE)
        if isinstance(sensors, str):
            named.update(s for s in sensors.split(",") if s)
        return {c for c in named if c in self._roll_s}

    def clip_info(self, clip_id: str) -> ClipInfo | None:
        with self._lock:
            return self._known.get(clip_id)

    def open_clip(self, clip_id: str) -> Path:
        info = self.clip_info(clip_id)
        if info is None:
            raise ClipUnavailableError(f"clip {clip_id} not found")
        path = self._dir / f"{clip_id}.mp4"
        with self._lock:
            if path.exists():
                return path
            self._dir.mkdir(parents=True, exist_ok=True)
            try:
                request_clip(
                    info.camera_id,
                    info.start,
                    info.end,
                    path,
                    data_dir=self._data_dir,
                    repository=self._repository(),
                    live=self._live(info.camera_id),
                    recorded_sha256=self._evidence.recorded_sha256 if self._evidence else None,
                )
            except TamperedSegmentError:
                logger.error("clip %s refused: a segment differs from its recorded hash", clip_id)
                raise
            except Exception as exc:
                logger.warning("clip %s could not be assembled: %s", clip_id, exc)
                raise ClipUnavailableError(f"clip {clip_id}: {exc}") from exc
            if self._evidence is not None:
                self._evidence.record_file(
                    EntryKind.CLIP,
                    info.camera_id,
                    path,
                    payload={
                        "clip_id": clip_id,
                        "incident_id": info.incident_id,
                        "start": info.start.isoformat(),
                        "end": info.end.isoformat(),
                    },
                    time=self._clock(),
                )
        return path
