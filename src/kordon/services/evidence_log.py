"""The evidence ledger as the rest of the node sees it: audit log and segment hashes.

One adapter, three roles: the API's ``AuditSink``/``AuditReader``, the incident service's
audit hook, and the recorder's ``SegmentSink``. Every operator action, every refused
attempt and every closed video segment becomes a hash-chained ledger entry. Files (segments,
clips, snapshots) are named relative to the data directory, so :meth:`recorded_sha256`
finds the hash a file must still have.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from pydantic import JsonValue

from kordon.api.audit_log import LedgerAuditLog
from kordon.api.providers import AuditRecord
from kordon.evidence.entry import EntryKind, LedgerEntry
from kordon.evidence.files import FILE_KEY, sha256_file
from kordon.services.ledger_service import LedgerService


class EvidenceLog:
    def __init__(self, ledger: LedgerService) -> None:
        self._ledger = ledger

    def _audit(self) -> LedgerAuditLog:
        return LedgerAuditLog(self._ledger.ledger)

    # -- AuditSink (API) ---------------------------------------------------------------------
    def record(  # noqa: PLR0917 (the AuditSink signature)
        self,
        actor: str,
        action: str,
        subject: str,
        outcome: str,
        details: dict[str, JsonValue],
        time: datetime,
    ) -> None:
        self._audit().record(actor, action, subject, outcome, details, time)

    # -- audit hook (incident service) ---------------------------------------------------------
    def __call__(
        self,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, str],
        time: datetime,
    ) -> None:
        self.record(actor, f"incident.{action}", subject, "done", dict(details), time)

    # -- AuditReader ---------------------------------------------------------------------------
    def recent(self, limit: int) -> Sequence[AuditRecord]:
        return self._audit().recent(limit)

    # -- SegmentSink (recorder) ------------------------------------------------------------------
    def record_segment(
        self,
        camera_id: str,
        path_rel: str,
        *,
        sha256: str,
        start: datetime,
        end: datetime,
        time: datetime,
    ) -> None:
        self._ledger.append(
            EntryKind.SEGMENT,
            camera_id,
            sha256=sha256,
            payload={"path": path_rel, "start": start.isoformat(), "end": end.isoformat()},
            time=time,
        )

    # -- derived evidence (clips, snapshots) -----------------------------------------------------
    def record_file(
        self,
        kind: EntryKind,
        subject: str,
        path: Path,
        *,
        payload: dict[str, JsonValue],
        time: datetime,
    ) -> None:
        """A clip or snapshot written to disk: its hash and data-dir path go into the ledger."""
        digest = sha256_file(path)
        named = dict(payload)
        data_dir = self._ledger.data_dir.resolve()
        resolved = path.resolve()
        if resolved.is_relative_to(data_dir):
            named[FILE_KEY] = resolved.relative_to(data_dir).as_posix()
        self._ledger.append(kind, subject, sha256=digest, payload=named, time=time)

    # -- checks against the ledger ----------------------------------------------------------------
    def recorded_entry(self, path_rel: str) -> LedgerEntry | None:
        """The first ledger entry recording the file at ``path_rel`` (data-dir relative)."""
        return self._ledger.ledger.file_entry(path_rel)

    def recorded_sha256(self, path_rel: str) -> str | None:
        """The SHA-256 the ledger recorded for ``path_rel``; ``None`` when none was recorded."""
        entry = self.recorded_entry(path_rel)
        return None if entry is None else entry.sha256
