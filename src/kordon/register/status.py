"""``AssetStatus`` and which statuses need a written report."""

from __future__ import annotations

from enum import StrEnum


class AssetStatus(StrEnum):
    IN_STORE = "in_store"
    DEPLOYED = "deployed"
    ISSUED = "issued"
    """Issued to a guard (a person holds it)."""
    UNDER_REPAIR = "under_repair"
    LOST = "lost"
    DESTROYED = "destroyed"

    @property
    def needs_report(self) -> bool:
        """Lost and destroyed equipment must be explained by a report."""
        return self in (AssetStatus.LOST, AssetStatus.DESTROYED)

    @property
    def accountable(self) -> bool:
        """Still expected to be found by an end-use check (not lost or destroyed)."""
        return not self.needs_report


def parse_status(text: str) -> AssetStatus:
    key = "_".join(text.strip().lower().replace("-", " ").split())
    try:
        return AssetStatus(key)
    except ValueError:
        valid = ", ".join(s.value for s in AssetStatus)
        raise ValueError(f"unknown status {text!r}; valid: {valid}") from None
