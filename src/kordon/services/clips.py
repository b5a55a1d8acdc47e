"""``ClipService``: incident clips assembled on demand from the recorded segments.

Two kinds per camera (an event of a fused site track counts for every camera that saw the
track, not only the one named as its source):

- around each crossing: from ``pre_roll_s`` before the crossing to ``post_roll_s`` after
  it (the incident pane opens the most severe crossing's, as the priority headline ranks
  them);
- the whole incident: from ``pre_roll_s`` before its first event to ``post_roll_s`` after
  its last (what exports hold).

A clip is listed once its post-roll has been recorded, with its start at the first frame
its file holds (the keyframe at or before the window's start), so a crossing's offset in
the listing is its offset in the file; it is assembled (stream copy, no re-encode) the
first time it is opened, from closed segments plus the recorder's open segment, and
recorded in the evidence ledger. Clip ids are derived from camera and window, so the same
request always names the same file under ``<data_dir>/clips/`` (a one-crossing incident's
whole clip is its crossing clip).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import JsonValue

from kordon.api.providers import ClipInfo, CrossingClip
from kordon.domain.event import Event, EventKind
from kordon.evidence.entry import EntryKind
from kordon.incidents.priority import PriorityPolicy
from kordon.record.clips import TamperedSegmentError, first_frame_time, request_clip
from kordon.record.errors import ClipError
from kordon.record.live import LiveSnapshot
from kordon.record.repository import RecordingRepository
from kordon.services.evidence_log import EvidenceLog
from kordon.site.corroboration import SENSORS_ATTRIBUTE
from kordon.store import NotFoundError, Store

logger = logging.getLogger(__name__)

CROSSING_KINDS = frozenset({EventKind.BORDER_CROSSING, EventKind.LINE_CROSSING})
"""The events a clip is cut around by default."""


class ClipUnavailableError(NotFoundError):
    """The clip is unknown, or no footage of it could be assembled."""


class ClipService:
    """Implements the API's ``ClipProvider`` and ``CrossingClipProvider`` (and serves exports
    their files: the whole-incident clips)."""

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
        headline: Callable[[Sequence[Event]], Event] | None = None,
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
        self._settled: set[str] = set()
        """Clips whose first frame was read from closed segments (it will not move)."""
        self._around: dict[str, str] = {}
        """The event each crossing clip was cut around (for its ledger entry)."""
        self._headline = headline or PriorityPolicy().headline
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
        """Whole-incident clips whose post-roll is already recorded (others appear later)."""
        by_camera: dict[str, list[datetime]] = {}
        for event in self._events(incident_id):
            for camera_id in self._cameras_of(event):
                by_camera.setdefault(camera_id, []).append(event.time)
        clips: list[ClipInfo] = []
        for camera_id, times in sorted(by_camera.items()):
            pre_s, post_s = self._roll_s[camera_id]
            start = min(times) - timedelta(seconds=pre_s)
            end = max(times) + timedelta(seconds=post_s)
            info = self._listed(camera_id, incident_id, start, end, around=None)
            if info is not None:
                clips.append(info)
        return clips

    def crossing_clips(
        self, incident_id: str, *, event_id: str | None = None
    ) -> list[CrossingClip]:
        """One clip per camera around each crossing, ``[crossing − pre_roll_s, crossing +
        post_roll_s]``, listed once its post-roll is recorded; earliest crossing first. The
        most severe crossing listed (as the incident's headline ranks them), on its own
        camera, is the ``default``. With ``event_id``: the clips around that event of the
        incident, crossing or not."""
        events = self._events(incident_id)
        if event_id is None:
            around = [e for e in events if e.kind in CROSSING_KINDS]
        else:
            around = [e for e in events if e.id == event_id]
            if not around:
                raise ClipUnavailableError(
                    f"event {event_id!r} is not an event of incident {incident_id!r}"
                )
        listed: list[tuple[Event, ClipInfo]] = []
        for event in sorted(around, key=lambda e: (e.time, e.id)):
            cameras = self._cameras_of(event)
            for camera_id in sorted(cameras, key=lambda c: (c != event.source_id, c)):
                pre_s, post_s = self._roll_s[camera_id]
                info = self._listed(
                    camera_id,
                    incident_id,
                    event.time - timedelta(seconds=pre_s),
                    event.time + timedelta(seconds=post_s),
                    around=event.id,
                )
                if info is not None:
                    listed.append((event, info))
        # The default: the most severe crossing whose clip is ready (a later, more severe one
        # takes over once its post-roll is recorded), on its own camera when that records.
        ready = list({e.id: e for e, _ in listed if e.kind in CROSSING_KINDS}.values())
        severe = self._headline(ready).id if ready else None
        default = next((info.id for e, info in listed if e.id == severe), None)
        return [
            CrossingClip(
                clip=info,
                event_id=event.id,
                event_kind=event.kind,
                event_direction=event.direction,
                event_time=event.time,
                default=info.id == default and event.id == severe,
            )
            for event, info in listed
        ]

    def _listed(
        self,
        camera_id: str,
        incident_id: str,
        start: datetime,
        end: datetime,
        *,
        around: str | None,
    ) -> ClipInfo | None:
        """The clip of ``[start, end]`` (its id from camera and window, its start the first
        frame the file will hold), or ``None`` while its end is not yet recorded."""
        if end > self._clock():
            return None
        key = f"{camera_id}|{start.isoformat()}|{end.isoformat()}"
        clip_id = hashlib.sha256(key.encode()).hexdigest()[:24]
        with self._lock:
            known = self._known.get(clip_id)
            if around is not None:
                self._around.setdefault(clip_id, around)
        if known is not None and known.incident_id == incident_id and clip_id in self._settled:
            return known
        first, settled = self._first_frame(camera_id, start, end)
        info = ClipInfo(
            id=clip_id, camera_id=camera_id, incident_id=incident_id, start=first, end=end
        )
        with self._lock:
            self._known[clip_id] = info
            if settled:
                self._settled.add(clip_id)
        return info

    def _first_frame(self, camera_id: str, start: datetime, end: datetime) -> tuple[datetime, bool]:
        """Where the clip's file will start (the keyframe at or before ``start``), and
        whether that is final (read from closed segments, not the recorder's open one).
        ``start`` itself, not final, when the footage cannot be read now."""
        live = self._live(camera_id)
        try:
            first = first_frame_time(
                camera_id,
                start,
                end,
                data_dir=self._data_dir,
                repository=self._repository(),
                live=live,
            )
        except ClipError as exc:
            logger.debug("first frame of %s at %s unknown: %s", camera_id, start, exc)
            return start, False
        from_live = live is not None and any(p.wall == first for p in live.packets)
        return first, not from_live

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
                made = request_clip(
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
            if made.start != info.start:
                info = replace(info, start=made.start)
                self._known[clip_id] = info
            self._settled.add(clip_id)
            payload: dict[str, JsonValue] = {
                "clip_id": clip_id,
                "incident_id": info.incident_id,
                "start": info.start.isoformat(),
                "end": info.end.isoformat(),
            }
            if clip_id in self._around:
                payload["around_event_id"] = self._around[clip_id]
            if self._evidence is not None:
                self._evidence.record_file(
                    EntryKind.CLIP,
                    info.camera_id,
                    path,
                    payload=payload,
                    time=self._clock(),
                )
        return path
