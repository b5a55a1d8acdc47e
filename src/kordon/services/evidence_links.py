"""``StoreEvidenceLinks``: evidence retention's view of incidents, from the store and ledger.

An incident keeps its snapshots and clips while it is not settled (open, acknowledged,
dispatched, reopened), while it has an active evidence hold, while an export of it exists,
and when the store does not know it. A snapshot belongs to the incident its event joined;
a clip to the incident its ledger entry names (a clip the ledger never recorded cannot be
told, so it stays). Made for one retention run: the held incidents are read once.
"""

from __future__ import annotations

from collections.abc import Callable

from kordon.evidence.entry import LedgerEntry
from kordon.record.repository import RecordingRepository
from kordon.services.settled import settled_at
from kordon.store import NotFoundError, Store
from kordon.store.incident_extras import IncidentExtrasRepository
from kordon.store.session import own_transaction


class StoreEvidenceLinks:
    """Implements ``kordon.record.evidence_retention.EvidenceLinks``."""

    def __init__(
        self,
        *,
        store: Store,
        exported: Callable[[str], bool],
        recorded_entry: Callable[[str], LedgerEntry | None] | None,
    ) -> None:
        """``recorded_entry``: the ledger entry recording a data-dir relative path (the
        clip's incident is in its payload); ``None`` without a ledger."""
        self._store = store
        self._exported = exported
        self._recorded_entry = recorded_entry
        self._extras = IncidentExtrasRepository(own_transaction(store.sessions))
        self._held: frozenset[str] | None = None

    def event_incidents(self, event_id: str) -> frozenset[str]:
        incident_id = self._extras.incident_of_event(event_id)
        return frozenset() if incident_id is None else frozenset({incident_id})

    def clip_incidents(self, path_rel: str) -> frozenset[str] | None:
        if self._recorded_entry is None:
            return None
        entry = self._recorded_entry(path_rel)
        incident_id = None if entry is None else entry.payload.get("incident_id")
        return frozenset({incident_id}) if isinstance(incident_id, str) else None

    def incident_settled(self, incident_id: str) -> bool:
        try:
            return settled_at(self._store.incidents.get(incident_id)) is not None
        except NotFoundError:
            return False

    def incident_kept(self, incident_id: str) -> bool:
        try:
            stored = self._store.incidents.get(incident_id)
        except NotFoundError:
            return True
        if settled_at(stored) is None:
            return True
        return incident_id in self._held_incidents() or self._exported(incident_id)

    def _held_incidents(self) -> frozenset[str]:
        if self._held is None:
            holds = RecordingRepository.on_sessions(self._store.sessions).holds()
            self._held = frozenset(h.incident_id for h in holds if h.incident_id is not None)
        return self._held
