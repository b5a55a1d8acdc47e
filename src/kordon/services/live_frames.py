"""``LiveFrames``: each camera's latest frame and tracks; JPEG snapshots for the API.

Camera threads call :meth:`update` with every analysed frame (cheap: a reference swap).
Snapshots are encoded on request, with the camera's privacy masks always applied and,
on request, an overlay of tracks and the border as it runs through the camera's view.
Event snapshots are written once, when the event happens, under
``<data_dir>/snapshots/<UTC date>/<event id>.jpg``; ``on_event_snapshot`` hears of each
one written (an outpost queues it for the centre, ``kordon.link.snapshot_entry``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kordon.analyze.annotate import annotate
from kordon.config.models import MaskConfig
from kordon.domain.event import Event
from kordon.domain.tracks import ImageTracks
from kordon.evidence.entry import EntryKind
from kordon.geo.overlay import draw_ground_polyline
from kordon.geo.projection import ImageToGround
from kordon.record.snapshots import snapshot_jpeg
from kordon.services.evidence_log import EvidenceLog

logger = logging.getLogger(__name__)

_EVENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True, slots=True)
class CameraOverlay:
    """What the overlay draws for one camera, and the masks that always apply."""

    privacy_masks: tuple[MaskConfig, ...] = ()
    camera_model: ImageToGround | None = None
    border_xy: tuple[npt.NDArray[np.float64], ...] = ()


@dataclass(frozen=True, slots=True)
class _Latest:
    image: npt.NDArray[np.uint8]
    tracks: ImageTracks


class LiveFrames:
    """Implements the API's ``SnapshotProvider``."""

    def __init__(
        self,
        snapshot_dir: Path,
        overlays: dict[str, CameraOverlay],
        *,
        evidence: EvidenceLog | None = None,
        on_event_snapshot: Callable[[Event, bytes], None] | None = None,
    ) -> None:
        self._dir = snapshot_dir
        self._evidence = evidence
        self._on_event_snapshot = on_event_snapshot
        self._overlays = overlays
        self._latest: dict[str, _Latest] = {}
        self._lock = threading.Lock()

    def update(self, camera_id: str, image: npt.NDArray[np.uint8], tracks: ImageTracks) -> None:
        with self._lock:
            self._latest[camera_id] = _Latest(image, tracks)

    def _jpeg(
        self, camera_id: str, latest: _Latest, *, overlay: bool, width_px: int | None
    ) -> bytes:
        spec = self._overlays.get(camera_id, CameraOverlay())

        def draw(image: npt.NDArray[np.uint8]) -> None:
            if spec.camera_model is not None:
                for line in spec.border_xy:
                    draw_ground_polyline(image, spec.camera_model, line)
            image[...] = annotate(image, latest.tracks, (), (), {})

        return snapshot_jpeg(
            latest.image,
            masks=spec.privacy_masks,
            overlay=draw if overlay else None,
            quality=80,
            width_px=width_px,
        )

    def latest_jpeg(self, camera_id: str, overlay: bool) -> bytes | None:
        with self._lock:
            latest = self._latest.get(camera_id)
        if latest is None:
            return None
        return self._jpeg(camera_id, latest, overlay=overlay, width_px=None)

    def save_event_snapshots(self, camera_id: str, events: Sequence[Event]) -> None:
        """Write one overlay snapshot per event (called on the camera thread)."""
        if not events:
            return
        with self._lock:
            latest = self._latest.get(camera_id)
        if latest is None:
            return
        data = self._jpeg(camera_id, latest, overlay=True, width_px=None)
        for event in events:
            path = self._path(event.id, event.time.strftime("%Y-%m-%d"))
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                if self._evidence is not None:
                    self._evidence.record_file(
                        EntryKind.SNAPSHOT,
                        camera_id,
                        path,
                        payload={"event_id": event.id, "path": str(path.relative_to(self._dir))},
                        time=event.time,
                    )
            except OSError as exc:
                logger.warning("snapshot for event %s not written: %s", event.id, exc)
                continue
            if self._on_event_snapshot is not None:
                self._on_event_snapshot(event, data)

    def _path(self, event_id: str, day: str) -> Path:
        return self._dir / day / f"{event_id}.jpg"

    @staticmethod
    def snapshot_path_in(snapshot_dir: Path, event_id: str) -> Path | None:
        """The file of the event's snapshot under ``snapshot_dir``, if one was written."""
        if not _EVENT_ID.match(event_id):
            return None
        return next(iter(sorted(snapshot_dir.glob(f"*/{event_id}.jpg"))), None)

    @staticmethod
    def read_event_jpeg(snapshot_dir: Path, event_id: str) -> bytes | None:
        """The event's snapshot under ``snapshot_dir`` as the node serves it, or ``None``."""
        path = LiveFrames.snapshot_path_in(snapshot_dir, event_id)
        return None if path is None else path.read_bytes()

    def event_snapshot_path(self, event_id: str) -> Path | None:
        """The file of the event's snapshot, if one was written."""
        return self.snapshot_path_in(self._dir, event_id)

    def event_jpeg(self, event_id: str) -> bytes | None:
        return self.read_event_jpeg(self._dir, event_id)
