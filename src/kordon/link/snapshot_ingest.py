"""The centre's side of event snapshots: each one checked, then stored once per event.

Called by :class:`~kordon.link.ingest.Ingestor` inside a batch's transaction, after its
events are written (so a snapshot may name an event of the same batch). A snapshot is
refused, alone, when its content fails :meth:`EventSnapshot.jpeg` (bad base64, not a
JPEG, oversized, hash mismatch), when its event is not at the centre, or when that event
came from another outpost. A refusal is logged with its reason, and its entry's document
is kept verbatim in ``link_ingested.payload`` (an accepted snapshot's is not: the picture
is in ``link_snapshots``); the rest of the batch is stored. A second snapshot of the same
event (the edge may queue one twice) changes nothing.

A snapshot refused only because its event is not at the centre *yet* (a lost event batch
resent after the batch holding its picture) also waits in ``link_held_snapshots``
(:mod:`kordon.link.held_snapshot_rows`): :func:`apply_held_snapshots`, called when events
arrive, takes it from its kept document and stores it as if it had just arrived (checked in
full, its document then no longer kept), or refuses it for good (another outpost's event,
bad content). Either way it stops waiting; a replay of either entry changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.orm import Session

from kordon.link.codec import dump_json, from_document, load_json
from kordon.link.errors import CodecError
from kordon.link.event_snapshot import EventSnapshot, SnapshotRefusedError
from kordon.link.held_snapshot_rows import HeldSnapshotRow
from kordon.link.kinds import EntryKind
from kordon.link.snapshot_rows import EventSnapshotRow
from kordon.store.models import EventRow
from kordon.store.models_link import LinkIngestedRow
from kordon.store.session import insert_for

logger = logging.getLogger(__name__)

_CHUNK = 500
"""Ids per ``IN (...)`` list."""


class EventNotHeldError(SnapshotRefusedError):
    """The snapshot's event is not at the centre (yet): the snapshot waits for it."""


@dataclass(frozen=True, slots=True)
class ArrivedSnapshot:
    edge_id: str
    entry_id: str
    snapshot: EventSnapshot
    document: Any
    """The entry's payload document as received (kept if the snapshot is refused)."""


def store_snapshots(
    session: Session,
    arrived: Sequence[ArrivedSnapshot],
    *,
    edge_attribute: str,
    time: datetime,
) -> int:
    """Check and store ``arrived`` (new entries only) in ``session``; how many were stored.

    ``edge_attribute``: the event attribute naming the outpost an event came from."""
    if not arrived:
        return 0
    owners = _event_edges(session, {a.snapshot.event_id for a in arrived}, edge_attribute)
    rows: dict[str, dict[str, Any]] = {}
    held: list[dict[str, Any]] = []
    for item in arrived:
        try:
            jpeg = _checked(item, owners)
        except SnapshotRefusedError as exc:
            waits = isinstance(exc, EventNotHeldError)
            logger.warning(
                "link: snapshot entry %s of edge %s refused (kept verbatim%s): %s",
                item.entry_id,
                item.edge_id,
                ", applied when its event arrives" if waits else "",
                exc,
            )
            _keep(session, item, dump_json(item.document))
            if waits:
                held.append(
                    {
                        "event_id": item.snapshot.event_id,
                        "edge_id": item.edge_id,
                        "entry_id": item.entry_id,
                        "held_at": time,
                    }
                )
            continue
        rows.setdefault(item.snapshot.event_id, _row(item, jpeg, time))
    if held:
        session.execute(insert_for(session, HeldSnapshotRow).on_conflict_do_nothing(), held)
    return _insert(session, list(rows.values()))


def apply_held_snapshots(
    session: Session,
    event_ids: Iterable[str],
    *,
    edge_attribute: str,
    time: datetime,
) -> int:
    """Apply the snapshots that waited for ``event_ids`` (events just written in
    ``session``); how many were stored. Each one checked stops waiting, stored or refused."""
    ids = sorted(set(event_ids))
    if not ids or session.execute(select(HeldSnapshotRow.event_id).limit(1)).first() is None:
        return 0  # nothing waits (nearly always): one cheap query per transaction
    waiting: list[tuple[str, str, str]] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        waiting.extend(
            (str(event_id), str(edge_id), str(entry_id))
            for event_id, edge_id, entry_id in session.execute(
                select(HeldSnapshotRow.event_id, HeldSnapshotRow.edge_id, HeldSnapshotRow.entry_id)
                .where(HeldSnapshotRow.event_id.in_(chunk))
                .order_by(HeldSnapshotRow.held_at, HeldSnapshotRow.entry_id)
            )
        )
    if not waiting:
        return 0
    documents = _kept_documents(session, [(edge, entry) for _e, edge, entry in waiting])
    arrived: list[ArrivedSnapshot] = []
    for event_id, edge_id, entry_id in waiting:
        snapshot = _read_kept(documents.get((edge_id, entry_id)), event_id)
        if snapshot is None:
            logger.warning(
                "link: held snapshot entry %s of edge %s for event %s has no readable kept "
                "document; it is dropped from the waiting list (its row stays as it is)",
                entry_id,
                edge_id,
                event_id,
            )
            continue
        arrived.append(ArrivedSnapshot(edge_id, entry_id, snapshot, documents[(edge_id, entry_id)]))
    session.execute(
        delete(HeldSnapshotRow).where(
            tuple_(HeldSnapshotRow.event_id, HeldSnapshotRow.edge_id, HeldSnapshotRow.entry_id).in_(
                waiting
            )
        )
    )
    owners = _event_edges(session, {a.snapshot.event_id for a in arrived}, edge_attribute)
    rows: dict[str, dict[str, Any]] = {}
    for item in arrived:
        try:
            jpeg = _checked(item, owners)
        except SnapshotRefusedError as exc:
            logger.warning(
                "link: held snapshot entry %s of edge %s refused when its event arrived "
                "(kept verbatim): %s",
                item.entry_id,
                item.edge_id,
                exc,
            )
            continue
        logger.info(
            "link: snapshot entry %s of edge %s applied now that event %s arrived",
            item.entry_id,
            item.edge_id,
            item.snapshot.event_id,
        )
        _keep(session, item, None)  # stored: the picture is in link_snapshots now
        rows.setdefault(item.snapshot.event_id, _row(item, jpeg, time))
    return _insert(session, list(rows.values()))


def _row(item: ArrivedSnapshot, jpeg: bytes, time: datetime) -> dict[str, Any]:
    return {
        "event_id": item.snapshot.event_id,
        "edge_id": item.edge_id,
        "sha256": item.snapshot.sha256,
        "size": len(jpeg),
        "reduced": item.snapshot.reduced,
        "jpeg": jpeg,
        "received_at": time,
    }


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    statement = (
        insert_for(session, EventSnapshotRow)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(EventSnapshotRow.event_id)
    )
    return len(list(session.execute(statement, rows)))


def _keep(session: Session, item: ArrivedSnapshot, payload: str | None) -> None:
    session.execute(
        update(LinkIngestedRow)
        .where(
            LinkIngestedRow.edge_id == item.edge_id,
            LinkIngestedRow.entry_id == item.entry_id,
        )
        .values(payload=payload)
    )


def _kept_documents(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """The kept documents of ``keys`` ((edge id, entry id)) that parse as JSON."""
    found: dict[tuple[str, str], Any] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        for edge_id, entry_id, payload in session.execute(
            select(LinkIngestedRow.edge_id, LinkIngestedRow.entry_id, LinkIngestedRow.payload)
            .where(tuple_(LinkIngestedRow.edge_id, LinkIngestedRow.entry_id).in_(chunk))
            .where(LinkIngestedRow.kind == str(EntryKind.SNAPSHOT))
        ):
            if payload is None:
                continue
            try:
                found[(str(edge_id), str(entry_id))] = load_json(payload, "kept snapshot")
            except CodecError:
                continue
    return found


def _read_kept(document: Any, event_id: str) -> EventSnapshot | None:
    if document is None:
        return None
    try:
        item = from_document(document, expected=EntryKind.SNAPSHOT)
    except CodecError:
        return None
    if not isinstance(item, EventSnapshot) or item.event_id != event_id:
        return None
    return item


def _checked(item: ArrivedSnapshot, owners: dict[str, str | None]) -> bytes:
    event_id = item.snapshot.event_id
    if event_id not in owners:
        raise EventNotHeldError(
            f"snapshot names event {event_id!r}, which the centre does not hold"
        )
    owner = owners[event_id]
    if owner != item.edge_id:
        raise SnapshotRefusedError(
            f"snapshot names event {event_id!r} of outpost {owner!r}, not of {item.edge_id!r}"
        )
    return item.snapshot.jpeg()


def _event_edges(
    session: Session, event_ids: set[str], edge_attribute: str
) -> dict[str, str | None]:
    """The outpost of each of ``event_ids`` the centre holds (``None``: a local event)."""
    ids = sorted(event_ids)
    owners: dict[str, str | None] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for event_id, attributes in session.execute(
            select(EventRow.id, EventRow.attributes).where(EventRow.id.in_(chunk))
        ):
            edge = attributes.get(edge_attribute) if isinstance(attributes, dict) else None
            owners[str(event_id)] = edge if isinstance(edge, str) else None
    return owners
