"""Retention of evidence files: event snapshots, assembled incident clips, export bundles.

Where they live, relative to the data directory: ``snapshots/<UTC date>/<event id>.jpg``,
``clips/<clip id>.mp4``, and ``exports/<export id>.zip`` with its sidecar
``exports/<export id>.json`` (which names the incident). A file's age is its modification
time.

:meth:`EvidenceRetention.sweep` deletes files older than their kind's maximum age, except
those kept:

- a snapshot or clip is kept while an incident it belongs to is kept (open, held or
  exported: :meth:`EvidenceLinks.incident_kept`), and whenever its incidents cannot be told
  (a clip the ledger never recorded);
- an export is kept while its incident is not settled (its existence keeps the incident's
  holds, so holds cannot keep it: it would never go).

:meth:`EvidenceRetention.reclaim` is the disk-full pass: un-kept snapshots and clips go
whatever their age, oldest first, until there is room; never exports, never kept files,
never a file younger than :data:`RECLAIM_MIN_AGE_S` (its event may not have joined an
incident yet). Every deletion is announced to ``before_delete`` first (the audit entry); if
that raises, the file stays.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from kordon.record.retention import EvidenceAges

logger = logging.getLogger(__name__)

SNAPSHOTS = "snapshots"
CLIPS = "clips"
EXPORTS = "exports"
RECLAIM_MIN_AGE_S = 3600.0
"""The disk-full pass leaves younger files alone (an event joins its incident within minutes)."""

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EXPORT_ID = re.compile(r"^[a-f0-9]{32}$")


class EvidenceKind(StrEnum):
    SNAPSHOT = "snapshot"
    CLIP = "clip"
    EXPORT = "export"


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """One evidence item: its files (an export: bundle and sidecar), data-dir relative."""

    kind: EvidenceKind
    key: str
    """The event id (snapshot), clip id (clip) or export id (export)."""
    paths_rel: tuple[str, ...]
    modified: datetime
    size_bytes: int


class EvidenceLinks(Protocol):
    """Which incidents evidence belongs to, and which incidents keep their evidence."""

    def event_incidents(self, event_id: str) -> frozenset[str]:
        """The incidents the event joined (none: an event that raised no incident)."""
        ...

    def clip_incidents(self, path_rel: str) -> frozenset[str] | None:
        """The incidents of the clip at ``path_rel``; ``None`` when that cannot be told."""
        ...

    def incident_kept(self, incident_id: str) -> bool:
        """Whether the incident's evidence stays (open, held, exported, or unknown)."""
        ...

    def incident_settled(self, incident_id: str) -> bool:
        """Whether the incident is resolved or closed (``False`` when unknown)."""
        ...


BeforeDelete = Callable[[EvidenceFile, str, datetime], None]
"""Called with the file, the reason (``age``, ``disk_full``) and the time before deleting."""


@dataclass(slots=True)
class EvidenceSweepReport:
    deleted: list[EvidenceFile] = field(default_factory=list)
    kept: int = 0
    """Files past their age that stayed because their incident keeps them."""


class EvidenceRetention:
    """Ages out snapshots, clips and exports; call :meth:`sweep` with the current time."""

    def __init__(
        self,
        *,
        data_dir: Path,
        ages: EvidenceAges,
        links: EvidenceLinks,
        before_delete: BeforeDelete | None = None,
    ) -> None:
        self._data_dir = Path(data_dir)
        self._ages = ages
        self._links = links
        self._before_delete = before_delete

    def _max_age_s(self, kind: EvidenceKind) -> float | None:
        return {
            EvidenceKind.SNAPSHOT: self._ages.snapshots_s,
            EvidenceKind.CLIP: self._ages.clips_s,
            EvidenceKind.EXPORT: self._ages.exports_s,
        }[kind]

    def sweep(self, time: datetime) -> EvidenceSweepReport:
        """Delete every un-kept file older than its kind's maximum age."""
        report = EvidenceSweepReport()
        for item in self.files():
            max_age_s = self._max_age_s(item.kind)
            if max_age_s is None or item.modified > time - timedelta(seconds=max_age_s):
                continue
            if self._kept(item):
                report.kept += 1
                continue
            if self._delete(item, "age", time):
                report.deleted.append(item)
        self._log(report.deleted, "age")
        return report

    def reclaim(self, time: datetime, *, enough: Callable[[], bool]) -> EvidenceSweepReport:
        """The disk-full pass: un-kept snapshots and clips, oldest first, until ``enough()``."""
        report = EvidenceSweepReport()
        fresh = time - timedelta(seconds=RECLAIM_MIN_AGE_S)
        candidates = [
            f for f in self.files() if f.kind is not EvidenceKind.EXPORT and f.modified <= fresh
        ]
        for item in sorted(candidates, key=lambda f: (f.modified, f.paths_rel)):
            if enough():
                break
            if self._kept(item):
                report.kept += 1
                continue
            if self._delete(item, "disk_full", time):
                report.deleted.append(item)
        self._log(report.deleted, "disk_full")
        return report

    def files(self) -> Iterator[EvidenceFile]:
        """Every snapshot, clip and export on disk (temporary and foreign files skipped)."""
        snapshots = self._data_dir / SNAPSHOTS
        if snapshots.is_dir():
            for day in sorted(snapshots.iterdir()):
                if _DAY.match(day.name) and day.is_dir():
                    for path in sorted(day.glob("*.jpg")):
                        yield from self._item(EvidenceKind.SNAPSHOT, path.stem, (path,))
        clips = self._data_dir / CLIPS
        if clips.is_dir():
            for path in sorted(clips.glob("*.mp4")):
                if not path.name.startswith("."):
                    yield from self._item(EvidenceKind.CLIP, path.stem, (path,))
        exports = self._data_dir / EXPORTS
        if exports.is_dir():
            ids = sorted(
                {p.stem for p in exports.glob("*.zip")} | {p.stem for p in exports.glob("*.json")}
            )
            for export_id in ids:
                if _EXPORT_ID.match(export_id):
                    parts = (exports / f"{export_id}.zip", exports / f"{export_id}.json")
                    yield from self._item(EvidenceKind.EXPORT, export_id, parts)

    def _item(
        self, kind: EvidenceKind, key: str, paths: tuple[Path, ...]
    ) -> Iterator[EvidenceFile]:
        present = []
        for path in paths:
            try:
                stat = path.lstat()
            except FileNotFoundError:
                continue
            if path.is_file() and not path.is_symlink():
                present.append((path, stat.st_mtime, stat.st_size))
        if not present:
            return
        yield EvidenceFile(
            kind=kind,
            key=key,
            paths_rel=tuple(p.relative_to(self._data_dir).as_posix() for p, _, _ in present),
            modified=datetime.fromtimestamp(max(m for _, m, _ in present), UTC),
            size_bytes=sum(size for _, _, size in present),
        )

    def _kept(self, item: EvidenceFile) -> bool:
        if item.kind is EvidenceKind.EXPORT:
            return self._export_kept(item)
        if item.kind is EvidenceKind.SNAPSHOT:
            incidents: frozenset[str] | None = self._links.event_incidents(item.key)
        else:
            incidents = self._links.clip_incidents(item.paths_rel[0])
        if incidents is None:
            return True
        return any(self._links.incident_kept(i) for i in sorted(incidents))

    def _export_kept(self, item: EvidenceFile) -> bool:
        """Kept while its incident is not settled, or while the sidecar cannot be read; a
        bundle without a sidecar (an export that failed at its last step) is not kept."""
        sidecar = self._data_dir / EXPORTS / f"{item.key}.json"
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return False
        except (OSError, ValueError):
            return True
        incident_id = meta.get("incident_id") if isinstance(meta, dict) else None
        if not isinstance(incident_id, str):
            return True
        return not self._links.incident_settled(incident_id)

    def _delete(self, item: EvidenceFile, reason: str, time: datetime) -> bool:
        if self._before_delete is not None:
            try:
                self._before_delete(item, reason, time)
            except Exception:  # no record of the deletion, no deletion
                logger.exception(
                    "%s %s kept: its deletion could not be recorded", item.kind, item.key
                )
                return False
        # an export's bundle goes before its sidecar: a sidecar alone still keeps the holds
        for path_rel in item.paths_rel:
            path = self._data_dir / path_rel
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                logger.error("cannot delete %s %s: %s", item.kind, path_rel, exc)
                return False
        if item.kind is EvidenceKind.SNAPSHOT:
            day = (self._data_dir / item.paths_rel[0]).parent
            with contextlib.suppress(OSError):  # other snapshots of that day remain
                day.rmdir()
        return True

    @staticmethod
    def _log(deleted: list[EvidenceFile], reason: str) -> None:
        if deleted:
            counts = {k: sum(f.kind is k for f in deleted) for k in EvidenceKind}
            logger.info(
                "evidence retention (%s): deleted %d snapshot(s), %d clip(s), %d export(s)",
                reason,
                counts[EvidenceKind.SNAPSHOT],
                counts[EvidenceKind.CLIP],
                counts[EvidenceKind.EXPORT],
            )
