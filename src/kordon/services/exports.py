"""``ExportService``: evidence bundles of an incident (clips, snapshots, proof, signature).

A bundle is written to ``<data_dir>/exports/<export id>.zip`` with the exporting user,
the reason and the incident in its manifest, and the incident's own record (its state,
history, notes and every event: ``kordon.services.incident_record``) as
``files/incident.json``; the export itself is a ledger entry whose
inclusion proof and signed tree head travel inside the bundle, so ``kordon verify`` checks
it offline. A small sidecar (``<export id>.json``) lets the API find it again.

Only evidence the ledger vouches for is exported: each file must have a ledger entry, and
the bytes copied into the bundle must have that entry's SHA-256 (so the manifest carries
the ledger's hashes). A clip that cannot be made because a segment was edited, a file
that differs from its entry, or one the ledger never recorded refuses the whole export
with :class:`EvidenceTamperedError` (HTTP 409) instead of leaving it out.

With ``masked_video`` each clip of a camera that has privacy masks also travels as a
masked re-encode (``clips/<name>.masked.mp4``, ``kordon.services.masked_clips``) that the
manifest marks as derived from the original and its ledger hash; the original is exported
unchanged beside it. A camera without privacy masks gets no masked copy.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from kordon.api.providers import ExportInfo
from kordon.config.image_rules import MaskConfig
from kordon.domain.event import Event
from kordon.evidence.bundle import BundleFile, create_bundle
from kordon.evidence.errors import EvidenceMismatchError
from kordon.evidence.files import sha256_file
from kordon.evidence.manifest import DerivedFrom, ExportRequest
from kordon.record.clips import TamperedSegmentError
from kordon.services.clips import ClipService, ClipUnavailableError
from kordon.services.incident_record import RECORD_NAME, incident_record, record_bytes
from kordon.services.ledger_service import LedgerService
from kordon.services.live_frames import LiveFrames
from kordon.services.masked_clips import (
    MaskedCopyError,
    masked_name,
    privacy_polygons,
    write_masked_copy,
)
from kordon.store import ConflictError, NotFoundError, Store
from kordon.store.incidents import StoredIncident

logger = logging.getLogger(__name__)

_EXPORT_ID = re.compile(r"^[a-f0-9]{32}$")
_EVENTS_CHUNK = 500


class EvidenceTamperedError(ConflictError):
    """An export is refused: a file is not what the ledger recorded, or was never recorded."""


class ExportService:
    """Implements the API's ``ExportProvider``."""

    def __init__(
        self,
        *,
        site_id: str,
        data_dir: Path,
        ledger: LedgerService,
        clips: ClipService,
        snapshots: LiveFrames,
        store: Callable[[], Store],
        read_incident: Callable[[str], StoredIncident] | None = None,
        privacy_masks: Mapping[str, Sequence[MaskConfig]] | None = None,
    ) -> None:
        """``read_incident`` gives the incident with everything the incident service keeps
        beside it (dispatched unit, SLA, crossings); by default the store's own record.
        ``privacy_masks``: each camera's masks, by camera id (for ``masked_video``)."""
        self._privacy_masks = dict(privacy_masks or {})
        self._site_id = site_id
        self._read_incident = read_incident
        self._data_dir = data_dir
        self._dir = data_dir / "exports"
        self._ledger = ledger
        self._clips = clips
        self._snapshots = snapshots
        self._store = store

    def create_export(
        self,
        *,
        incident_id: str,
        reason: str,
        actor: str,
        time: datetime,
        masked_video: bool = False,
    ) -> ExportInfo:
        stored = (
            self._read_incident(incident_id)
            if self._read_incident is not None
            else self._store().incidents.get(incident_id)
        )
        incident = stored.incident
        files: list[BundleFile] = []
        starts: list[datetime] = []
        ends: list[datetime] = []
        cameras: set[str] = set()
        masked: list[tuple[BundleFile, Sequence[MaskConfig]]] = []
        for clip in self._clips.clips_for_incident(incident_id):
            try:
                path = self._clips.open_clip(clip.id)
            except TamperedSegmentError as exc:
                raise self._refused(incident_id, str(exc)) from exc
            except ClipUnavailableError:
                continue  # no footage of it (yet, or any more)
            name = f"clips/{clip.camera_id}-{clip.id}.mp4"
            original = self._vouched(incident_id, name, path)
            files.append(original)
            masks = self._privacy_masks.get(clip.camera_id, ())
            if masked_video and privacy_polygons(masks):
                masked.append((original, masks))
            starts.append(clip.start)
            ends.append(clip.end)
            cameras.add(clip.camera_id)
        for event_id in incident.event_ids:
            snapshot = self._snapshots.event_snapshot_path(event_id)
            if snapshot is not None:
                name = f"snapshots/{event_id}.jpg"
                files.append(self._vouched(incident_id, name, snapshot))
        if not files:
            raise NotFoundError(f"incident {incident_id} has no footage or snapshots to export")
        export_id = secrets.token_hex(16)
        self._dir.mkdir(parents=True, exist_ok=True)
        record_path = self._dir / f".{export_id}.{RECORD_NAME}"
        made = [record_path]
        request = ExportRequest(
            site_id=self._site_id,
            camera_id=next(iter(cameras)) if len(cameras) == 1 else None,
            start=min(starts, default=incident.opened_at),
            end=max(ends, default=time),
            exported_by=actor,
            reason=reason,
            incident_id=incident_id,
        )
        try:
            for original, masks in masked:
                target = self._dir / f".{export_id}.{len(made)}.masked.mp4"
                made.append(target)
                files.append(self._masked(incident_id, original, masks, target))
            events = self._events(incident.event_ids)
            record = incident_record(stored, events, site_id=self._site_id, exported_at=time)
            record_path.write_bytes(record_bytes(record))
            files.append(BundleFile(name=RECORD_NAME, source=record_path))
            result = create_bundle(
                self._ledger.ledger,
                files,
                request,
                self._dir / f"{export_id}.zip",
                time,
                export_dir=self._dir,
                source_root=self._data_dir,
            )
        except EvidenceMismatchError as exc:
            raise self._refused(incident_id, str(exc)) from exc
        finally:
            for temporary in made:
                temporary.unlink(missing_ok=True)
        digest = sha256_file(result.path)
        (self._dir / f"{export_id}.json").write_text(
            json.dumps({"incident_id": incident_id, "sha256": digest}), encoding="utf-8"
        )
        return ExportInfo(id=export_id, incident_id=incident_id, sha256=digest, path=result.path)

    def _masked(
        self,
        incident_id: str,
        original: BundleFile,
        masks: Sequence[MaskConfig],
        target: Path,
    ) -> BundleFile:
        """The masked copy of ``original`` (written to ``target``) as a derived bundle file."""
        assert original.expected_sha256 is not None  # vouched by the ledger
        derived_from = DerivedFrom(name=original.name, sha256=original.expected_sha256)
        try:
            derivation = write_masked_copy(
                original.source, target, masks, derived_from=derived_from
            )
        except MaskedCopyError as exc:
            logger.error("export of incident %s refused: %s", incident_id, exc)
            raise
        return BundleFile(name=masked_name(original.name), source=target, derivation=derivation)

    def _events(self, event_ids: Sequence[str]) -> list[Event]:
        events = self._store().events
        found: list[Event] = []
        for start in range(0, len(event_ids), _EVENTS_CHUNK):
            found += events.get_many(list(event_ids[start : start + _EVENTS_CHUNK]))
        return found

    def _vouched(self, incident_id: str, name: str, path: Path) -> BundleFile:
        """``path`` as a bundle file carrying the SHA-256 its ledger entry recorded."""
        root = self._data_dir.resolve()
        resolved = path.resolve()
        if not resolved.is_relative_to(root):
            raise self._refused(incident_id, f"{path} is outside the data directory {root}")
        path_rel = resolved.relative_to(root).as_posix()
        entry = self._ledger.ledger.file_entry(path_rel)
        if entry is None or entry.sha256 is None:
            raise self._refused(
                incident_id, f"{path_rel} has no ledger entry, so nothing vouches for its bytes"
            )
        return BundleFile(name=name, source=resolved, expected_sha256=entry.sha256)

    @staticmethod
    def _refused(incident_id: str, why: str) -> EvidenceTamperedError:
        logger.error("export of incident %s refused: %s", incident_id, why)
        return EvidenceTamperedError(f"export refused: {why}")

    def has_export(self, incident_id: str) -> bool:
        """Whether a bundle of ``incident_id`` was exported (its footage holds are kept)."""
        for sidecar in self._dir.glob("*.json"):
            try:
                meta = json.loads(sidecar.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return True  # unreadable: assume it may be this incident's
            if isinstance(meta, dict) and meta.get("incident_id") == incident_id:
                return True
        return False

    def export_info(self, export_id: str) -> ExportInfo | None:
        if not _EXPORT_ID.match(export_id):
            return None
        sidecar = self._dir / f"{export_id}.json"
        bundle = self._dir / f"{export_id}.zip"
        if not (sidecar.is_file() and bundle.is_file()):
            return None
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        return ExportInfo(
            id=export_id,
            incident_id=str(meta["incident_id"]),
            sha256=str(meta["sha256"]),
            path=bundle,
        )
