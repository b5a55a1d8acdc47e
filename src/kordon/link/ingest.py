"""``Ingestor``: a batch from an edge into the central store, once per entry, in one commit.

For each entry a ``link_ingested`` row keyed by (edge id, entry id) is inserted with
``ON CONFLICT DO NOTHING``; only when it is new is the entry applied: an event goes to the
``events`` table with ``attributes["edge_id"]`` naming its outpost, a device status to the
device tables; incidents and audit entries are kept verbatim in ``link_ingested.payload``
until the centre's own incident and audit handling exist (docs/edge-central.md). All of a
batch commits together, so a replayed or reordered batch never duplicates anything and a
crash half-way leaves nothing half-stored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from kordon.domain.event import Event
from kordon.domain.status import DeviceStatus
from kordon.link.batch import Batch, ReceivedEntry
from kordon.link.codec import dump_json
from kordon.store.devices import DeviceStatusRepository
from kordon.store.mapping import event_to_values
from kordon.store.models import EventRow
from kordon.store.models_link import LinkIngestedRow
from kordon.store.session import insert_for, shared_transaction, translate_errors
from kordon.store.store import Store

EDGE_ATTRIBUTE = "edge_id"
"""The event attribute naming the outpost an event came from."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    new: int
    duplicates: int


class Ingestor:
    """Writes batches into the centre's ``store``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def ingest(self, batch: Batch, *, time: datetime) -> IngestResult:
        """Store ``batch`` (its edge already checked) in one transaction."""
        what = f"ingesting batch {batch.batch_id} of edge {batch.edge_id}"
        new_ids: set[str] = set()
        with translate_errors(what), self._store.sessions.begin() as session:
            # Core "executemany" (SQLAlchemy's insertmanyvalues): a batch costs a few
            # round trips and one cached statement, not two statements per entry.
            connection = session.connection()
            ingested = (
                insert_for(session, LinkIngestedRow)
                .on_conflict_do_nothing(index_elements=["edge_id", "entry_id"])
                .returning(LinkIngestedRow.entry_id)
            )
            rows = [_ingested_values(batch, entry, time) for entry in batch.entries]
            new_ids.update(connection.execute(ingested, rows).scalars())
            fresh = [entry.item for entry in batch.entries if entry.entry_id in new_ids]
            events = [
                event_to_values(
                    replace(item, attributes={**item.attributes, EDGE_ATTRIBUTE: batch.edge_id})
                )
                for item in fresh
                if isinstance(item, Event)
            ]
            if events:
                connection.execute(
                    insert_for(session, EventRow).on_conflict_do_nothing(index_elements=["id"]),
                    events,
                )
            devices = DeviceStatusRepository(shared_transaction(session))
            for item in fresh:
                if isinstance(item, DeviceStatus):
                    devices.record(item)
        return IngestResult(new=len(new_ids), duplicates=len(batch.entries) - len(new_ids))


def _ingested_values(batch: Batch, entry: ReceivedEntry, time: datetime) -> dict[str, Any]:
    keep = not isinstance(entry.item, Event | DeviceStatus)
    return {
        "edge_id": batch.edge_id,
        "entry_id": entry.entry_id,
        "kind": str(entry.kind),
        "batch_id": batch.batch_id,
        "ingested_at": time,
        "payload": dump_json(entry.document) if keep else None,
    }
