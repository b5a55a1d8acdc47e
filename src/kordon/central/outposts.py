"""``OutpostReader``: what the centre holds of each outpost beyond its incidents and events.

The edge's audit entries (``link_ledger_entries``, shipped whole) and how far its ledger
has arrived (``link_ledger_state``, ``link_ledger_heads``); when its outbox last delivered
(``link_ingested``); each outpost's devices with their latest state (``link_edge_devices``:
device ids are an outpost's own); an incident's outpost (the ``edge_id`` its events arrived
with, ``kordon.link.ingest``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from pydantic import JsonValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kordon.domain.status import DeviceStatus
from kordon.link.edge_devices import edge_devices
from kordon.link.ingest import EDGE_ATTRIBUTE
from kordon.link.ledger_rows import EdgeLedgerEntryRow, EdgeLedgerStateRow, EdgeTreeHeadRow
from kordon.store.events import EventRepository
from kordon.store.incidents import StoredIncident
from kordon.store.models_link import LinkIngestedRow
from kordon.store.session import translate_errors


@dataclass(frozen=True, slots=True)
class LedgerEntryView:
    seq: int
    kind: str
    leaf_sha256: str
    received_at: datetime
    entry: JsonValue
    """The entry's JSON for the kinds shipped whole (audit, evidence actions), else ``None``."""


@dataclass(frozen=True, slots=True)
class LedgerSummary:
    size: int
    """Entries held without a gap (``0..size-1``)."""
    heads: int
    verified_heads: int
    latest_head_at: datetime | None
    last_received_at: datetime | None
    """When the centre last committed an outbox entry of this edge (``link_ingested``)."""


class OutpostReader:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def ledger_entries(
        self, edge_id: str, *, after: int, limit: int, kind: str | None = None
    ) -> list[LedgerEntryView]:
        """Entries of ``edge_id``'s ledger with ``seq > after``, in order; only the ones
        shipped whole (``entry`` present) unless ``kind`` names another kind."""
        query = (
            select(EdgeLedgerEntryRow)
            .where(EdgeLedgerEntryRow.edge_id == edge_id)
            .where(EdgeLedgerEntryRow.seq > after)
        )
        if kind is not None:
            query = query.where(EdgeLedgerEntryRow.kind == kind)
        else:
            query = query.where(EdgeLedgerEntryRow.entry.is_not(None))
        query = query.order_by(EdgeLedgerEntryRow.seq).limit(limit)
        with translate_errors("read an outpost's ledger"), self._sessions() as session:
            return [
                LedgerEntryView(
                    seq=row.seq,
                    kind=row.kind,
                    leaf_sha256=row.leaf_sha256,
                    received_at=row.received_at,
                    entry=None if row.entry is None else _json(row.entry),
                )
                for row in session.scalars(query)
            ]

    def devices(self) -> dict[str, list[DeviceStatus]]:
        """Every outpost's devices (the latest status each reported), by edge id, ordered
        by device id; an outpost that never reported a device is absent."""
        with translate_errors("read the outposts' devices"), self._sessions() as session:
            return edge_devices(session)

    def ledger_summary(self, edge_id: str) -> LedgerSummary:
        with translate_errors("read an outpost's ledger state"), self._sessions() as session:
            state = session.get(EdgeLedgerStateRow, edge_id)
            received = session.scalar(
                select(func.max(LinkIngestedRow.ingested_at)).where(
                    LinkIngestedRow.edge_id == edge_id
                )
            )
            heads, verified, latest = session.execute(
                select(
                    func.count(),
                    func.count().filter(EdgeTreeHeadRow.verified.is_(True)),
                    func.max(EdgeTreeHeadRow.time),
                ).where(EdgeTreeHeadRow.edge_id == edge_id)
            ).one()
            return LedgerSummary(
                size=0 if state is None else state.size,
                heads=int(heads),
                verified_heads=int(verified),
                latest_head_at=latest,
                last_received_at=received,
            )


def incident_edge(events: EventRepository, stored: StoredIncident) -> str | None:
    """The outpost an incident came from: the ``edge_id`` its first event arrived with."""
    for event_id in stored.incident.event_ids:
        edge = events.get(event_id).attributes.get(EDGE_ATTRIBUTE)
        if isinstance(edge, str) and edge:
            return edge
    return None


def _json(text: str) -> JsonValue:
    try:
        value: JsonValue = json.loads(text)
    except ValueError:
        return text  # stored verbatim by the ingest: show it as it is
    return value
