"""``ExportService``: evidence bundles of an incident (clips, snapshots, proof, signature).

A bundle is written to ``<data_dir>/exports/<export id>.zip`` with the exporting user,
the reason and the incident in its manifest; the export itself is a ledger entry whose
inclusion proof and signed tree head travel inside the bundle, so ``kordon verify`` checks
it offline. A small sidecar (``<export id>.json``) lets the API find it again.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from kordon.api.providers import ExportInfo
from kordon.evidence.bundle import BundleFile, create_bundle
from kordon.evidence.manifest import ExportRequest
from kordon.services.clips import ClipService, ClipUnavailableError
from kordon.services.ledger_service import LedgerService
from kordon.services.live_frames import LiveFrames
from kordon.store import NotFoundError, Store

_EXPORT_ID = re.compile(r"^[a-f0-9]{32}$")


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
    ) -> None:
        self._site_id = site_id
        self._data_dir = data_dir
        self._dir = data_dir / "exports"
        self._ledger = ledger
        self._clips = clips
        self._snapshots = snapshots
        self._store = store

    def create_export(
        self, *, incident_id: str, reason: str, actor: str, time: datetime
    ) -> ExportInfo:
        incident = self._store().incidents.get(incident_id).incident
        files: list[BundleFile] = []
        starts: list[datetime] = []
        ends: list[datetime] = []
        cameras: set[str] = set()
        for clip in self._clips.clips_for_incident(incident_id):
            try:
                path = self._clips.open_clip(clip.id)
            except ClipUnavailableError:
                continue
            files.append(BundleFile(name=f"clips/{clip.camera_id}-{clip.id}.mp4", source=path))
            starts.append(clip.start)
            ends.append(clip.end)
            cameras.add(clip.camera_id)
        snapshot_dir = self._dir / ".staging"
        for event_id in incident.event_ids:
            data = self._snapshots.event_jpeg(event_id)
            if data is None:
                continue
            snapshot_dir.mkdir(parents=True, exist_ok=True)
            staged = snapshot_dir / f"{event_id}.jpg"
            staged.write_bytes(data)
            files.append(BundleFile(name=f"snapshots/{event_id}.jpg", source=staged))
        if not files:
            raise NotFoundError(f"incident {incident_id} has no footage or snapshots to export")
        export_id = secrets.token_hex(16)
        self._dir.mkdir(parents=True, exist_ok=True)
        request = ExportRequest(
            site_id=self._site_id,
            camera_id=next(iter(cameras)) if len(cameras) == 1 else None,
            start=min(starts, default=incident.opened_at),
            end=max(ends, default=time),
            exported_by=actor,
            reason=reason,
            incident_id=incident_id,
        )
        result = create_bundle(
            self._ledger.ledger,
            files,
            request,
            self._dir / f"{export_id}.zip",
            time,
            export_dir=self._dir,
        )
        digest = hashlib.sha256(result.path.read_bytes()).hexdigest()
        (self._dir / f"{export_id}.json").write_text(
            json.dumps({"incident_id": incident_id, "sha256": digest}), encoding="utf-8"
        )
        return ExportInfo(id=export_id, incident_id=incident_id, sha256=digest, path=result.path)

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
