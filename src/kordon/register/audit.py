"""``RegisterAudit``: where every register change is recorded (the evidence ledger).

The signature is the API's ``AuditSink``: ``kordon.services.evidence_log.EvidenceLog`` and
``kordon.api.audit_log.LedgerAuditLog`` implement it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import JsonValue


class RegisterAudit(Protocol):
    def record(  # noqa: PLR0917 (the AuditSink signature)
        self,
        actor: str,
        action: str,
        subject: str,
        outcome: str,
        details: dict[str, JsonValue],
        time: datetime,
    ) -> None: ...
