"""The evidence ledger as the rest of the node sees it: audit log and segment hashes.

One adapter, three roles: the API's ``AuditSink``/``AuditReader``, the incident service's
audit hook, and the recorder's ``SegmentSink``. Every operator action, every refused
attempt and every closed video segment becomes a hash-chained ledger entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import JsonValue

from kordon.api.providers import AuditRecord
from kordon.evidence.entry import EntryKind
from kordon.services.ledger_service import LedgerService

AUDIT_SCAN_LIMIT = 20_000
"""How many of the newest ledger entries ``recent`` looks through for audit records."""


class EvidenceLog:
    def __init__(self, ledger: LedgerService) -> None:
        self._ledger = ledger

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
        payload: dict[str, JsonValue] = {
            "action": action,
            "object": subject,
            "outcome": outcome,
            "details": details,
        }
        self._ledger.append(EntryKind.AUDIT, actor or "anonymous", payload=payload, time=time)

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
    def recent(self, limit: int) -> list[AuditRecord]:
        ledger = self._ledger.ledger
        out: list[AuditRecord] = []
        last = ledger.size - 1
        for seq in range(last, max(-1, last - AUDIT_SCAN_LIMIT), -1):
            entry = ledger.entry(seq)
            if entry.kind is not EntryKind.AUDIT:
                continue
            payload = entry.payload
            details = payload.get("details")
            out.append(
                AuditRecord(
                    time=entry.time,
                    actor=entry.subject,
                    action=str(payload.get("action", "")),
                    subject=str(payload.get("object", "")),
                    outcome=str(payload.get("outcome", "")),
                    details=details if isinstance(details, dict) else {},
                )
            )
            if len(out) >= limit:
                break
        return out

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
