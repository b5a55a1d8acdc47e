"""``HistoryEntry``: one append-only fact about an asset."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import JsonValue


class HistoryKind(StrEnum):
    REGISTERED = "registered"
    DEPLOYED = "deployed"
    STATUS = "status"
    CORRECTED = "corrected"
    TRANSFER_REQUESTED = "transfer_requested"
    TRANSFER_CONFIRMED = "transfer_confirmed"
    TRANSFER_COMPLETED = "transfer_completed"
    CHECKED = "checked"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    asset_id: str
    time: datetime
    """When it happened (as reported)."""
    recorded_at: datetime
    """When it was entered."""
    actor: str
    kind: HistoryKind
    data: dict[str, JsonValue] = field(default_factory=dict)
    corrects: int | None = None
    """The entry this one corrects (the corrected entry itself is never changed)."""
