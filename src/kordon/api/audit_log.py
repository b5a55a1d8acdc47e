"""Audit sinks: the evidence ledger (production) and an in-memory log (tests, demos)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from datetime import datetime

from pydantic import JsonValue

from kordon.api.providers import AuditRecord
from kordon.evidence.entry import EntryKind
from kordon.evidence.ledger import Ledger


class LedgerAuditLog:
    """Writes ``audit`` entries to the hash-chained ledger and reads the newest back."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def record(  # noqa: PLR0917 (the AuditSink signature the evidence side implements)
        self,
        actor: str,
        action: str,
        subject: str,
        outcome: str,
        details: dict[str, JsonValue],
        time: datetime,
    ) -> None:
        payload: dict[str, JsonValue] = {
            "actor": actor,
            "action": action,
            "outcome": outcome,
            "details": details,
        }
        self._ledger.append(EntryKind.AUDIT, subject[:256] or "-", time=time, payload=payload)

    def recent(self, limit: int) -> Sequence[AuditRecord]:
        records: list[AuditRecord] = []
        seq = self._ledger.size - 1
        while seq >= 0 and len(records) < limit:
            entry = self._ledger.entry(seq)
            seq -= 1
            if entry.kind is not EntryKind.AUDIT:
                continue
            p = entry.payload
            details = p.get("details")
            records.append(
                AuditRecord(
                    time=entry.time,
                    actor=str(p.get("actor", "")),
                    action=str(p.get("action", "")),
                    subject=entry.subject,
                    outcome=str(p.get("outcome", "")),
                    details=details if isinstance(details, dict) else {},
                )
            )
        return records


class MemoryAuditLog:
    """A bounded in-memory audit log (thread-safe)."""

    def __init__(self, max_records: int = 10_000) -> None:
        self._records: deque[AuditRecord] = deque(maxlen=max_records)
        self._lock = threading.Lock()

    def record(  # noqa: PLR0917 (the AuditSink signature the evidence side implements)
        self,
        actor: str,
        action: str,
        subject: str,
        outcome: str,
        details: dict[str, JsonValue],
        time: datetime,
    ) -> None:
        with self._lock:
            self._records.append(AuditRecord(time, actor, action, subject, outcome, details))

    def recent(self, limit: int) -> Sequence[AuditRecord]:
        with self._lock:
            return list(reversed(self._records))[:limit]
