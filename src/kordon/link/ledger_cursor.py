"""``LedgerCursor``: how much of its evidence ledger the centre has acknowledged to an edge.

The ledger is the edge's outbox for audit entries: every entry is appended (and synced)
once, with its index, and never changes. What an outbox would delete on an ack, the cursor
records instead: "the centre holds entries ``0..acked_size-1``", in the edge's own store,
moved only when the centre's ack arrives (after the centre's commit).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from kordon.domain.time import require_utc
from kordon.link.ledger_rows import LedgerCursorRow
from kordon.link.topics import check_edge_id
from kordon.store.session import translate_errors
from kordon.store.store import Store


class LedgerCursor:
    """The ``link_ledger_cursor`` row of ``edge_id`` in the edge's ``store``."""

    def __init__(self, store: Store, edge_id: str) -> None:
        self._store = store
        self._edge_id = check_edge_id(edge_id)

    def acked_size(self) -> int:
        """Entries ``0..acked_size-1`` are at the centre (0 before the first ack)."""
        with translate_errors("reading the ledger cursor"), self._store.sessions() as session:
            row = session.get(LedgerCursorRow, self._edge_id)
            return 0 if row is None else row.acked_size

    def move(self, acked_size: int, *, time: datetime) -> None:
        """Record the centre's acknowledgement (it may go back after a gap at the centre:
        the entries from there are sent again, and the centre dedupes them)."""
        if acked_size < 0:
            raise ValueError(f"acked_size must be >= 0, got {acked_size}")
        time = require_utc(time, name="time")
        with translate_errors("moving the ledger cursor"), self._store.sessions.begin() as session:
            row = session.scalar(
                select(LedgerCursorRow).where(LedgerCursorRow.edge_id == self._edge_id)
            )
            if row is None:
                session.add(
                    LedgerCursorRow(edge_id=self._edge_id, acked_size=acked_size, updated_at=time)
                )
            else:
                row.acked_size = acked_size
                row.updated_at = time
