"""``Outbox``: what the edge must deliver to the centre, durable in the edge's own database.

:meth:`Outbox.append` writes in the *caller's* session, so the change and its outbox entry
commit together or not at all (see :func:`kordon.link.edge_events.store_event`). Entries
leave in priority order, then in the order they were written, and are deleted only by
:meth:`Outbox.acknowledge`, once the centre has committed them.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from kordon.domain.time import require_utc
from kordon.link.codec import encode
from kordon.link.errors import LinkError
from kordon.link.kinds import EntryKind, Priority, Shipped, default_priority, kind_of
from kordon.store.models_link import LinkOutboxRow
from kordon.store.session import translate_errors

MAX_ENTRY_BYTES = 256_000
"""The largest payload an entry may have (an event's snapshot larger than this is
re-encoded to fit before it is queued, ``kordon.link.snapshot_entry``; an incident's longest
notes are trimmed, ``kordon.link.incident_trim``)."""


class EntryTooLargeError(LinkError):
    """An item whose payload is over ``MAX_ENTRY_BYTES``: nothing was written."""

    def __init__(self, size: int) -> None:
        super().__init__(f"outbox entry of {size} bytes refused: at most {MAX_ENTRY_BYTES}")
        self.size = size


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    entry_id: str
    kind: EntryKind
    priority: Priority
    created_at: datetime
    payload: str
    """Versioned JSON text (``kordon.link.codec``)."""
    size: int
    """``payload`` in UTF-8 bytes."""


def entry_bytes(payload: str) -> int:
    """The size of an entry's payload: its UTF-8 bytes."""
    return len(payload.encode("utf-8"))


def payload_bytes(item: Shipped) -> int:
    """The size ``item``'s entry would have."""
    return entry_bytes(encode(item))


_COLUMNS = (
    LinkOutboxRow.entry_id,
    LinkOutboxRow.kind,
    LinkOutboxRow.priority,
    LinkOutboxRow.created_at,
    LinkOutboxRow.payload,
    LinkOutboxRow.size,
)


class Outbox:
    """The ``link_outbox`` table of one edge database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def append(
        self,
        session: Session,
        item: Shipped,
        *,
        created_at: datetime,
        priority: Priority | None = None,
    ) -> OutboxEntry:
        """Add ``item`` in ``session``'s transaction (its owner commits); returns the entry.

        ``EntryTooLargeError`` (nothing written) when its payload is over
        ``MAX_ENTRY_BYTES``."""
        payload = encode(item)
        size = entry_bytes(payload)
        if size > MAX_ENTRY_BYTES:
            raise EntryTooLargeError(size)
        entry = OutboxEntry(
            entry_id=uuid.uuid4().hex,
            kind=kind_of(item),
            priority=default_priority(item) if priority is None else priority,
            created_at=require_utc(created_at, name="created_at"),
            payload=payload,
            size=size,
        )
        with translate_errors(f"appending a {entry.kind} to the outbox"):
            session.execute(
                insert(LinkOutboxRow).values(
                    entry_id=entry.entry_id,
                    kind=str(entry.kind),
                    priority=int(entry.priority),
                    created_at=entry.created_at,
                    payload=entry.payload,
                    size=entry.size,
                )
            )
        return entry

    def next_batch(
        self, limit: int, max_bytes: int, *, exclude: Collection[str] = ()
    ) -> list[OutboxEntry]:
        """The next entries to send: at most ``limit``, and ``max_bytes`` of payload (but
        always the first one), skipping the ids in ``exclude`` (already in flight)."""
        if limit < 1 or max_bytes < 1:
            raise ValueError(f"limit and max_bytes must be >= 1, got {limit}, {max_bytes}")
        statement = (
            select(*_COLUMNS)
            .order_by(LinkOutboxRow.priority, LinkOutboxRow.seq)
            .limit(limit + len(exclude))
        )
        batch: list[OutboxEntry] = []
        total = 0
        with translate_errors("reading the outbox"), self._sessions() as session:
            for entry_id, kind, priority, created_at, payload, size in session.execute(statement):
                if entry_id in exclude:
                    continue
                if batch and (len(batch) >= limit or total + size > max_bytes):
                    break
                entry = OutboxEntry(
                    entry_id, EntryKind(kind), Priority(priority), created_at, payload, size
                )
                batch.append(entry)
                total += size
        return batch

    def acknowledge(self, entry_ids: Iterable[str]) -> int:
        """Delete the entries the centre has committed; returns how many were still here."""
        ids = list(dict.fromkeys(entry_ids))
        if not ids:
            return 0
        deleted = 0
        with translate_errors("acknowledging outbox entries"), self._sessions.begin() as session:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                result = session.execute(
                    delete(LinkOutboxRow).where(LinkOutboxRow.entry_id.in_(chunk))
                )
                deleted += int(getattr(result, "rowcount", 0) or 0)
        return deleted

    def count(self) -> int:
        """How many entries wait."""
        with translate_errors("counting the outbox"), self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(LinkOutboxRow)) or 0)
