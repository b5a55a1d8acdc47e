"""``LedgerShipper``: cuts runs of the edge's evidence ledger for the centre, from its cursor.

The ledger is its own outbox (``kordon.link.ledger_cursor``): a batch is the entries from
the acknowledged size on (at most ``batch_entries``, and ``batch_bytes`` of JSON but always
one), the signed tree heads within that run and the latest one, with their public keys.
The :class:`~kordon.link.sender.OutboxSender` sends one such batch at a time, after the
outbox's own entries (audit is the lowest priority), and hands the centre's ack back here.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kordon.evidence.ledger import Ledger
from kordon.evidence.tree_head import SignedTreeHead
from kordon.link.ledger_cursor import LedgerCursor
from kordon.link.ledger_wire import (
    MAX_ENTRIES,
    MAX_HEADS,
    LedgerAck,
    ShippedEntry,
    encode_ledger_batch,
)
from kordon.link.topics import check_edge_id

logger = logging.getLogger(__name__)

_ENTRY_OVERHEAD_BYTES = 120
"""JSON around each entry (seq, kind, leaf hash), added to its canonical size."""


@dataclass(frozen=True, slots=True)
class LedgerRun:
    batch_id: str
    start: int
    end: int
    payload: bytes


class LedgerShipper:
    """Reads ``ledger`` from ``cursor`` on; ``now`` stamps the cursor's moves."""

    def __init__(
        self,
        ledger: Ledger,
        cursor: LedgerCursor,
        *,
        edge_id: str,
        now: Callable[[], datetime],
        batch_entries: int = 200,
        batch_bytes: int = 256_000,
    ) -> None:
        if not 1 <= batch_entries <= MAX_ENTRIES or batch_bytes < 1:
            raise ValueError(f"batch_entries must be 1..{MAX_ENTRIES}, batch_bytes >= 1")
        self._ledger = ledger
        self._cursor = cursor
        self._edge_id = check_edge_id(edge_id)
        self._now = now
        self._entries = batch_entries
        self._bytes = batch_bytes

    def waiting(self) -> int:
        """Entries not yet acknowledged by the centre."""
        return max(self._ledger.size - self._cursor.acked_size(), 0)

    def next_run(self) -> LedgerRun | None:
        """The next batch from the cursor, or ``None`` when the centre has everything."""
        start = self._cursor.acked_size()
        size = self._ledger.size
        if start >= size:
            return None
        shipped: list[ShippedEntry] = []
        total = 0
        for seq in range(start, min(size, start + self._entries)):
            item = ShippedEntry.of(self._ledger.entry(seq))
            cost = _ENTRY_OVERHEAD_BYTES
            if item.entry is not None:
                cost += len(item.entry.canonical_bytes())
            if shipped and total + cost > self._bytes:
                break
            shipped.append(item)
            total += cost
        end = start + len(shipped)
        heads = _heads_for(self._ledger.tree_heads(), start, end)
        keys = {h.key_id for h in heads}
        verifier = self._ledger.verifier
        if keys - {verifier.key_id}:
            # Heads signed by an earlier key: the centre checks them against the key it
            # pinned; this edge cannot produce those public keys here, so they stay out.
            heads = [h for h in heads if h.key_id == verifier.key_id]
        batch_id = uuid.uuid4().hex
        payload = encode_ledger_batch(
            batch_id, self._edge_id, shipped, heads, [verifier] if heads else []
        )
        return LedgerRun(batch_id, start, end, payload)

    def acknowledged(self, ack: LedgerAck) -> bool:
        """Move the cursor to the centre's size; ``False`` (cursor kept) when the centre
        claims more entries than this ledger has."""
        size = self._ledger.size
        if ack.acked_size > size:
            logger.error(
                "ledger shipping %s: the centre acknowledges %d entries but this ledger has "
                "%d (was the ledger restored from an older backup?); cursor kept",
                self._edge_id,
                ack.acked_size,
                size,
            )
            return False
        self._cursor.move(ack.acked_size, time=self._now())
        return True


def _heads_for(heads: list[SignedTreeHead], start: int, end: int) -> list[SignedTreeHead]:
    """The heads whose size falls in ``start+1..end`` (the centre checks them as the run
    arrives), the last few if there are many, and the latest head."""
    inside = [h for h in heads if start < h.tree_size <= end][-(MAX_HEADS - 1) :]
    if heads and (not inside or inside[-1] is not heads[-1]):
        inside.append(heads[-1])
    return inside
